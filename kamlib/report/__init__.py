"""Leadership HTML reports: executed notebook -> code-free, self-contained, offline, safe HTML.

:func:`render_report` turns a notebook executed by ``kam run`` into one HTML file that

* shows no code (``exclude_input``) and no prompts, only headings, tables, figures and narrative;
* is **offline**: no ``<script>`` at all, no require.js / MathJax / CDN, no external ``src``/``href``;
  figures are embedded as ``data:`` URIs and the stylesheet is inline (an air-gapped or throttled network
  must not hang the page);
* is **safe**: every output fragment goes through :func:`sanitize_html`, a strict allow-list that turns any
  other markup into visible text. A customer named ``<script>alert(1)</script>`` therefore appears as
  that text, also in a pandas ``Styler`` table (Styler does not escape values) or in Markdown narrative
  (Markdown passes raw HTML through);
* has a table of contents, readable tables, report-language chrome (``zh``/``en``) and a provenance footer
  (params, data file fingerprints, kamlib version, git commit, run time).

:func:`render_index` writes ``reports/index.html``: one row per region with headline KPIs, links to the
reports and the status of every job. Formatting of numbers goes through :mod:`kamlib.fmt` (万/亿 in zh).
"""
from __future__ import annotations

import functools
import html
import json
import os
import re
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .. import __version__, fmt, webfont
from ..fmt import Lang
from ..summary import summary_sentences as summary_sentences  # re-exported: the combined report's prose
from ._write import atomic_write as _atomic_write
from .index import render_index
from .labels import LABELS, label, notebook_title
from .quality import data_quality_html
from .sanitize import ALLOWED_ATTRS, ALLOWED_TAGS, VOID_TAGS, markdown_to_html, sanitize_html, scan_html
from .tables import OUTLINE_TAG, drop_positional_index, is_python_repr, mark_numbers

__all__ = ["ALLOWED_ATTRS", "ALLOWED_TAGS", "KEEP_MIMES", "LABELS", "OUTLINE_TAG", "TEMPLATE_DIR",
           "TEMPLATE_NAME", "VOID_TAGS", "clean_notebook", "drop_positional_index", "export_pdf", "git_commit",
           "is_python_repr", "kpi_tiles_html", "label", "mark_numbers", "markdown_to_html", "notebook_title",
           "provenance_html", "render_combined", "render_index", "render_report", "sanitize_html", "scan_html",
           "summary_sentences", "toc_html"]

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"
TEMPLATE_NAME = "kam"

# ---------------------------------------------------------------------------------------- rendering

#: output mime types kept in reports, best first (javascript, widgets, svg, latex are dropped)
KEEP_MIMES = ("image/png", "image/jpeg", "text/html", "text/markdown", "text/plain")


def clean_notebook(nb, headings: list | None = None, keep_stderr: bool = False):
    """Make an executed notebook report-safe in place and return it.

    Markdown cells and outputs are rendered to sanitized HTML here (so the template only places them);
    ``text/html`` outputs are sanitized; images must be base64 ``png``/``jpeg``; JavaScript, widgets, SVG
    (which can carry scripts) and ``stderr`` streams (library warnings, not report content) are dropped.
    Cells tagged ``remove-cell``/``hide`` are dropped, and so are ``kam-outline`` cells (static headings that
    show an analyst the notebook's outline in JupyterLab before it runs; the report has its own contents);
    ``remove-output`` keeps the cell without output. A plain-text output that is only a Python repr
    (``<Axes: xlabel=…>``, ``<Figure size 800x450 with 1 Axes>``) is dropped: it is a notebook's last
    expression echoed, never report content.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The executed notebook; modified in place.
    headings : list, optional
        When given, ``(level, id, text)`` of every ``h1``-``h3`` of the Markdown and HTML is appended, for the
        table of contents.
    keep_stderr : bool
        Keep ``stderr`` stream outputs too.

    Returns
    -------
    nbformat.NotebookNode
        ``nb`` itself.
    """
    cells = []
    for cell in nb.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & {"remove-cell", "hide", "remove_cell", OUTLINE_TAG}:
            continue
        if cell.cell_type == "markdown":
            cell.source = markdown_to_html(cell.source, headings)
            cell.attachments = {}
        elif cell.cell_type == "code":
            outputs = []
            for out in ([] if tags & {"remove-output", "remove_output"} else cell.get("outputs", [])):
                kind = out.get("output_type")
                if kind == "stream":
                    if out.get("name") == "stdout" or keep_stderr:
                        outputs.append(out)
                elif kind == "error":
                    outputs.append(out)  # template escapes tracebacks (a failed job is not rendered anyway)
                elif kind in ("display_data", "execute_result"):
                    data = out.get("data", {})
                    best = next((m for m in KEEP_MIMES if m in data), None)
                    if best is None:
                        continue
                    value = data[best]
                    value = "".join(value) if isinstance(value, list) else value
                    if best == "text/plain" and is_python_repr(value):
                        continue
                    if best in ("image/png", "image/jpeg"):
                        value = re.sub(r"\s+", "", value)
                        if not re.fullmatch(r"[A-Za-z0-9+/=]*", value):
                            continue
                    elif best == "text/html":
                        value = mark_numbers(drop_positional_index(sanitize_html(value, headings)))
                    elif best == "text/markdown":
                        best, value = "text/html", markdown_to_html(value, headings)
                    out["data"] = {best: value}
                    # image size from metadata is trusted only when numeric
                    md = out.get("metadata", {})
                    out["metadata"] = {k: v for k, v in md.items() if k in ("image/png", "image/jpeg")
                                       and isinstance(v, dict)
                                       and all(isinstance(x, (int, float)) for x in v.values()
                                               if not isinstance(x, bool))}
                    outputs.append(out)
            cell.outputs = outputs
            if not outputs:
                continue
        else:  # raw cells: not part of a report
            continue
        cells.append(cell)
    nb.cells = cells
    nb.metadata.pop("widgets", None)
    return nb


def toc_html(headings: Iterable[tuple[int, str, str]], lang: str = "zh") -> str:
    """Nested table of contents (h1-h3) as a ``<nav>``; empty when there are fewer than two headings.

    Parameters
    ----------
    headings : iterable of (int, str, str)
        ``(level, id, text)`` per heading, as collected by :func:`clean_notebook`; those without an id are left
        out, and levels are indented relative to the highest one.
    lang : {"zh", "en"}

    Returns
    -------
    str
    """
    heads = [h for h in headings if h[2]]
    if len(heads) < 2:
        return ""
    top = min(level for level, _, _ in heads)
    items = []
    for level, hid, text in heads:
        indent = level - top
        items.append(f'<li class="toc-l{indent}"><a href="#{html.escape(hid, quote=True)}">'
                     f"{html.escape(text)}</a></li>")
    return (f'<nav class="kam-toc"><div class="kam-toc-title">{html.escape(label("contents", lang))}</div>'
            f'<ul>{"".join(items)}</ul></nav>')


def git_commit(folder: str | Path | None = None) -> str | None:
    """Short commit hash of the repository holding ``folder`` (``+dirty`` when modified), or None.

    Parameters
    ----------
    folder : str or Path, optional
        A folder inside the repository; default the current directory.

    Returns
    -------
    str or None
        None when ``git`` is missing, fails or takes over 10 s, or ``folder`` is not in a repository.
    """
    try:
        cwd = str(folder or Path.cwd())
        r = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=cwd, capture_output=True, text=True,
                           timeout=10)
        if r.returncode != 0:
            return None
        commit = r.stdout.strip()
        d = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=cwd, capture_output=True,
                           text=True, timeout=10)
        return commit + ("+dirty" if d.returncode == 0 and d.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return None


def provenance_html(info: Mapping[str, Any], lang: Lang = "zh") -> str:
    """The footer: params, data file fingerprints, kamlib version, git commit, run time (all escaped).

    Parameters
    ----------
    info : mapping
        Optional keys: ``params_file``, ``as_of``, ``kamlib_version`` (default this kamlib), ``git_commit``,
        ``started``, ``seconds``, ``masked``, ``sources`` (table -> ``{"path", "fingerprint", "rows"}``) and
        ``params`` (shown as a block).
    lang : {"zh", "en"}

    Returns
    -------
    str
    """
    e = html.escape
    rows = []

    def row(key, value):
        rows.append(f"<tr><th>{e(label(key, lang))}</th><td>{e(str(value))}</td></tr>")

    if info.get("params_file"):
        row("params_file", info["params_file"])
    if info.get("as_of"):
        row("data_date", fmt.date(info["as_of"], lang))
    row("version", info.get("kamlib_version", __version__))
    row("commit", info.get("git_commit") or "—")
    if info.get("started"):
        row("run_time", str(info["started"]).replace("T", " "))
    if info.get("seconds") is not None:
        row("duration", f"{float(info['seconds']):.1f} s")
    if info.get("masked"):
        row("masked", "✓")
    sources = info.get("sources") or {}
    src_rows = "".join(
        f"<tr><td>{e(str(t))}</td><td>{e(str(s.get('path', '')))}</td>"
        f"<td><code>{e(str(s.get('fingerprint', '')))}</code></td><td>{e(fmt.integer(s.get('rows'), lang))}</td></tr>"
        for t, s in sources.items() if isinstance(s, Mapping))
    src_table = ""
    if src_rows:
        src_table = (f"<h4>{e(label('data_files', lang))}</h4><table class=\"kam-prov-files\"><thead><tr>"
                     f"<th>{e(label('table', lang))}</th><th>{e(label('path', lang))}</th>"
                     f"<th>{e(label('fingerprint', lang))}</th><th>{e(label('rows', lang))}</th></tr></thead>"
                     f"<tbody>{src_rows}</tbody></table>")
    params = info.get("params")
    params_block = ""
    if params:
        text = params if isinstance(params, str) else json.dumps(params, ensure_ascii=False, indent=2, default=str)
        params_block = f"<details><summary>{e(label('params', lang))}</summary><pre>{e(text)}</pre></details>"
    return (f'<footer class="kam-provenance"><h3>{e(label("provenance", lang))}</h3>'
            f'<table class="kam-prov">{"".join(rows)}</table>{src_table}{params_block}</footer>')


_H1 = re.compile(r"<h1\b[^>]*>.*?</h1>", re.S)


def _lift_h1(nb) -> bool:
    """Remove the first ``<h1>`` from the (already sanitized) notebook; True when one was found."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            if _H1.search(cell.source):
                cell.source = _H1.sub("", cell.source, count=1)
                return True
            continue
        for out in cell.get("outputs", []):
            value = out.get("data", {}).get("text/html")
            if value and _H1.search(value):
                out["data"]["text/html"] = _H1.sub("", value, count=1)
                return True
    return False


@functools.cache
def _exporter(lang: str):
    """One exporter per process: a new one compiles its Jinja templates again (~0.15 s per report)."""
    from nbconvert import HTMLExporter

    exp = HTMLExporter(template_name=TEMPLATE_NAME, extra_template_basedirs=[str(TEMPLATE_DIR)])
    exp.exclude_input = True
    exp.exclude_input_prompt = True
    exp.exclude_output_prompt = True
    exp.embed_images = True
    exp.sanitize_html = False  # done by clean_notebook with a stricter allow-list
    return exp


def render_report(notebook, out_path: str | Path, *, lang: Lang = "zh", title: str | None = None,
                  subtitle: str | None = None, provenance: Mapping[str, Any] | None = None,
                  data_quality: Mapping[str, Any] | None = None, currency: str | None = None,
                  section_level: int = 2) -> Path:
    """Render an executed notebook to an offline, code-free, sanitized HTML report.

    The file is written to a temporary name next to ``out_path`` and renamed on success, so an earlier
    good report is never replaced by a half-written one.

    Parameters
    ----------
    notebook : path or nbformat.NotebookNode
        The executed notebook.
    out_path : path
        Target ``.html`` file.
    lang : {"zh", "en"}
        Language of the report chrome (contents, footer).
    title, subtitle : str, optional
        Page heading; defaults to the notebook name.
    provenance : mapping, optional
        See :func:`provenance_html`. Its ``data_quality`` and ``currency`` entries are the defaults of the
        two parameters below (``kam run`` passes them that way).
    data_quality : mapping, optional
        The region's data-quality facts (:func:`kamlib.summary.data_quality`): rendered as the report's
        last section (:func:`kamlib.report.quality.data_quality_html`). The section is always there; without
        facts it says they are not available.
    currency : str, optional
        ISO code of the money amounts (``report.currency`` in params), for the money headers.
    section_level : int
        Heading level of the data-quality section (1 in the combined report, beside the analyses).

    A page that shows any CJK character embeds a subset of a CJK font with exactly those glyphs
    (:func:`kamlib.webfont.cjk_font_face`), so it reads the same on a machine without CJK fonts.
    """
    import nbformat
    from nbformat.v4 import new_code_cell, new_output

    prov = dict(provenance or {})
    if data_quality is None:
        data_quality = prov.get("data_quality")
    currency = currency or prov.get("currency")
    nb = nbformat.read(str(notebook), as_version=4) if not hasattr(notebook, "cells") else notebook
    headings: list = []
    clean_notebook(nb, headings)
    # the section is built from escaped texts; it goes through the sanitizer only for its heading anchor
    nb.cells.append(new_code_cell("", outputs=[new_output("display_data", data={
        "text/html": sanitize_html(data_quality_html(data_quality, lang, currency, section_level), headings)})]))
    # cell ids appear in the page: a notebook cell without one gets a random id on every read, so two runs
    # of the same notebook would give different pages
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"kam-{i}"
    out_path = Path(out_path)
    title = title or out_path.stem
    # A notebook that opens with its own h1 (the usual "客户价值评估 · 华东大区") provides the page title:
    # lift it into the header (above the contents) instead of showing two titles.
    own_title = sum(1 for level, _, _ in headings if level == 1) == 1
    page_title = title
    if own_title and _lift_h1(nb):
        page_title = next(text for level, _, text in headings if level == 1) or title
    resources = {
        "kam": {
            "lang": "zh-CN" if lang == "zh" else "en",
            "title": html.escape(page_title),
            "show_title": True,
            "subtitle": html.escape(subtitle or ""),
            "toc": toc_html([h for h in headings if not (own_title and h[0] == 1)], lang),
            "footer": provenance_html(prov, lang),
        },
        "metadata": {"name": title},
    }
    body, _ = _exporter(lang).from_notebook_node(nb, resources=resources)
    body = webfont.embed_font(body)
    problems = scan_html(body)
    if problems:  # last line of defence: never publish a page that could run or fetch something
        from ..errors import BatchError

        raise BatchError(f"{out_path.name}: rendered HTML failed the safety scan ({problems[0]}); "
                         "please report this as a kamlib bug")
    _atomic_write(out_path, body)
    return out_path


def kpi_tiles_html(kpis: Mapping[str, Any] | None, lang: Lang = "zh", currency: str | None = None,
                   nps_level: str = "account") -> str:
    """KPI tiles (accounts, revenue, core accounts, churn rate, NPS) as escaped HTML, each with its unit and
    definition: the same numbers as the index (:func:`kamlib.workbook.headline_kpis`, one source).

    Parameters
    ----------
    kpis : mapping, optional
        ``accounts``, ``revenue``, ``core_accounts``, ``churn_rate``, ``nps``; a missing one shows as n/a.
    lang : {"zh", "en"}
    currency : str, optional
        ISO code of the money amounts, for the revenue header.
    nps_level : {"account", "respondent"}
        How the NPS was aggregated (its definition line).

    Returns
    -------
    str
    """
    k = kpis or {}
    e = html.escape
    nps_def = "def_nps_account" if nps_level == "account" else "def_nps_respondent"
    tiles = [("accounts", label("accounts", lang), fmt.integer(k.get("accounts"), lang), "def_accounts"),
             ("revenue", fmt.money_header(label("revenue", lang), lang, currency), fmt.money(k.get("revenue"), lang),
              "def_revenue"),
             ("core_accounts", label("core_accounts", lang), fmt.integer(k.get("core_accounts"), lang), "def_core"),
             ("churn_rate", label("churn_rate", lang), fmt.pct(k.get("churn_rate"), lang=lang), "def_churn"),
             ("nps", label("nps", lang), fmt.number(k.get("nps"), lang, digits=1), nps_def)]
    return '<div class="kam-tiles">' + "".join(
        f'<div class="kam-tile"><div class="kam-tile-value">{e(v)}</div>'
        f'<div class="kam-tile-label">{e(name)}</div><div class="kam-tile-def">{e(label(d, lang))}</div></div>'
        for _, name, v, d in tiles) + "</div>"


def render_combined(notebooks: Iterable[str | Path], out_path: str | Path, *, lang: Lang = "zh",
                    title: str | None = None, subtitle: str | None = None, kpis: Mapping | None = None,
                    sentences: Iterable[str] = (), provenance: Mapping[str, Any] | None = None,
                    currency: str | None = None, nps_level: str = "account",
                    data_quality: Mapping[str, Any] | None = None) -> Path:
    """One report per region: executive summary (KPI tiles and the sentences to read first) followed by
    every analysis, with one table of contents.

    Parameters
    ----------
    notebooks : iterable of str or Path
        The region's executed notebooks, in report order.
    out_path : str or Path
        Target ``.html`` file.
    lang : {"zh", "en"}
    title, subtitle : str, optional
        Page heading.
    kpis : mapping, optional
        Headline KPIs for the tiles (see :func:`kpi_tiles_html`).
    sentences : iterable of str
        Markdown sentences to read first (:func:`kamlib.summary.summary_sentences`).
    provenance : mapping, optional
        See :func:`provenance_html`.
    currency : str, optional
        ISO code of the money amounts.
    nps_level : {"account", "respondent"}
        How the NPS in the tiles was aggregated.
    data_quality : mapping, optional
        The region's data-quality facts (:func:`kamlib.summary.data_quality`), the last section.

    Returns
    -------
    Path
        The written report.
    """
    import nbformat
    from nbformat.v4 import new_markdown_cell, new_notebook

    sentences = list(sentences)
    tiles = nbformat.v4.new_code_cell("", outputs=[nbformat.v4.new_output(
        "display_data", data={"text/html": kpi_tiles_html(kpis, lang, currency, nps_level)})])
    bullets = f"**{label('read_first', lang)}**\n\n" + "\n".join(f"- {s}" for s in sentences)
    nb = new_notebook(cells=[new_markdown_cell(f"# {label('summary', lang)}"), tiles, new_markdown_cell(bullets)])
    for path in notebooks:
        part = nbformat.read(str(path), as_version=4)
        nb.cells.extend(part.cells)
    for i, cell in enumerate(nb.cells):  # ids must stay unique across the joined notebooks
        cell["id"] = f"kam-{i}"
    return render_report(nb, out_path, lang=lang, title=title, subtitle=subtitle, provenance=provenance,
                         data_quality=data_quality, currency=currency, section_level=1)


def export_pdf(html_path: str | Path, pdf_path: str | Path | None = None, timeout: int = 120) -> Path | None:
    """Print a report to PDF with headless Chromium when it is installed; None (no error) otherwise.

    Parameters
    ----------
    html_path : str or Path
        The report.
    pdf_path : str or Path, optional
        Target file; default ``html_path`` with suffix ``.pdf``.
    timeout : int
        Seconds Chromium may take.

    Returns
    -------
    Path or None
        The PDF, or None when no Chromium is found or printing failed or timed out.
    """
    import shutil

    exe = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome", "chrome")
                if shutil.which(n)), None)
    if exe is None:
        return None
    html_path = Path(html_path).resolve()
    pdf_path = Path(pdf_path) if pdf_path else html_path.with_suffix(".pdf")
    tmp = pdf_path.with_name(f".{pdf_path.name}.tmp.pdf")
    cmd = [exe, "--headless", "--disable-gpu", "--no-sandbox", "--no-pdf-header-footer",
           f"--print-to-pdf={tmp}", html_path.as_uri()]
    try:
        subprocess.run(cmd, capture_output=True, timeout=timeout, check=True)
    except (OSError, subprocess.SubprocessError):
        tmp.unlink(missing_ok=True)
        return None
    if not tmp.exists():
        return None
    os.replace(tmp, pdf_path)
    return pdf_path
