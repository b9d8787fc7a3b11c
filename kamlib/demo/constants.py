"""Generating parameters of the demo ledger: the public vocabularies (segments, regions, items, waves), the
true hazard ratios and driver coefficients, and the per-segment rates the simulation draws from."""
from __future__ import annotations

import numpy as np

#: Planted segments in a fixed order (index = segment code used internally).
SEGMENTS: tuple[str, ...] = ("strategic", "growth", "transactional", "slow_payer")
REGIONS: tuple[str, ...] = ("华东", "华北", "华南", "西部")
BUSINESS_UNITS: tuple[str, ...] = ("工业自动化", "电子元件", "技术服务")
#: industry -> typical gross margin (the six industries differ in margin on purpose)
INDUSTRIES: dict[str, float] = {"汽车制造": 0.18, "电子电器": 0.22, "机械装备": 0.27, "新能源": 0.30,
                                "食品饮料": 0.33, "医药健康": 0.38}
SIZE_BANDS: tuple[str, ...] = ("大型", "中型", "小型")
LIKERT_ITEMS: tuple[str, ...] = ("q_product_quality", "q_product_reliability", "q_service_response",
                                 "q_service_expertise", "q_delivery_ontime", "q_delivery_accuracy",
                                 "q_price_value")
#: construct of each Likert item (items of one construct share a response-level shock)
_ITEM_CONSTRUCT = np.array([0, 0, 1, 1, 2, 2, 3])
WAVES: tuple[str, ...] = ("2024H2", "2025H2")
#: true hazard ratios of the contractual churn hazard
HAZARD_RATIOS: dict[str, float] = {"late_payer": 2.0, "dissatisfied": 2.5, "large": 0.5}
#: true ordinal-logit coefficients of `overall` on the Likert items, strongest first
DRIVERS: dict[str, float] = {"q_service_response": 1.2, "q_delivery_ontime": 0.8, "q_product_quality": 0.5,
                             "q_price_value": 0.3, "q_product_reliability": 0.0, "q_service_expertise": 0.0,
                             "q_delivery_accuracy": 0.0}
#: cut points of the ordinal logit: P(overall <= j) = logistic(cut_j - sum(beta * items))
_CUTPOINTS = np.array([5.4, 7.6, 9.0, 10.5])

# per-segment generating parameters, in SEGMENTS order
_SEG_SHARE = np.array([0.14, 0.22, 0.42, 0.22])
_SEG_SIZE_P = np.array([[0.75, 0.25, 0.00],      # strategic: mostly 大型
                        [0.15, 0.60, 0.25],      # growth: mid-size
                        [0.00, 0.25, 0.75],      # transactional: small
                        [0.10, 0.60, 0.30]])     # slow_payer: mid-size
_SEG_ORDERS_PER_YEAR = np.array([60.0, 24.0, 5.0, 20.0])   # orders (not lines) per year, median account
_SEG_LINE_VALUE = np.array([15000.0, 12000.0, 4000.0, 8000.0])  # median line revenue (CNY)
_SEG_GROWTH = np.array([-0.03, 1.1, 0.0, -0.05])           # log growth of the order rate per year
_SEG_GROWTH_SD = np.array([0.10, 0.20, 0.12, 0.10])
_SEG_MARGIN_SHIFT = np.array([-0.07, 0.02, 0.05, 0.0])     # strategic accounts negotiate lower margins
_SEG_TERMS60 = np.array([0.95, 0.15, 0.15, 0.40])          # share on 60-day payment terms
_SEG_FIT = np.array([4.3, 3.6, 2.8, 3.2])                  # mean value_fit / procurement_fit
_P_DISSATISFIED = 0.20
_LATE_SHARE = {True: 0.85, False: 0.05}                    # share of invoices paid late
_WEIBULL_SHAPE = 0.85
_WEIBULL_SCALE_YEARS = 9.0       # baseline: about 9% per year; with the trait mix about 12-13% per year
_LINES_PER_ORDER_EXTRA = 0.6     # lines per order = 1 + Poisson(0.6)
_RETURN_RATE = 0.005
_ZERO_PRICE_RATE = 1e-4
_IN_WINDOW_SHARE = 0.15          # share of candidate accounts whose relationship starts inside the window
_MAX_TENURE_YEARS = 12.0
_SURVEY_RESPONSE = 0.60
#: month-of-year seasonality: Chinese New Year dip (Feb), Q4 peak
_SEASON = np.array([0.90, 0.65, 1.0, 1.0, 1.0, 1.05, 0.95, 0.95, 1.05, 1.05, 1.10, 1.25])

_PRODUCT_LINES: dict[str, list[tuple[str, float]]] = {   # BU -> [(product line, list unit price)]
    "工业自动化": [("PLC控制器", 3800.0), ("伺服驱动", 2600.0), ("工业传感器", 420.0)],
    "电子元件": [("连接器", 18.0), ("功率器件", 65.0), ("被动元件", 2.5)],
    "技术服务": [("维保服务", 1800.0), ("系统集成", 9500.0), ("培训咨询", 3200.0)],
}
