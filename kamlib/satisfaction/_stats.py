"""Statistical helpers shared by the satisfaction modules: score parsing, intervals, per-unit aggregation."""
from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import AnalysisError, DataError, StatisticalWarning
from ..i18n import Message

_Aggregate = Literal["account", "respondent"]


def _msg(key: str, **params) -> Message:
    """A satisfaction warning (``satisfaction.w.<key>``), rendered in the report's language when shown."""
    return Message(f"satisfaction.w.{key}", params)


def _warn(msgs: list, msg: Message | str) -> None:
    """Emit a StatisticalWarning (English text) and keep the message for the result's ``warnings`` tuple."""
    warnings.warn(msg.render("en") if isinstance(msg, Message) else msg, StatisticalWarning, stacklevel=3)
    msgs.append(msg)




_UNITS = {"accounts": ("客户", "accounts"), "responses": ("答卷", "responses")}


def _what(what) -> dict:
    """``what_zh`` / ``what_en`` message parameters from a {"zh": .., "en": ..} mapping or one string."""
    if isinstance(what, dict):
        return {"what_zh": what["zh"], "what_en": what["en"]}
    return {"what_zh": str(what), "what_en": str(what)}


def _unit(unit: str) -> dict:
    zh, en = _UNITS.get(unit, (unit, unit))
    return {"unit_zh": zh, "unit_en": en}


def _z(ci: float) -> float:
    if not 0 < ci < 1:
        raise AnalysisError(f"ci must be a confidence level strictly between 0 and 1 (e.g. 0.95), got {ci!r}")
    return float(stats.norm.ppf(0.5 + ci / 2))


def _as_float(values, what: str) -> np.ndarray:
    """Values as a 1-d float array with NaN for missing (accepts Series, lists, arrays, nullable dtypes)."""
    s = pd.Series(values) if not isinstance(values, pd.Series) else values
    if not pd.api.types.is_numeric_dtype(s):
        from ..ledger import LIKERT_LABELS

        words = s.dropna().astype(str).str.strip().str.lower()
        if len(words) and words.isin(list(LIKERT_LABELS)).all():
            # Likert answers exported as words (非常满意 / satisfied ...): map them onto 1-5
            return s.astype("string").str.strip().str.lower().map(LIKERT_LABELS).astype("float64").to_numpy()
    try:
        return pd.to_numeric(s, errors="raise").astype("float64").to_numpy()
    except (TypeError, ValueError) as e:
        raise DataError(f"{what}: expected numeric scores, got values such as "
                        f"{list(s.dropna().astype(str).unique()[:3])} ({e}). Map text answers to numbers first "
                        "(kamlib.ledger.LIKERT_LABELS lists the accepted Likert words).") from None


def _check_range(x: np.ndarray, lo: float, hi: float, what: str) -> None:
    bad = x[~np.isnan(x) & ((x < lo) | (x > hi))]
    if len(bad):
        raise DataError(f"{what}: {len(bad)} score(s) outside {lo:g}-{hi:g}, e.g. {sorted(set(bad.tolist()))[:5]}. "
                        f"Check the column mapping or the scale of the survey export.")


def _wilson(k: float, n: int, z: float) -> tuple[float, float]:
    if n <= 0:
        return float("nan"), float("nan")
    p = k / n
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


def _frame_html(df: pd.DataFrame) -> str:
    return df.to_html(escape=True, na_rep="—", float_format=lambda v: f"{v:.3f}")


def _numeric(s: pd.DataFrame, cols: Sequence[str]) -> pd.DataFrame:
    return s[list(cols)].apply(lambda c: pd.to_numeric(c, errors="coerce")).astype("float64")


def _account_codes(ids: pd.Series) -> pd.Series:
    """Account ids as float codes (NaN where missing), for the many per-account groupbys of one table:
    grouping on Arrow-string ids would factorize them again on every call."""
    codes = pd.factorize(ids)[0]
    return pd.Series(np.where(codes >= 0, codes, np.nan), index=ids.index)


def _unit_values(values: pd.Series, accounts: pd.Series, aggregate: str) -> pd.Series:
    """Per-unit values: the account mean of ``values`` (account) or the non-missing values (respondent)."""
    if aggregate == "account":
        return values.groupby(accounts).mean().dropna()
    if aggregate != "respondent":
        raise AnalysisError(f"aggregate must be 'account' or 'respondent', got {aggregate!r} "
                            "(satisfaction.aggregate in the params file)")
    return values.dropna()


def _mean_ci(v: pd.Series | np.ndarray, ci: float, lo_b: float = -np.inf, hi_b: float = np.inf):
    """Mean with a t interval (clipped to the scale bounds); (mean, lo, hi, se, n)."""
    v = np.asarray(v, dtype=float)
    n = len(v)
    if n == 0:
        return (np.nan,) * 4 + (0,)
    m = float(v.mean())
    if n < 2:
        return m, np.nan, np.nan, np.nan, n
    se = float(v.std(ddof=1) / np.sqrt(n))
    h = float(stats.t.ppf(0.5 + ci / 2, n - 1)) * se
    return m, max(lo_b, m - h), min(hi_b, m + h), se, n


def _top_flag(v: pd.Series, box: int, scale: int) -> pd.Series:
    return (v >= scale - box + 1).astype("float64").where(v.notna())


def _nps_points(v: pd.Series) -> pd.Series:
    return pd.Series(np.select([v >= 9, v <= 6], [100.0, -100.0], 0.0), index=v.index).where(v.notna())


def _share_stat(flags: pd.Series, accounts: pd.Series, aggregate: str, ci: float, min_n: int,
                what, msgs: list) -> dict:
    """Share of 1s in ``flags`` per aggregation, with interval: Wilson (respondent) or t over accounts."""
    if aggregate == "respondent":
        v = flags.dropna()
        n = int(len(v))
        if n < min_n:
            _warn(msgs, _msg("not_estimable", n=n, min_n=min_n, **_what(what), **_unit("responses")))
            return {"estimate": np.nan, "ci_lower": np.nan, "ci_upper": np.nan, "n": n, "estimable": False}
        lo, hi = _wilson(float(v.sum()), n, _z(ci))
        p = float(v.mean())
        return {"estimate": p, "se": float(np.sqrt(p * (1 - p) / n)), "ci_lower": lo, "ci_upper": hi, "n": n,
                "estimable": True}
    v = _unit_values(flags, accounts, "account")
    n = int(len(v))
    if n < min_n:
        _warn(msgs, _msg("not_estimable", n=n, min_n=min_n, **_what(what), **_unit("accounts")))
        return {"estimate": np.nan, "ci_lower": np.nan, "ci_upper": np.nan, "n": n, "estimable": False}
    m, lo, hi, se, _ = _mean_ci(v, ci, 0.0, 1.0)
    if se == 0 and m in (0.0, 1.0):
        # every account all-in or all-out: a t interval collapses to a point; Wilson over accounts does not
        lo, hi = _wilson(m * n, n, _z(ci))
    return {"estimate": m, "se": se, "ci_lower": lo, "ci_upper": hi, "n": n, "estimable": True}


def _mean_stat(values: pd.Series, accounts: pd.Series, aggregate: str, ci: float, min_n: int,
               what, msgs: list, bounds=(-np.inf, np.inf)) -> dict:
    v = _unit_values(values, accounts, aggregate)
    n = int(len(v))
    unit = "accounts" if aggregate == "account" else "responses"
    if n < min_n:
        _warn(msgs, _msg("not_estimable", n=n, min_n=min_n, **_what(what), **_unit(unit)))
        return {"estimate": np.nan, "ci_lower": np.nan, "ci_upper": np.nan, "n": n, "estimable": False}
    m, lo, hi, se, _ = _mean_ci(v, ci, *bounds)
    if se == 0:
        _warn(msgs, _msg("degenerate", n=n, **_what(what), **_unit(unit)))
    return {"estimate": m, "se": se, "ci_lower": lo, "ci_upper": hi, "n": n, "estimable": True}

