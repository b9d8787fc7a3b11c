"""Report texts of the segmentation: headings, feature names, trait words, rule and method names."""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import ParamsError
from ..fmt import Lang

LABELS: dict[str, dict[str, str]] = {
    "segmentation.title": {"zh": "客户细分", "en": "Customer segmentation"},
    "segmentation.k_choice": {"zh": "细分数量 k 的选择", "en": "Choosing the number of segments k"},
    "segmentation.projection": {"zh": "细分分布（主成分投影）", "en": "Segments in two dimensions (PCA)"},
    "segmentation.heatmap": {"zh": "细分画像（标准化中位数）", "en": "Segment profiles (standardized medians)"},
    "segmentation.table": {"zh": "细分一览", "en": "Segments at a glance"},
    "segmentation.profiles": {"zh": "细分特征中位数", "en": "Segment medians"},
    "segmentation.crosstab": {"zh": "细分 × 价值层级", "en": "Segments × value tiers"},
    "segmentation.stability": {"zh": "稳定性", "en": "Stability"},
    "segmentation.unavailable": {"zh": "本区域未能进行客户细分", "en": "No segmentation for this region"},
    "segmentation.segment": {"zh": "细分", "en": "Segment"},
    "segmentation.name": {"zh": "名称", "en": "Name"},
    "segmentation.customers": {"zh": "客户数", "en": "Customers"},
    "segmentation.customer_share": {"zh": "客户占比", "en": "Share of customers"},
    "segmentation.revenue": {"zh": "收入", "en": "Revenue"},
    "segmentation.revenue_share": {"zh": "收入占比", "en": "Revenue share"},
    "segmentation.overrepresented": {"zh": "显著偏多的类别", "en": "Over-represented"},
    "segmentation.total": {"zh": "合计", "en": "Total"},
    "segmentation.chosen": {"zh": "选定", "en": "chosen"},
    "segmentation.silhouette": {"zh": "轮廓系数（越高越好）", "en": "Silhouette (higher is better)"},
    "segmentation.calinski_harabasz": {"zh": "CH 指数（越高越好）", "en": "Calinski-Harabasz (higher is better)"},
    "segmentation.davies_bouldin": {"zh": "DB 指数（越低越好）", "en": "Davies-Bouldin (lower is better)"},
    "segmentation.bic": {"zh": "BIC（越低越好）", "en": "BIC (lower is better)"},
    "segmentation.pc": {"zh": "主成分", "en": "PC"},
    "segmentation.method": {"zh": "方法说明", "en": "Method"},
    "segmentation.typical": {"zh": "中等、表现平稳", "en": "Mid-range, typical"},
    "segmentation.median_of": {"zh": "{feature}（中位数）", "en": "{feature} (median)"},
    "segmentation.overrepresented_of": {"zh": "显著偏多的{feature}", "en": "Over-represented {feature_lower}"},
    "segmentation.yes": {"zh": "是", "en": "yes"},
    "segmentation.no": {"zh": "否", "en": "no"},
    "segmentation.numeric": {"zh": "数值", "en": "numeric"},
    "segmentation.categorical": {"zh": "类别", "en": "categorical"},
    "segmentation.relative_score": {"zh": "相对得分（1 = 最优）", "en": "Relative score (1 = best)"},
    # table headers (kamlib.i18n.column_label(name, lang, "segmentation"))
    "segmentation.col.segment": {"zh": "细分", "en": "Segment"},
    "segmentation.col.name": {"zh": "细分名称", "en": "Segment name"},
    "segmentation.col.customers": {"zh": "客户数", "en": "Customers"},
    "segmentation.col.customer_share": {"zh": "客户占比", "en": "Share of customers"},
    "segmentation.col.revenue": {"zh": "收入", "en": "Revenue"},
    "segmentation.col.revenue_share": {"zh": "收入占比", "en": "Revenue share"},
    "segmentation.col.attribute": {"zh": "属性", "en": "Attribute"},
    "segmentation.col.level": {"zh": "类别", "en": "Category"},
    "segmentation.col.share_in_segment": {"zh": "细分内占比", "en": "Share in segment"},
    "segmentation.col.overall_share": {"zh": "整体占比", "en": "Overall share"},
    "segmentation.col.lift": {"zh": "倍数", "en": "Lift"},
    "segmentation.col.feature": {"zh": "特征", "en": "Feature"},
    "segmentation.col.kind": {"zh": "类型", "en": "Kind"},
    "segmentation.col.transform": {"zh": "变换", "en": "Transform"},
    "segmentation.col.center": {"zh": "中心（中位数）", "en": "Centre (median)"},
    "segmentation.col.scale": {"zh": "尺度（四分位距）", "en": "Scale (IQR)"},
    "segmentation.col.weight": {"zh": "权重", "en": "Weight"},
    "segmentation.col.n_imputed": {"zh": "中位数填补数", "en": "Imputed (median)"},
    "segmentation.col.used": {"zh": "使用", "en": "Used"},
    "segmentation.col.k": {"zh": "细分数 k", "en": "k"},
    "segmentation.col.chosen": {"zh": "选定", "en": "Chosen"},
    "segmentation.col.silhouette": {"zh": "轮廓系数（越高越好）", "en": "Silhouette (higher is better)"},
    "segmentation.col.calinski_harabasz": {"zh": "CH 指数（越高越好）", "en": "Calinski-Harabasz (higher is better)"},
    "segmentation.col.davies_bouldin": {"zh": "DB 指数（越低越好）", "en": "Davies-Bouldin (lower is better)"},
    "segmentation.col.bic": {"zh": "BIC（越低越好）", "en": "BIC (lower is better)"},
    # warnings (kamlib.i18n.Message; {feature} is a FeatureName, rendered through feature_label)
    "segmentation.w.dates": {
        "zh": "字段“{feature}”是日期，未纳入客户细分（请改用数值指标，如距上次下单天数或合作天数）。",
        "en": "column '{feature}' holds dates and was left out of the segmentation (use a numeric indicator such "
              "as days since last order or tenure instead)."},
    "segmentation.w.text_column": {
        "zh": "文本字段“{feature}”有 {n} 个不同取值（可能是编号或名称），未纳入客户细分；如确需使用，请在 categorical "
              "参数中列出（最少见的取值会合并）。",
        "en": "text column '{feature}' has {n} distinct values (an id or a name?) and was left out; pass it in "
              "categorical= to use it anyway (rarest levels pooled)."},
    "segmentation.w.all_missing": {
        "zh": "所有客户均缺少特征“{feature}”，该特征未纳入客户细分（例如账本中没有发票或成本数据）。",
        "en": "feature '{feature}' is missing for every customer and was left out of the segmentation (e.g. no "
              "invoices or no cost data in the ledger)."},
    "segmentation.w.constant": {"zh": "特征“{feature}”对所有客户取值相同，未纳入客户细分。",
                                "en": "feature '{feature}' has the same value for every customer and was left out."},
    "segmentation.w.pooled": {"zh": "分类特征“{feature}”有 {levels} 个取值，其中最少见的 {n} 个已合并为“其他”。",
                              "en": "categorical feature '{feature}' has {levels} levels; the {n} rarest were pooled "
                                    "as 'other'."},
    "segmentation.w.single_level": {"zh": "分类特征“{feature}”只有一个取值，未纳入客户细分。",
                                    "en": "categorical feature '{feature}' has a single level and was left out."},
    "segmentation.w.imputed": {
        "zh": "{total} 家客户中有 {n} 家缺少部分特征值，已用该特征的中位数填补（{per}）；"
              "这些客户仍参与细分并做了标记。",
        "en": "{n} of {total} customers have missing feature values, imputed with the feature median ({per}); they "
              "are kept in the segmentation and flagged."},
    "segmentation.w.imputed_n": {"zh": "{feature} {n} 家", "en": "{feature} {n}"},
    "segmentation.w.k_shrunk": {
        "zh": "只有 {n} 家客户：细分数 k 的范围由 {k_lo}–{k_hi} 缩小为 {k_lo}–{max_k}（每个细分群至少 {per} 家客户）。",
        "en": "only {n} customers: k range {k_lo}..{k_hi} shrunk to {k_lo}..{max_k} (at least {per} customers per "
              "segment)."},
    "segmentation.w.unstable": {
        "zh": "细分结果不稳定：在 {runs} 个 {pct}% 客户子样本上重新聚类，与原结果的平均调整兰德指数为 {ari:.2f}"
              "（低于 {min}）；细分边界仅供参考。",
        "en": "segments are not stable: refitting on {runs} subsamples of {pct}% of customers reproduces them with a "
              "mean adjusted Rand index of {ari:.2f} (below {min}); treat the segment boundaries as indicative."},
    "segmentation.w.small": {
        "zh": "细分群 {segments} 的客户数不足总数的 2%（{sizes} 家）：更可能是离群客户，而不是值得单独经营的细分群。",
        "en": "segment(s) {segments} hold fewer than 2% of customers ({sizes}): probably outliers rather than a "
              "segment to act on."},
    # errors shown in a report's Warnings when segmentation cannot run on the book (AnalysisError(Message))
    "segmentation.e.too_few_k": {
        "zh": "只有 {n} 家客户，不足以分成 {k} 个细分群（至少需要 {need} 家，每个细分群 {per} 家）。"
              "请在参数文件中调低细分数，或合并更大的客户群（如多个区域）一起细分。",
        "en": "segmentation: only {n} customers, too few for k={k} segments (need at least {need}, i.e. {per} per "
              "segment). Lower 'segmentation.k' or segment a larger book (e.g. several regions together)."},
    "segmentation.e.too_few": {
        "zh": "只有 {n} 家客户，不足以分成 {k_lo}–{k_hi} 个细分群（至少需要 {need} 家，每个细分群 {per} 家）。"
              "请在参数文件中调低细分数下限，或合并更大的客户群（如多个区域）一起细分。",
        "en": "segmentation: only {n} customers, too few to segment into k={k_lo}..{k_hi} segments (need at least "
              "{need} customers, {per} per segment). Lower 'segmentation.k_min' or segment a larger book (e.g. "
              "several regions together)."},
    "segmentation.e.no_feature": {
        "zh": "客户细分没有可用的特征（所配置的特征全部为空或取值相同）。请检查参数文件中的细分特征，以及账本中是否有"
              "这些指标所需的数据。",
        "en": "segmentation: no usable feature (every configured feature is empty or constant). Check "
              "'segmentation.features' in the params file and that the ledger has the data those indicators "
              "need."},
    "segmentation.e.ward_too_big": {
        "zh": "Ward 层次聚类所需内存随客户数的平方增长；{n} 家客户超过上限 {max}。"
              "请在参数文件中改用 k-means 或高斯混合聚类。",
        "en": "segmentation: Ward clustering needs memory growing with the square of the number of customers; {n} "
              "customers is more than {max}. Use method 'kmeans' (or 'gmm') in 'segmentation.method'."},
}

# feature -> (zh label, en label)
FEATURE_LABELS = {
    "revenue": ("收入", "Revenue"), "gross_profit": ("毛利", "Gross profit"), "margin": ("毛利率", "Margin"),
    "order_count": ("订单数", "Orders"), "avg_order_value": ("平均订单额", "Avg order value"),
    "recency_days": ("距上次下单天数", "Days since last order"), "tenure_days": ("合作天数", "Tenure (days)"),
    "frequency": ("年订单频次", "Orders per year"), "revenue_growth": ("收入增长", "Revenue growth"),
    "revenue_yoy": ("收入同比", "Revenue YoY"), "revenue_last_12m": ("近12个月收入", "Revenue, last 12 months"),
    "days_to_pay": ("回款天数", "Days to pay"), "dso": ("应收账款周转天数", "DSO"),
    "overdue_amount": ("逾期金额", "Overdue amount"), "outstanding_amount": ("未收金额", "Outstanding amount"),
    "late_share": ("逾期付款占比", "Late-paid share"), "revenue_share": ("收入占比", "Revenue share"),
    "profit_share": ("毛利占比", "Profit share"), "value_fit": ("价值需求匹配度", "Value fit"),
    "procurement_fit": ("采购流程匹配度", "Procurement fit"), "industry": ("行业", "Industry"),
    "region": ("区域", "Region"), "size_band": ("规模", "Size band"), "business_unit": ("事业部", "Business unit"),
}

# feature -> ((zh high, en high), (zh low, en low)); the revenue-like ones lead a name
TRAITS = {
    "revenue": (("高价值", "high-value"), ("小额", "small")),
    "revenue_last_12m": (("高价值", "high-value"), ("小额", "small")),
    "gross_profit": (("高毛利额", "high-profit"), ("低毛利额", "low-profit")),
    "order_count": (("高频", "frequent"), ("低频", "occasional")),
    "frequency": (("高频", "frequent"), ("低频", "occasional")),
    "avg_order_value": (("大单", "large orders"), ("小单", "small orders")),
    "margin": (("高毛利", "high-margin"), ("低毛利", "low-margin")),
    "recency_days": (("久未下单", "dormant"), ("近期活跃", "recently active")),
    "tenure_days": (("合作久", "long-standing"), ("新客户", "new")),
    "revenue_growth": (("增长快", "growing"), ("收入下滑", "declining")),
    "revenue_yoy": (("同比增长", "growing year on year"), ("同比下滑", "shrinking year on year")),
    "days_to_pay": (("回款慢", "slow payers"), ("回款快", "prompt payers")),
    "dso": (("回款慢", "slow payers"), ("回款快", "prompt payers")),
    "late_share": (("常逾期", "often late"), ("按时付款", "pays on time")),
    "overdue_amount": (("逾期多", "large overdue"), ("逾期少", "little overdue")),
    "value_fit": (("需求匹配高", "good fit"), ("需求匹配低", "poor fit")),
    "procurement_fit": (("采购匹配高", "easy to buy from us"), ("采购匹配低", "hard procurement fit")),
}
# every feature name is also a table header
LABELS.update({f"segmentation.col.{c}": {"zh": zh, "en": en} for c, (zh, en) in FEATURE_LABELS.items()
               if f"segmentation.col.{c}" not in LABELS})
LEAD_TRAITS = ("revenue", "revenue_last_12m", "gross_profit")
RULE_TEXT = {
    "silhouette": ("轮廓系数最高（差距在 {tol} 以内时取较小的 k）",
                   "highest silhouette (a smaller k wins when within {tol} of the best)"),
    "consensus": ("三项指标排名之和最小（并列时取较小的 k）",
                  "best sum of ranks of the three indices (ties: smaller k)"),
    "bic": ("BIC 最低", "lowest BIC"),
    "given": ("参数中指定", "set in the params file"),
}
METHOD_TEXT = {"kmeans": ("k-means 聚类", "k-means"), "gmm": ("高斯混合模型", "a Gaussian mixture"),
               "ward": ("Ward 层次聚类", "Ward hierarchical clustering")}


def text(key: str, lang: str) -> str:
    """Report text ``key`` of :data:`LABELS` in ``lang``.

    Parameters
    ----------
    key : str
        A key of :data:`LABELS` (``"segmentation.title"``...).
    lang : {"zh", "en"}
        Report language.

    Returns
    -------
    str
    """
    return LABELS[key][lang]


def feature_label(col: str, lang: str = "zh") -> str:
    """Display label of an indicator column (``"days_to_pay"`` -> ``"回款天数"`` / ``"Days to pay"``).

    Parameters
    ----------
    col : str
        Indicator column.
    lang : {"zh", "en"}
        Report language.

    Returns
    -------
    str
        The label, or ``col`` itself when it has none.

    Examples
    --------
    >>> feature_label("days_to_pay", "en"), feature_label("days_to_pay"), feature_label("my_score", "en")
    ('Days to pay', '回款天数', 'my_score')
    """
    pair = FEATURE_LABELS.get(col)
    return col if pair is None else pair[0 if lang == "zh" else 1]



@dataclass(frozen=True)
class FeatureName:
    """A feature named in a message: rendered as its label in the message's language (never the code name)."""

    code: str

    def render(self, lang: str = "zh") -> str:
        return feature_label(self.code, lang)


_LANGS: dict[str, Lang] = {"zh": "zh", "en": "en"}


def check_lang(lang: str) -> Lang:
    """``lang`` as a report language.

    Parameters
    ----------
    lang : str
        Language code.

    Returns
    -------
    Lang
        ``"zh"`` or ``"en"``.

    Raises
    ------
    ParamsError
        When ``lang`` is not a report language.
    """
    try:
        return _LANGS[lang]
    except KeyError:
        raise ParamsError(f"unknown report language {lang!r}; use 'zh' or 'en' ('language:' in the params file)"
                          ) from None
