"""The data-quality section every analysis report and combined report ends with (before the provenance).

Built by the renderer from the region's data-quality facts (:func:`kamlib.summary.data_quality`, stored by
``kam run`` beside the cached workbook), so notebooks do not each compute and display it.
"""
from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

from ..fmt import lang_of
from ..i18n import tr
from ..summary import data_quality_frames, insufficient_reason
from .tables import mark_numbers

#: id of the section's heading (the table of contents links it)
SECTION_ID = "kam-data-quality"


def frame_html(df: Any, css_class: str = "kam-table") -> str:
    """A labelled display frame as an escaped HTML table without a positional index."""
    e = html.escape
    head = "".join(f'<th scope="col">{e(str(c))}</th>' for c in df.columns)
    body = "".join("<tr>" + "".join(f"<td>{e(str(v))}</td>" for v in row) + "</tr>"
                   for row in df.itertuples(index=False, name=None))
    body = mark_numbers(body)   # the same alignment as the notebooks' tables
    return (f'<div class="kam-scroll"><table class="{css_class}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>")


def data_quality_html(dq: Mapping[str, Any] | None, lang: str = "zh", currency: str | None = None,
                      level: int = 2) -> str:
    """The section as escaped HTML: a heading (``h<level>``), rows read and excluded by rule, flagged rows,
    and the tables or analyses not available with their reason. Without facts it says they are not
    available."""
    L = lang_of(lang)
    e = html.escape
    h, sub = f"h{level}", f"h{level + 1}"
    parts = [f'<div class="kam-dq"><{h} id="{SECTION_ID}">{e(tr("i18n.data_quality", L))}</{h}>']
    if not dq:
        parts.append(f"<p>{e(tr('i18n.unavailable', L))}</p></div>")
        return "".join(parts)
    parts.append(f"<p>{e(tr('i18n.dq_intro', L))}</p>")
    why = insufficient_reason(dict(dq), L)
    if why:
        parts.append(f'<p class="kam-dq-insufficient"><strong>{e(why)}</strong></p>')
    frames = data_quality_frames(dict(dq), L, currency)
    for key, title in (("rows", "i18n.dq_rows"), ("flags", "i18n.dq_flags"), ("unavailable", "i18n.dq_unavailable")):
        if key in frames:
            parts.append(f"<{sub}>{e(tr(title, L))}</{sub}>{frame_html(frames[key])}")
    parts.append("</div>")
    return "".join(parts)
