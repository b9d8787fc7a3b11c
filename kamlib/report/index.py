"""``reports/index.html``: one row per region with headline KPIs, its reports and its latest status."""
from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .. import __version__, fmt
from ..fmt import Lang
from ..webfont import embed_font
from ._write import atomic_write
from .labels import label, notebook_title

# ---------------------------------------------------------------------------------------------- index

_CSS_INDEX = """
body{font-family:"KamCJK","Noto Sans CJK SC","PingFang SC","Microsoft YaHei",-apple-system,"Segoe UI",Roboto,sans-serif;
margin:2rem auto;max-width:1200px;color:#222;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem} .sub{color:#666;margin-bottom:1.5rem}
table{border-collapse:collapse;width:100%;font-size:.92rem}
th,td{border-bottom:1px solid #ddd;padding:.45rem .6rem;text-align:left;vertical-align:top}
th{background:#f4f6f8;font-weight:600} td.num{text-align:right;font-variant-numeric:tabular-nums}
.ok{color:#1e7d32;font-weight:600} .failed{color:#c0392b;font-weight:600} .insufficient{color:#b7791f;font-weight:600}
td.num,th{white-space:nowrap} .wrap{overflow-x:auto}
.reason{color:#c0392b;font-size:.82rem;font-family:monospace;white-space:pre-wrap}
ul.jobs{list-style:none;margin:0;padding:0} ul.jobs li{margin:.15rem 0}
.muted{color:#777;font-size:.82rem}
"""


def render_index(regions: Sequence[Mapping[str, Any]], out_path: str | Path, lang: Lang = "zh",
                 generated: str | None = None, commit: str | None = None) -> Path:
    """Write ``reports/index.html``.

    Parameters
    ----------
    regions : list of mapping
        One per region: ``region``, ``title``, ``kpis`` (from :func:`kamlib.workbook.headline_kpis`,
        may be None), ``jobs``: list of mappings with ``notebook``, ``status`` ("ok"/"failed"),
        ``reason``, ``html`` (path relative to the index), ``notebook_path`` (executed notebook of a
        failed job, relative), ``previous_html`` (an older good report kept after a failure),
        ``seconds``, ``finished``; ``insufficient`` (a reason key of :func:`kamlib.summary.data_quality`:
        the region is "insufficient data", not a success), ``accounts`` and ``currency``.
    """
    from ..summary import insufficient_reason
    e = html.escape
    out_path = Path(out_path)
    L = lambda k: e(label(k, lang))  # noqa: E731
    head = "".join(f"<th>{L(k)}</th>" for k in
                   ("region", "accounts", "revenue", "core_accounts", "churn_rate", "nps", "reports",
                    "status", "run_time", "data_date"))
    rows = []
    for reg in regions:
        k = reg.get("kpis") or {}
        jobs = reg.get("jobs", [])
        items = []
        for j in jobs:
            name = e(notebook_title(j["notebook"], lang))
            if j.get("status") == "ok" and j.get("html"):
                items.append(f'<li><span class="ok">✓</span> <a href="{e(j["html"], quote=True)}">{name}</a></li>')
            else:
                extra = ""
                if j.get("previous_html"):
                    extra += f' · <a href="{e(j["previous_html"], quote=True)}">{L("previous")}</a>'
                if j.get("notebook_path"):
                    extra += f' · <span class="muted">{L("notebook")}: {e(j["notebook_path"])}</span>'
                items.append(f'<li><span class="failed">✗</span> {name}{extra}'
                             f'<div class="reason">{e(str(j.get("reason") or ""))}</div></li>')
        n_failed = sum(j.get("status") != "ok" for j in jobs)
        why_insufficient = insufficient_reason({"insufficient": reg.get("insufficient"),
                                                "accounts": reg.get("accounts") or 0}, lang)
        if n_failed or not jobs:
            status = f'<span class="failed">{L("failed")} ({n_failed}/{len(jobs)})</span>'
        elif why_insufficient:
            status = (f'<span class="insufficient">{L("insufficient")}</span>'
                      f'<div class="muted">{e(why_insufficient)}</div>')
        else:
            status = f'<span class="ok">{L("ok")}</span>'
        if reg.get("error"):
            status += f'<div class="reason">{e(str(reg["error"]))}</div>'
        seconds = sum(float(j.get("seconds") or 0) for j in jobs)
        finished = max((str(j.get("finished") or "") for j in jobs), default="")
        region_cell = f"{e(str(reg.get('title') or reg['region']))}<div class=\"muted\">{e(str(reg['region']))}</div>"
        if reg.get("combined"):
            region_cell += f'<div><a href="{e(reg["combined"], quote=True)}">{L("combined")}</a></div>'
        rows.append(
            "<tr>"
            f"<td>{region_cell}</td>"
            f'<td class="num">{e(fmt.integer(k.get("accounts"), lang))}</td>'
            f'<td class="num">{e(fmt.money_with_unit(k.get("revenue"), lang, reg.get("currency")))}</td>'
            f'<td class="num">{e(fmt.integer(k.get("core_accounts"), lang))}</td>'
            f'<td class="num">{e(fmt.pct(k.get("churn_rate"), lang=lang))}</td>'
            f'<td class="num">{e(fmt.number(k.get("nps"), lang, digits=1))}</td>'
            f'<td><ul class="jobs">{"".join(items)}</ul></td>'
            f"<td>{status}</td>"
            f'<td>{e(finished.replace("T", " "))}<div class="muted">{seconds:.1f} s</div></td>'
            f'<td>{e(fmt.date(k.get("as_of"), lang)) if k.get("as_of") else "—"}</td>'
            "</tr>")
    generated = generated or dt.datetime.now().isoformat(sep=" ", timespec="seconds")
    page = (f'<!DOCTYPE html>\n<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{L('index_title')}</title><style>{_CSS_INDEX}</style></head><body>"
            f"<h1>{L('index_title')}</h1><div class=\"sub\">{L('generated')} {e(generated)} · "
            f"kamlib {e(__version__)}" + (f" · {L('commit')} {e(commit)}" if commit else "") + "</div>"
            f"<div class=\"wrap\"><table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
            "</div></body></html>\n")
    atomic_write(out_path, embed_font(page))
    return out_path
