"""Figures for kamlib.survival results: Kaplan-Meier curves with a number-at-risk table, a hazard-ratio
forest plot and the churn-threshold sensitivity curve. They draw what the result objects hold and compute
nothing new."""
from __future__ import annotations

import numpy as np

from ..i18n import tier_label, tr
from ._theme import TIER_COLORS, get_ax

__all__ = ["plot_km", "plot_forest", "plot_sensitivity"]


def _color(group, i: int):
    import seaborn as sns

    if group in TIER_COLORS:
        return TIER_COLORS[group]
    return sns.color_palette()[i % 10]


def plot_km(result, ax=None, lang: str = "zh", ci: bool = True, risk_table: bool = True,
            unit: str | None = None, labels: dict | None = None, title: str | None = None, **kws):
    """Kaplan-Meier step curves (one per group) with confidence bands and the number at risk underneath.

    Parameters
    ----------
    result : kamlib.survival.KaplanMeierResult
    ax : matplotlib Axes, optional
    lang : {"zh", "en"}
        Language of the axis labels; tier codes are shown as 核心/重点/一般 in zh.
    ci : bool
        Draw the pointwise confidence band.
    risk_table : bool
        Write the number at risk (``result.risk_table``) under the x axis.
    unit : {"days", "years"}, optional
        Time axis unit (default: years when follow-up exceeds two years).
    labels : dict, optional
        Group -> legend label.
    """
    ax = get_ax(ax, figsize=kws.pop("figsize", (8, 5)))
    tmax = float(result.median["max_time"].max()) if len(result.median) else 1.0
    unit = unit or ("years" if tmax > 730 else "days")
    scale = 365.25 if unit == "years" else 1.0
    for i, g in enumerate(result.groups):
        tab = result.table[result.table["group"] == g]
        end = float(result.median.loc[g, "max_time"])
        x = np.r_[0.0, tab["time"].to_numpy(), end] / scale
        y = np.r_[1.0, tab["survival"].to_numpy(), tab["survival"].iloc[-1] if len(tab) else 1.0]
        col = _color(g, i)
        name = (labels or {}).get(g) or (tr("survival.all", lang) if g == "all" else tier_label(g, lang))
        ax.step(x, y, where="post", color=col, lw=2, label=f"{name} (n={int(result.median.loc[g, 'n'])})")
        if ci and len(tab):
            lo = np.r_[1.0, tab["ci_lower"].to_numpy(), tab["ci_lower"].iloc[-1]]
            hi = np.r_[1.0, tab["ci_upper"].to_numpy(), tab["ci_upper"].iloc[-1]]
            ax.fill_between(x, lo, hi, step="post", color=col, alpha=0.15, lw=0)
        cens = tab[tab["censored"] > 0]
        if len(cens) and len(cens) < 200:
            ax.plot(cens["time"] / scale, cens["survival"], "|", color=col, ms=6, alpha=0.6)
    ax.set_ylim(0, 1.02)
    # a little room on the right: a drop at the last time (e.g. every one-time buyer lost at the threshold)
    # would otherwise sit on the frame
    ax.set_xlim(0, 1.04 * tmax / scale)
    ax.set_ylabel(tr("survival.survival", lang))
    ax.set_xlabel(tr("survival.time_years" if unit == "years" else "survival.time_days", lang))
    ax.yaxis.set_major_formatter(lambda v, _: f"{100 * v:.0f}%")
    ax.axhline(0.5, color="grey", lw=0.8, ls=":")
    if len(result.groups) > 1 or result.groups != ("all",):
        ax.legend(loc="lower left", frameon=True, fontsize="small")
    if title:
        ax.set_title(title)
    if risk_table and result.risk_table is not None and len(result.risk_table.columns):
        times = [t for t in result.risk_table.columns if t <= tmax]
        ax.set_xticks([t / scale for t in times])
        ax.set_xticklabels([f"{t / scale:g}" for t in times])
        n = len(result.groups)
        ax.annotate(tr("survival.number_at_risk", lang), xy=(0, 0), xycoords="axes fraction",
                    xytext=(0, -42), textcoords="offset points", ha="left", va="top", fontsize="small")
        for i, g in enumerate(result.groups):
            col = _color(g, i)
            for t in times:
                ax.annotate(f"{int(result.risk_table.loc[g, t]):,}", xy=(t / scale, 0),
                            xycoords=("data", "axes fraction"), xytext=(0, -56 - 13 * i),
                            textcoords="offset points", ha="center", va="top", fontsize="small", color=col)
        ax.figure.subplots_adjust(bottom=min(0.45, 0.18 + 0.045 * n))
    return ax


def plot_forest(result, ax=None, lang: str = "zh", labels: dict | None = None, title: str | None = None, **kws):
    """Hazard ratios with confidence intervals (log scale), one row per Cox term; 1 = no effect.

    Parameters
    ----------
    result : kamlib.survival.CoxResult
    labels : dict, optional
        Term -> display label.
    """
    s = result.summary.dropna(subset=["hr"])
    # separated terms have undetermined (infinite) limits: leave them out of the picture
    s = s[~s.index.isin(getattr(result, "separated", ())) & np.isfinite(s[["hr_lower", "hr_upper"]]).all(axis=1)]
    ax = get_ax(ax, figsize=kws.pop("figsize", (7, 0.6 * max(len(s), 2) + 1.2)))
    y = np.arange(len(s))[::-1]
    sig = (s["p"] < result.alpha).to_numpy()
    cols = np.where(s["hr"] >= 1, "#C0392B", "#2E86C1")
    for yi, (_, r), c, sg in zip(y, s.iterrows(), cols, sig, strict=True):
        ax.plot([r["hr_lower"], r["hr_upper"]], [yi, yi], color=c, lw=2, alpha=1 if sg else 0.4)
        ax.plot(r["hr"], yi, "s", color=c, ms=8, alpha=1 if sg else 0.4)
        ax.annotate(f"{r['hr']:.2f} ({r['hr_lower']:.2f}–{r['hr_upper']:.2f})", xy=(1, yi),
                    xycoords=("axes fraction", "data"), xytext=(6, 0), textcoords="offset points",
                    va="center", fontsize="small")
    ax.axvline(1.0, color="grey", lw=1, ls="--")
    ax.set_xscale("log")
    # plain numbers (0.5, 1, 2, 5) read better than powers of ten for hazard ratios
    lo, hi = ax.get_xlim()
    ticks = [t for t in (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100) if lo <= t <= hi]
    if ticks:
        ax.set_xticks(ticks)
        ax.set_xticklabels([f"{t:g}" for t in ticks])
        ax.minorticks_off()
    ax.set_yticks(y)
    ax.set_yticklabels([(labels or {}).get(t, t) for t in s.index])
    ax.set_xlabel(tr("survival.hazard_ratio", lang))
    ax.set_ylim(-0.7, len(s) - 0.3)
    if title:
        ax.set_title(title)
    return ax


def plot_sensitivity(result, ax=None, lang: str = "zh", title: str | None = None, **kws):
    """Churn rate against the inactivity threshold; the threshold used in the report is marked.

    Parameters
    ----------
    result : kamlib.survival.SensitivityResult
        Its ``table`` (``inactivity_days``, ``churn_rate``) and ``chosen`` threshold (None = not marked).
    ax : matplotlib Axes, optional
    lang : {"zh", "en"}
    title : str, optional
        Figure title; none when omitted.
    **kws
        Only ``figsize`` is used (size of a new figure, default (7, 4)).

    Returns
    -------
    Axes
    """
    ax = get_ax(ax, figsize=kws.pop("figsize", (7, 4)))
    t = result.table
    ax.plot(t["inactivity_days"], t["churn_rate"], "o-", color="#C0392B", lw=2)
    for _, r in t.iterrows():
        ax.annotate(f"{100 * r['churn_rate']:.1f}%", (r["inactivity_days"], r["churn_rate"]),
                    xytext=(0, 7), textcoords="offset points", ha="center", fontsize="small")
    if result.chosen is not None:
        ax.axvline(result.chosen, color="grey", ls="--", lw=1)
    ax.set_xlabel(tr("survival.inactivity_days", lang))
    ax.set_ylabel(tr("survival.churn_rate", lang))
    ax.yaxis.set_major_formatter(lambda v, _: f"{100 * v:.0f}%")
    ax.set_ylim(0, max(0.05, float(np.nanmax(t["churn_rate"])) * 1.2) if len(t) else 1)
    if title:
        ax.set_title(title)
    return ax
