"""Helpers shared by the survival modules: language check, warnings, label lookup, input alignment."""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Literal, cast

import numpy as np
import pandas as pd

from ..errors import KamlibError, StatisticalWarning
from ..fmt import Lang
from ..i18n import Message, column_label, has, tier_label

ConfType = Literal["log-log", "log", "plain"]
CONF_TYPES = ("log-log", "log", "plain")


def _t(key: str, lang: str) -> str:
    from ..i18n import tr

    return tr(key, lang)


def _warn(msg: Message | str, sink: list) -> None:
    """Issue a StatisticalWarning carrying ``msg`` and keep ``msg`` for the result's ``.warnings``."""
    warnings.warn(StatisticalWarning(msg), stacklevel=3)
    sink.append(msg)


@dataclass(frozen=True)
class GroupName:
    """A group named in a message: a tier code renders as the tier's label in the message's language."""

    code: object

    def render(self, lang: str = "zh") -> str:
        return tier_label(self.code, lang)


@dataclass(frozen=True)
class TermName:
    """A Cox term named in a message: a readable covariate (``late_payer``, ``not_surveyed``) as its short
    survival label, a factor level ``cov[level]`` as the covariate's column label and the level (a tier
    level as the tier's label); a column no registry knows keeps the analyst's own name."""

    code: str

    def render(self, lang: str = "zh") -> str:
        return _short(self.code, lang) if "[" not in self.code or not self.code.endswith("]") else self._level(lang)

    def _level(self, lang: str) -> str:
        cov, lvl = self.code[:-1].split("[", 1)
        return f"{_short(cov, lang)}{'：' if lang == 'zh' else ': '}{_short(lvl, lang, level=True)}"


def _short(name: str, lang: str, level: bool = False) -> str:
    """The short label of a covariate or level: ``survival.term.<name>`` without its explanation in brackets."""
    if has(f"survival.term.{name}"):
        return _t(f"survival.term.{name}", lang).split("（")[0].split(" (")[0]
    if level:
        return tier_label(name, lang)
    return column_label(name, lang, domain="survival", default=name)


def _check_lang(lang: str) -> Lang:
    """``lang`` itself, typed as a report language, or KamlibError when it is not one."""
    if lang not in ("zh", "en"):
        raise KamlibError(f"unknown report language {lang!r}; use 'zh' or 'en' ('language:' in the params file)")
    return cast(Lang, lang)


def _significance(ci: float, alpha: float | None, where: str) -> float:
    """The significance level ``1 - ci`` of the confidence intervals; ``alpha`` is its deprecated spelling.

    A ``ci`` of 0.5 or less is refused: it is almost surely an ``alpha`` passed by position.
    """
    if alpha is not None:
        warnings.warn(f"{where}(alpha=...) is deprecated and will be removed in the next release; pass the "
                      f"confidence level instead (ci={1 - alpha:g})", DeprecationWarning, stacklevel=3)
        if ci != 0.95:
            raise KamlibError(f"{where}: give the confidence level ci or the deprecated alpha, not both")
        if not 0 < alpha < 1:
            raise KamlibError(f"alpha must be in (0, 1), got {alpha!r}")
        return float(alpha)
    if not 0.5 < ci < 1:
        raise KamlibError(f"{where}: ci is the confidence level, strictly between 0.5 and 1 (e.g. 0.95), "
                          f"got {ci!r}")
    # rounded so that ci=0.95 gives alpha 0.05 exactly, not 0.050000000000000044
    return round(1 - ci, 12)


def _prep(durations, events, entry=None, groups=None, strata=None) -> tuple[pd.DataFrame, list[Message]]:
    """Align inputs into one frame (time, event, entry, group, stratum); drop unusable rows, say how many."""
    notes: list[Message] = []
    t = np.asarray(pd.Series(durations).to_numpy(dtype="float64", na_value=np.nan), dtype=float)
    n = len(t)
    e = pd.Series(events)
    if len(e) != n:
        raise KamlibError(f"durations ({n}) and events ({len(e)}) must have the same length")
    ev = e.astype("float64").to_numpy() if not pd.api.types.is_bool_dtype(e) else e.astype(float).to_numpy()
    ent = np.zeros(n) if entry is None else np.asarray(pd.Series(entry).astype("float64").to_numpy(), dtype=float)
    if len(ent) != n:
        raise KamlibError(f"entry ({len(ent)}) must have the same length as durations ({n})")
    df = pd.DataFrame({"time": t, "event": ev, "entry": ent})
    for name, v in (("group", groups), ("stratum", strata)):
        if v is not None:
            s = pd.Series(v)
            if len(s) != n:
                raise KamlibError(f"{name}s ({len(s)}) must have the same length as durations ({n})")
            df[name] = s.to_numpy(dtype=object)
    bad = df["time"].isna() | df["event"].isna() | df["entry"].isna() | (df["time"] < 0)
    for name in ("group", "stratum"):
        if name in df:
            bad |= pd.isna(df[name])
    if bad.any():
        notes.append(Message("survival.w.bad_rows", {"n": int(bad.sum())}))
    df = df[~bad]
    if not np.isin(df["event"], (0, 1)).all():
        raise KamlibError("events must be 0/1 or boolean (1 / True = churned)")
    late = df["entry"] > df["time"]
    same = (df["entry"] == df["time"]) & (df["entry"] > 0)
    if late.any() or (same & (df["event"] == 1)).any():
        k = int(late.sum() + (same & (df["event"] == 1)).sum())
        notes.append(Message("survival.w.late_entry", {"n": k}))
        df = df[~late & ~(same & (df["event"] == 1))]
    df["event"] = df["event"].astype(int)
    return df.reset_index(drop=True), notes

