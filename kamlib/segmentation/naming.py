"""Business names of the segments from their standardized medians."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .constants import RELATIVE_TRAIT, TRAIT_Z, VALUE_LIFT
from .labels import LEAD_TRAITS, TRAITS, feature_label, text


def name_segments(medians_z: pd.DataFrame, lang: str, value_lift: pd.Series | None = None) -> dict[int, str]:
    """Business name per segment from its standardized medians (package docstring, step 6).

    With ``value_lift`` (revenue share / customer share per segment) the value word comes from it instead
    of the revenue median: a segment holding 41% of customers and 95% of revenue is high-value even when
    its median sits only a fraction of the (very wide, log-scale) revenue IQR above the book's median.

    Parameters
    ----------
    medians_z : DataFrame
        Segments x numeric features: median of the robust-scaled feature.
    lang : {"zh", "en"}
        Language of the names.
    value_lift : Series, optional
        Revenue share / customer share per segment.

    Returns
    -------
    dict of int to str
        Segment number -> name, unique across segments.
    """
    if value_lift is not None:
        medians_z = medians_z.drop(columns=[c for c in ("revenue", "revenue_last_12m") if c in medians_z])
    names: dict[int, str] = {}
    li = 0 if lang == "zh" else 1
    sep = "、" if lang == "zh" else ", "
    all_traits: dict[int, list[str]] = {}
    # a trait names a segment only when it is strong in absolute terms (|z| >= TRAIT_Z) and relative to the
    # most extreme segment in the same direction (>= 60% of it): 60-day-terms strategic accounts paying in
    # 42 days are not "slow payers" next to a segment paying in 70.
    top_hi = medians_z.clip(lower=0).max(axis=0)
    top_lo = (-medians_z).clip(lower=0).max(axis=0)
    for j, row in medians_z.iterrows():
        cand = []
        for c, z in row.items():
            # the value trait leads every name, so it gets a lower bar: in a 2-way split the small half
            # often sits only ~0.35 IQR below the (log) median yet carries a few percent of revenue
            bar = 0.75 * TRAIT_Z if c in LEAD_TRAITS else TRAIT_Z
            if not np.isfinite(z) or abs(z) < bar:
                continue
            if abs(z) < RELATIVE_TRAIT * (top_hi[c] if z > 0 else top_lo[c]):
                continue
            hi, lo = TRAITS.get(c, ((f"{feature_label(c, 'zh')}高", f"high {feature_label(c, 'en').lower()}"),
                                    (f"{feature_label(c, 'zh')}低", f"low {feature_label(c, 'en').lower()}")))
            word = (hi if z > 0 else lo)[li]
            lead = c in LEAD_TRAITS
            cand.append((not lead, -abs(z), word))
        if value_lift is not None and np.isfinite(value_lift.get(j, np.nan)):
            hi, lo = TRAITS["revenue"]
            if value_lift[j] >= VALUE_LIFT[0]:
                cand.append((False, -np.inf, hi[li]))
            elif value_lift[j] <= VALUE_LIFT[1]:
                cand.append((False, -np.inf, lo[li]))
        cand.sort()
        words = list(dict.fromkeys(w for _, _, w in cand))
        all_traits[int(j)] = words
    for j, words in all_traits.items():
        # lead trait (value) first, then the strongest other traits: at most three words
        picked = words[:3]
        name = sep.join(picked) if picked else text("segmentation.typical", lang)
        if lang == "en":
            name = name[:1].upper() + name[1:]
        names[j] = name
    # names must tell segments apart: add a trait, then a number, until unique
    seen: dict[str, list[int]] = {}
    for j, nm in names.items():
        seen.setdefault(nm, []).append(j)
    for nm, js in seen.items():
        if len(js) > 1:
            for j in js:
                extra = all_traits[j][3:4]
                names[j] = nm + (sep + extra[0] if extra else "") + f" ({text('segmentation.segment', lang)} {j})"
    return names
