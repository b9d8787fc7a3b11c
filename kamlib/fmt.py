"""Number, date and table formatting for leadership-readable reports (zh: 万/亿; en: thousands separators).

Pure functions from values to display strings. Tables handed to notebooks go through
:func:`format_frame`, which returns strings (never raw floats like 0.3333333) and leaves HTML escaping to
:mod:`kamlib.report`.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Literal

import pandas as pd

Lang = Literal["zh", "en"]


def _isnan(x) -> bool:
    try:
        return x is None or pd.isna(x)
    except (TypeError, ValueError):
        return False


def _lang(lang) -> None:
    """Reject a non-string language: ``pct(x, 0)`` (digits passed where the language goes) fails loudly
    instead of silently printing the default number of digits."""
    if not isinstance(lang, str):
        raise TypeError(f"kamlib.fmt: lang must be 'zh' or 'en', got {lang!r} (digits is keyword-only: "
                        "digits=...)")


def money(x, lang: Lang = "zh", *, digits: int = 1) -> str:
    """12345678 -> '1,234.6万' (zh) / '12.3M' (en). NaN -> '—'.

    Parameters
    ----------
    x : number or None
        Amount; None and NaN read as missing.
    lang : {"zh", "en"}
        Report language: 万/亿 units (zh) or k/M/B suffixes (en).
    digits : int
        Decimals after scaling (亿 gets one more); amounts under the first unit have none.

    Returns
    -------
    str

    Raises
    ------
    TypeError
        ``lang`` is not a string (digits passed positionally).
    """
    _lang(lang)
    if _isnan(x):
        return "—"
    x = float(x)
    sign = "-" if x < 0 else ""
    a = abs(x)
    if lang == "zh":
        if a >= 1e8:
            return f"{sign}{a / 1e8:,.{digits + 1}f}亿"
        if a >= 1e4:
            return f"{sign}{a / 1e4:,.{digits}f}万"
        return f"{sign}{a:,.0f}"
    for div, suf in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if a >= div:
            return f"{sign}{a / div:,.{digits}f}{suf}"
    return f"{sign}{a:,.0f}"


#: Chinese names of common currencies (table headers say "收入（元）", "收入（英镑）")
CURRENCY_ZH = {"CNY": "元", "RMB": "元", "GBP": "英镑", "USD": "美元", "EUR": "欧元", "HKD": "港元", "JPY": "日元"}
#: the currency of a params file that names none (the demo ledger and Chinese exports are in yuan)
DEFAULT_CURRENCY = "CNY"


def lang_of(lang: str) -> Lang:
    """``lang`` checked as a report language (anything but "en" is zh).

    Parameters
    ----------
    lang : str
        Requested language code.

    Returns
    -------
    {"zh", "en"}
    """
    return "en" if lang == "en" else "zh"


def currency_unit(currency: str | None, lang: Lang = "zh") -> str:
    """How a money header names the currency: 'CNY' -> '元' (zh) / 'CNY' (en).

    Parameters
    ----------
    currency : str or None
        ISO code (case-insensitive); None is :data:`DEFAULT_CURRENCY`.
    lang : {"zh", "en"}
        zh gives the Chinese name of a known code (:data:`CURRENCY_ZH`), else the upper-case code.

    Returns
    -------
    str
    """
    code = (currency or DEFAULT_CURRENCY).upper()
    return CURRENCY_ZH.get(code, code) if lang == "zh" else code


def money_header(label: str, lang: Lang = "zh", currency: str | None = None) -> str:
    """A money column's header with its unit: '收入（元）' (zh) / 'Revenue (GBP)' (en).

    Parameters
    ----------
    label : str
        Column label, already in ``lang``.
    lang : {"zh", "en"}
        Report language (full-width brackets in zh).
    currency : str or None
        ISO code, as in :func:`currency_unit`.

    Returns
    -------
    str

    >>> money_header("收入", "zh", "CNY"), money_header("Revenue", "en", "GBP")
    ('收入（元）', 'Revenue (GBP)')
    """
    unit = currency_unit(currency, lang)
    return f"{label}（{unit}）" if lang == "zh" else f"{label} ({unit})"


def money_with_unit(x, lang: Lang = "zh", currency: str | None = None, *, digits: int = 1) -> str:
    """An amount with its unit, for a cell whose header has none: '4.71亿元' / 'GBP 1.2M'.

    Parameters
    ----------
    x : number or None
        Amount, formatted by :func:`money`; missing gives '—' without a unit.
    lang : {"zh", "en"}
        Report language: unit after the amount (zh) or code before it (en).
    currency : str or None
        ISO code, as in :func:`currency_unit`.
    digits : int
        Decimals, as in :func:`money`.

    Returns
    -------
    str
    """
    text = money(x, lang, digits=digits)
    if text == "—":
        return text
    unit = currency_unit(currency, lang)
    return f"{text}{unit}" if lang == "zh" else f"{unit} {text}"


def integer(x, lang: Lang = "zh") -> str:
    """1234.6 -> '1,235' (rounded, thousands separators). NaN/None -> '—'.

    Parameters
    ----------
    x : number or None
        Value; missing gives '—'.
    lang : {"zh", "en"}
        Report language (checked; same output in both).

    Returns
    -------
    str

    Raises
    ------
    TypeError
        ``lang`` is not a string.
    """
    _lang(lang)
    if _isnan(x):
        return "—"
    return f"{int(round(float(x))):,}"


def number(x, lang: Lang = "zh", *, digits: int = 2) -> str:
    """1234.5678 -> '1,234.57'; ``digits`` is keyword-only, like every formatter here.

    Parameters
    ----------
    x : number or None
        Value; None and NaN give '—'.
    lang : {"zh", "en"}
        Report language (checked; same output in both).
    digits : int
        Decimals.

    Returns
    -------
    str

    Raises
    ------
    TypeError
        ``lang`` is not a string.

    >>> number(1234.5678), number(0.5, digits=0), number(float("nan"))
    ('1,234.57', '0', '—')
    """
    _lang(lang)
    if _isnan(x):
        return "—"
    return f"{float(x):,.{digits}f}"


def pct(x, lang: Lang = "zh", *, digits: int = 1) -> str:
    """0.1234 -> '12.3%'.

    Parameters
    ----------
    x : number or None
        Proportion (0.5 = 50%); None and NaN give '—'.
    lang : {"zh", "en"}
        Report language (checked; same output in both).
    digits : int
        Decimals of the percentage.

    Returns
    -------
    str

    Raises
    ------
    TypeError
        ``lang`` is not a string.

    >>> pct(0.1234), pct(0.1234, "en", digits=0), pct(None)
    ('12.3%', '12%', '—')
    """
    _lang(lang)
    if _isnan(x):
        return "—"
    return f"{100 * float(x):.{digits}f}%"


def pvalue(p, lang: Lang = "zh") -> str:
    """A p-value with three decimals, '<0.001' below that. NaN/None -> '—'.

    Parameters
    ----------
    p : number or None
        The p-value.
    lang : {"zh", "en"}
        Report language (checked; same output in both).

    Returns
    -------
    str

    Raises
    ------
    TypeError
        ``lang`` is not a string.
    """
    _lang(lang)
    if _isnan(p):
        return "—"
    p = float(p)
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def p_statement(p, lang: Lang = "zh") -> str:
    """A p-value as said in a sentence: 'p = 0.213' or 'p < 0.001' (:func:`pvalue`).

    Parameters
    ----------
    p : number or None
        The p-value.
    lang : {"zh", "en"}
        Report language (same output in both).

    Returns
    -------
    str

    >>> p_statement(0.2134), p_statement(0.0002)
    ('p = 0.213', 'p < 0.001')
    """
    text = pvalue(p, lang)
    return f"p < {text[1:]}" if text.startswith("<") else f"p = {text}"


def date(d, lang: Lang = "zh") -> str:
    """A date as '2024年3月5日' (zh) / '05 Mar 2024' (en). NaN/None/NaT -> '—'.

    Parameters
    ----------
    d : date-like or None
        Anything :class:`pandas.Timestamp` accepts.
    lang : {"zh", "en"}
        Report language.

    Returns
    -------
    str

    Raises
    ------
    TypeError
        ``lang`` is not a string.
    """
    _lang(lang)
    if _isnan(d):
        return "—"
    d = pd.Timestamp(d)
    return f"{d.year}年{d.month}月{d.day}日" if lang == "zh" else d.strftime("%d %b %Y")


FORMATTERS: dict[str, Callable[..., str]] = {"money": money, "int": integer, "number": number, "pct": pct,
                                             "p": pvalue, "date": date}


def format_frame(df: pd.DataFrame, formats: Mapping[str, str], lang: Lang = "zh",
                 labels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Return a copy of ``df`` with the columns in ``formats`` rendered as strings.

    Parameters
    ----------
    formats : mapping column -> one of 'money', 'int', 'number', 'pct', 'p', 'date'
        Columns not listed are converted with ``str`` (floats get 2 decimals).
    labels : mapping column -> display label, optional
    """
    out = df.copy()
    for col in out.columns:
        kind = formats.get(col)
        if kind is not None:
            f = FORMATTERS[kind]
            out[col] = [f(v, lang=lang) for v in out[col]]
        elif pd.api.types.is_float_dtype(out[col]):
            out[col] = [number(v, lang, digits=2) for v in out[col]]
    if labels:
        out = out.rename(columns=dict(labels))
    return out


def round_half(x: float, digits: int = 0) -> float:
    """Round half away from zero (what readers expect), unlike Python's banker's rounding.

    Parameters
    ----------
    x : float
        Value to round.
    digits : int
        Decimals to keep (negative rounds to tens, hundreds...).

    Returns
    -------
    float
    """
    m = 10 ** digits
    return math.copysign(math.floor(abs(x) * m + 0.5) / m, x)
