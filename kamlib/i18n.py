"""The label registry: every heading, table header, label and warning of a report, in both languages.

Texts live in ``LABELS`` dicts keyed ``"<domain>.<name>"`` (``"value.title": {"zh": "客户价值评估", "en":
"Customer value assessment"}``): shared texts and column headers here, each analysis package's own texts in
its ``LABELS`` (``kamlib/<domain>/labels.py`` or the package ``__init__``), found through the package, so
adding a text never touches another domain. Everything is looked up through this module:

- :func:`tr` — a text, formatted with parameters (``tr("i18n.scored", lang, n=504, total=504)``);
- :class:`Message` — a keyed message with parameters, rendered later in the report's language (warnings);
- :func:`column_label` — a table header for a column name (``"ci_lower"`` → ``"95% CI lower"`` / ``"95% 置信下限"``).
"""
from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import KamlibError

LANGS = ("zh", "en")

#: texts shared by every report
LABELS: dict[str, dict[str, str]] = {
    "i18n.core": {"zh": "核心", "en": "core"},
    "i18n.key": {"zh": "重点", "en": "key"},
    "i18n.ordinary": {"zh": "一般", "en": "ordinary"},
    "i18n.new": {"zh": "新增", "en": "new"},
    "i18n.lost": {"zh": "流失", "en": "lost"},
    "i18n.data_quality": {"zh": "数据质量", "en": "Data quality"},
    "i18n.warnings": {"zh": "注意事项", "en": "Warnings"},
    "i18n.not_estimable": {"zh": "样本不足，无法估计", "en": "not estimable (sample too small)"},
    "i18n.not_reached": {"zh": "未达到", "en": "not reached"},
    "i18n.unavailable": {"zh": "无数据", "en": "unavailable"},
    "i18n.no_warnings": {"zh": "无。", "en": "None."},
    # data-quality section (kamlib.summary.data_quality_frames)
    "i18n.dq_intro": {"zh": "读取的数据行、按规则排除的行（及其金额）、仅作标记的行，以及无法进行的分析。",
                      "en": "Rows read, rows excluded by each rule (with their amount), rows kept but flagged, "
                            "and what could not be analysed."},
    "i18n.dq_rows": {"zh": "读取与排除", "en": "Rows read and excluded"},
    "i18n.dq_flags": {"zh": "保留但需留意的行", "en": "Rows kept but flagged"},
    "i18n.dq_unavailable": {"zh": "无法提供的数据表或分析", "en": "Tables or analyses not available"},
    "i18n.dq_share": {"zh": "占读取行", "en": "Share of rows read"},
    "i18n.dq_what": {"zh": "项目", "en": "Item"},
    "i18n.dq_not_provided": {"zh": "参数文件未提供该数据表", "en": "table not provided in the params file"},
    "i18n.dq_could_not_run": {"zh": "数据不足或不适用，未能计算（原因见运行日志）",
                              "en": "could not be computed"},
    "i18n.dq_no_orders": {"zh": "数据不足：没有可分析的订单", "en": "insufficient data: no orders to analyse"},
    "i18n.dq_few_accounts": {"zh": "数据不足：仅 {accounts} 个客户（至少需要 {min_accounts} 个）",
                             "en": "insufficient data: {accounts} accounts (at least {min_accounts} needed)"},
    "i18n.table.orders": {"zh": "订单", "en": "Orders"},
    "i18n.table.customers": {"zh": "客户", "en": "Customers"},
    "i18n.table.invoices": {"zh": "发票", "en": "Invoices"},
    "i18n.table.surveys": {"zh": "满意度调查", "en": "Surveys"},
    "i18n.analysis.groups": {"zh": "集团汇总", "en": "Group roll-up"},
    "i18n.analysis.migration": {"zh": "客户等级迁移", "en": "Tier migration"},
    "i18n.analysis.clv": {"zh": "客户终身价值", "en": "Customer lifetime value"},
    "i18n.rule.read": {"zh": "读取", "en": "read"},
    "i18n.rule.kept": {"zh": "用于分析", "en": "kept for the analyses"},
    "i18n.rule.duplicate_line": {"zh": "重复行（完全相同的行，保留第一行）",
                                 "en": "duplicate line (identical rows; the first is kept)"},
    "i18n.rule.cancelled": {"zh": "已取消的订单", "en": "cancelled order"},
    "i18n.rule.return": {"zh": "退货 / 红冲（数量为负）", "en": "return / credit (negative quantity)"},
    "i18n.rule.negative_revenue": {"zh": "负收入（非退货）", "en": "negative revenue (not a return)"},
    "i18n.rule.excluded_value": {"zh": "非商品行（运费、手续费、调整等）",
                                 "en": "not a product (postage, fees, adjustments)"},
    "i18n.rule.zero_price": {"zh": "零单价（如赠品）", "en": "zero price (e.g. free samples)"},
    "i18n.rule.missing_customer_id": {"zh": "缺少客户编号", "en": "no customer id"},
    "i18n.rule.future_date": {"zh": "日期晚于数据截止日", "en": "dated after the period end"},
    "i18n.rule.unpaid": {"zh": "期末仍未付款的发票", "en": "invoice unpaid at the period end"},
    "i18n.rule.likely_duplicate_account": {"zh": "疑似重复客户", "en": "likely duplicate account"},
    "i18n.rule.unknown_parent": {"zh": "上级集团编号不存在", "en": "unknown parent account"},
}

#: table headers of columns that appear in several domains; a domain's own ``<domain>.col.<name>`` wins
COLUMNS: dict[str, dict[str, str]] = {
    "customer_id": {"zh": "客户编号", "en": "Account id"},
    "name": {"zh": "客户名称", "en": "Account"},
    "account": {"zh": "客户", "en": "Account"},
    "accounts": {"zh": "客户数", "en": "Accounts"},
    "n": {"zh": "样本数", "en": "n"},
    "share": {"zh": "占比", "en": "Share"},
    "revenue": {"zh": "收入", "en": "Revenue"},
    "revenue_share": {"zh": "收入占比", "en": "Revenue share"},
    "revenue_last_12m": {"zh": "近 12 个月收入", "en": "Revenue, last 12 months"},
    "gross_profit": {"zh": "毛利", "en": "Gross profit"},
    "margin": {"zh": "毛利率", "en": "Margin"},
    "tier": {"zh": "客户等级", "en": "Tier"},
    "segment": {"zh": "细分群编号", "en": "Segment no."},
    "segment_name": {"zh": "细分群", "en": "Segment"},
    "region": {"zh": "区域", "en": "Region"},
    "business_unit": {"zh": "事业部", "en": "Business unit"},
    "industry": {"zh": "行业", "en": "Industry"},
    "size_band": {"zh": "企业规模", "en": "Company size"},
    "account_manager": {"zh": "客户经理", "en": "Account manager"},
    "respondent_role": {"zh": "受访者角色", "en": "Respondent role"},
    "estimate": {"zh": "估计值", "en": "Estimate"},
    "se": {"zh": "标准误", "en": "Std. error"},
    "ci_lower": {"zh": "95% 置信下限", "en": "95% CI lower"},
    "ci_upper": {"zh": "95% 置信上限", "en": "95% CI upper"},
    "p": {"zh": "p 值", "en": "p"},
    "p_adj": {"zh": "校正后 p 值", "en": "Adjusted p"},
    "rows": {"zh": "行数", "en": "Rows"},
    "amount": {"zh": "金额", "en": "Amount"},
    "rule": {"zh": "规则", "en": "Rule"},
    "table": {"zh": "数据表", "en": "Table"},
    "reason": {"zh": "原因", "en": "Reason"},
    "p_alive": {"zh": "存活概率", "en": "P(alive)"},
    "expected_revenue_12m": {"zh": "未来 12 个月预期收入", "en": "Expected revenue, next 12 months"},
    "clv": {"zh": "客户终身价值", "en": "Customer lifetime value"},
}

TIERS = ("core", "key", "ordinary")


def _check_lang(lang: str) -> None:
    if lang not in LANGS:
        raise KamlibError(f"unknown report language {lang!r}; use one of {', '.join(LANGS)} "
                          "('language:' in the params file)")


def _labels(domain: str) -> Mapping[str, Mapping[str, str]]:
    if domain == "i18n":
        return LABELS
    return getattr(importlib.import_module(f"kamlib.{domain}"), "LABELS", {})


def has(key: str) -> bool:
    """Whether the registry holds ``key``.

    Parameters
    ----------
    key : str
        ``"<domain>.<name>"``; a domain whose module cannot be imported holds nothing.

    Returns
    -------
    bool
    """
    domain, _, _ = key.partition(".")
    try:
        return key in _labels(domain)
    except ImportError:
        return False


def tr(key: str, lang: str = "zh", **params: Any) -> str:
    """The text of ``key`` (``"<domain>.<name>"``) in ``lang``, formatted with ``params``.

    Parameters
    ----------
    key : str
        ``"<domain>.<name>"``: the ``LABELS`` of module ``kamlib.<domain>`` (``i18n``: this module).
    lang : {"zh", "en"}
        Report language.
    **params
        Values of the text's ``{placeholders}``; messages and labels among them (or lists of them) are
        rendered in ``lang``.

    Returns
    -------
    str

    >>> tr("i18n.core", "zh")
    '核心'

    Raises
    ------
    KamlibError
        When the language or the key is unknown (a programming error that a test should catch).
    """
    _check_lang(lang)
    domain, _, _ = key.partition(".")
    try:
        text = _labels(domain)[key][lang]
    except (KeyError, ImportError):
        raise KamlibError(f"no {lang!r} text for {key!r}: add it to the LABELS of kamlib.{domain}") from None
    return text.format(**{k: _param(v, lang) for k, v in params.items()}) if params else text


def _param(value: Any, lang: str) -> Any:
    """A parameter rendered in ``lang`` when it can be (a nested message or label; a list of them, joined)."""
    if hasattr(value, "render"):
        return value.render(lang)
    if isinstance(value, list | tuple) and any(hasattr(v, "render") for v in value):
        return ("、" if lang == "zh" else ", ").join(str(_param(v, lang)) for v in value)
    return value


@dataclass(frozen=True)
class Message:
    """A keyed message with parameters (a warning, a note), rendered in the report's language when shown.

    >>> Message("i18n.not_reached").render("en")
    'not reached'
    """

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def render(self, lang: str = "zh") -> str:
        return tr(self.key, lang, **dict(self.params))


def unique_messages(items) -> tuple:
    """``items`` (messages or texts) each once, in order.

    Messages compare by value and hold dicts of parameters, so they are not hashable: ``dict.fromkeys`` and
    sets cannot dedupe them.

    Parameters
    ----------
    items : iterable of Message or str

    Returns
    -------
    tuple

    >>> unique_messages([Message("i18n.core"), "a", Message("i18n.core"), "a"])
    (Message(key='i18n.core', params={}), 'a')
    """
    out: list = []
    for item in items:
        if item not in out:
            out.append(item)
    return tuple(out)


def render(message: Message | str, lang: str = "zh") -> str:
    """A :class:`Message` (or anything with ``render(lang)``) in ``lang``; a plain string passes through.

    Parameters
    ----------
    message : Message or str
        A message, anything with ``render(lang)``, or other value (returned as ``str``).
    lang : {"zh", "en"}
        Report language.

    Returns
    -------
    str
    """
    return message.render(lang) if hasattr(message, "render") else str(message)


def column_label(name: str, lang: str = "zh", domain: str | None = None, default: str | None = None) -> str:
    """The table header of column ``name``: the domain's ``<domain>.col.<name>``, else the shared one.

    ``default`` is returned for a column no registry knows (an attribute the analyst mapped and named
    themselves, e.g. a contract type used as a churn group); without it an unknown column is an error.

    Parameters
    ----------
    name : str
        Column name in the table.
    lang : {"zh", "en"}
        Report language.
    domain : str, optional
        Domain (module under ``kamlib``) whose ``<domain>.col.<name>`` label is looked up first.
    default : str, optional
        Header for a column no registry knows.

    Returns
    -------
    str

    >>> column_label("ci_lower", "en")
    '95% CI lower'

    Raises
    ------
    KamlibError
        When no header is registered: a snake_case code name must never reach a report.
    """
    _check_lang(lang)
    if domain is not None and has(f"{domain}.col.{name}"):
        return tr(f"{domain}.col.{name}", lang)
    if name in COLUMNS:
        return COLUMNS[name][lang]
    if default is not None:
        return default
    raise KamlibError(f"no table header for column {name!r}: add '{domain or '<domain>'}.col.{name}' to the "
                      "domain's LABELS or to kamlib.i18n.COLUMNS")


def tier_label(code, lang: str = "zh") -> str:
    """'core' -> '核心' (zh) / 'core' (en); other values pass through unchanged.

    Parameters
    ----------
    code : object
        A tier code ('core', 'key', 'ordinary', 'new', 'lost') or any other value.
    lang : {"zh", "en"}
        Report language.

    Returns
    -------
    str

    Raises
    ------
    KamlibError
        ``code`` is a tier code and ``lang`` is not a report language.
    """
    return tr(f"i18n.{code}", lang) if code in TIERS or code in ("new", "lost") else str(code)
