"""Report chrome texts (headings and labels that are not part of an analysis), in zh and en."""
from __future__ import annotations

#: report chrome texts (headings and labels that are not part of an analysis)
LABELS: dict[str, dict[str, str]] = {
    "report.contents": {"zh": "目录", "en": "Contents"},
    "report.provenance": {"zh": "数据来源与运行信息", "en": "Provenance"},
    "report.params": {"zh": "参数", "en": "Parameters"},
    "report.params_file": {"zh": "参数文件", "en": "Params file"},
    "report.data_files": {"zh": "数据文件", "en": "Data files"},
    "report.table": {"zh": "数据表", "en": "Table"},
    "report.path": {"zh": "路径", "en": "Path"},
    "report.fingerprint": {"zh": "指纹", "en": "Fingerprint"},
    "report.rows": {"zh": "行数", "en": "Rows"},
    "report.version": {"zh": "kamlib 版本", "en": "kamlib version"},
    "report.commit": {"zh": "Git 提交", "en": "Git commit"},
    "report.run_time": {"zh": "运行时间", "en": "Run time"},
    "report.duration": {"zh": "耗时", "en": "Duration"},
    "report.data_date": {"zh": "数据截止", "en": "Data as of"},
    "report.masked": {"zh": "个人信息已脱敏", "en": "Personal data masked"},
    "report.index_title": {"zh": "大客户分析报告", "en": "Key account reports"},
    "report.region": {"zh": "区域", "en": "Region"},
    "report.accounts": {"zh": "客户数", "en": "Accounts"},
    "report.revenue": {"zh": "收入", "en": "Revenue"},
    "report.core_accounts": {"zh": "核心客户", "en": "Core accounts"},
    "report.churn_rate": {"zh": "流失率", "en": "Churn rate"},
    "report.nps": {"zh": "NPS", "en": "NPS"},
    "report.reports": {"zh": "报告", "en": "Reports"},
    "report.status": {"zh": "状态", "en": "Status"},
    "report.ok": {"zh": "成功", "en": "ok"},
    "report.failed": {"zh": "失败", "en": "failed"},
    "report.previous": {"zh": "上次成功的报告", "en": "previous good report"},
    "report.notebook": {"zh": "执行后的笔记本", "en": "executed notebook"},
    "report.generated": {"zh": "生成于", "en": "Generated"},
    "report.not_available": {"zh": "无数据", "en": "n/a"},
    "report.combined": {"zh": "综合报告", "en": "Combined report"},
    "report.summary": {"zh": "管理层摘要", "en": "Executive summary"},
    "report.read_first": {"zh": "首先要看的几句话", "en": "What to read first"},
    "report.value_assessment": {"zh": "客户价值评估", "en": "Customer value assessment"},
    "report.segmentation": {"zh": "客户细分", "en": "Customer segmentation"},
    "report.churn_survival": {"zh": "客户流失与留存分析", "en": "Account churn and retention"},
    "report.account_management": {"zh": "客户经营", "en": "Account management"},
    "report.satisfaction": {"zh": "客户满意度分析", "en": "Customer satisfaction"},
    "report.insufficient": {"zh": "数据不足", "en": "insufficient data"},
    "report.def_accounts": {"zh": "区域内的全部客户", "en": "all accounts of the region"},
    "report.def_revenue": {"zh": "数据期内计入分析的订单收入", "en": "order revenue in the data period"},
    "report.def_core": {"zh": "按分级规则划为核心的客户", "en": "accounts the tier rule rates core"},
    "report.def_churn": {"zh": "已流失客户 ÷ 全部客户；活跃 = 未流失",
                         "en": "churned ÷ all accounts; active = not churned"},
    "report.def_nps_account": {"zh": "按客户计：每个客户一票", "en": "account-level: one vote per account"},
    "report.def_nps_respondent": {"zh": "按答卷计：每份答卷一票", "en": "response-level: one vote per response"},
}


def label(key: str, lang: str = "zh") -> str:
    """Chrome text ``report.<key>`` in ``lang`` (falls back to English, then to the key).

    Parameters
    ----------
    key : str
        Label key without the ``report.`` prefix.
    lang : {"zh", "en"}

    Returns
    -------
    str
    """
    entry = LABELS.get(f"report.{key}", {})
    return entry.get(lang) or entry.get("en") or key


def notebook_title(stem: str, lang: str = "zh") -> str:
    """Display title of an analysis notebook (``value_assessment`` -> 客户价值评估).

    Parameters
    ----------
    stem : str
        Notebook file name without ``.ipynb``.
    lang : {"zh", "en"}

    Returns
    -------
    str
        The localized title of a known analysis, else the stem with spaces, capitalized.
    """
    if f"report.{stem}" in LABELS:
        return label(stem, lang)
    return stem.replace("_", " ").strip().capitalize()
