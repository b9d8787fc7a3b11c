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

import datetime as dt
import functools
import html
import json
import os
import re
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from . import __version__, fmt
from .fmt import Lang
from .summary import summary_sentences as summary_sentences  # re-exported: the combined report's prose

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
TEMPLATE_NAME = "kam"

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
    "report.satisfaction": {"zh": "客户满意度分析", "en": "Customer satisfaction"},
}


def label(key: str, lang: str = "zh") -> str:
    """Chrome text ``report.<key>`` in ``lang`` (falls back to English, then to the key)."""
    entry = LABELS.get(f"report.{key}", {})
    return entry.get(lang) or entry.get("en") or key


def notebook_title(stem: str, lang: str = "zh") -> str:
    """Display title of an analysis notebook (``value_assessment`` -> 客户价值评估)."""
    if f"report.{stem}" in LABELS:
        return label(stem, lang)
    return stem.replace("_", " ").strip().capitalize()


# ------------------------------------------------------------------------------------------- sanitizer

#: tags kept as markup; anything else is shown as text
ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del", "details", "div",
    "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins",
    "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "small", "span", "strong", "style", "sub", "summary",
    "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul"})
VOID_TAGS = frozenset({"br", "col", "hr", "img"})
ALLOWED_ATTRS = frozenset({
    "align", "alt", "border", "class", "colspan", "dir", "headers", "height", "href", "id", "lang", "open",
    "rowspan", "scope", "span", "src", "start", "style", "title", "type", "valign", "width"})
_DATA_IMAGE = re.compile(r"^data:image/(png|jpeg|gif);base64,[A-Za-z0-9+/=\s]*$")
#: CSS that can fetch or run something (external fonts/images, old IE expressions, behaviours)
_UNSAFE_CSS = re.compile(r"url\s*\(|@import|expression\s*\(|javascript:|behavior\s*:|-moz-binding", re.I)


class _Sanitizer(HTMLParser):
    def __init__(self, headings: list | None):
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []
        self.stack: list[str] = []
        self.headings = headings
        self._heading: list | None = None  # [level, id, text parts]
        self._in_style = False
        self._in_escaped_raw = False  # inside <script>/<textarea>... shown as text

    # -- tags
    def _attrs(self, tag: str, attrs) -> str | None:
        kept = []
        for name, value in attrs:
            name = name.lower()
            value = "" if value is None else value
            if name not in ALLOWED_ATTRS:
                continue
            v = value.strip()
            if name == "href" and not v.startswith("#"):
                continue
            if name == "src" and not (tag == "img" and _DATA_IMAGE.match(v)):
                continue
            if name == "style" and _UNSAFE_CSS.search(html.unescape(v)):
                continue
            kept.append(f' {name}="{html.escape(value, quote=True)}"')
        return "".join(kept)

    def handle_starttag(self, tag, attrs):
        tag = tag.lower()
        if tag not in ALLOWED_TAGS:
            self.out.append(html.escape(self.get_starttag_text() or f"<{tag}>"))
            self._in_escaped_raw = tag in ("script", "textarea", "title", "xmp", "noscript", "iframe")
            return
        if tag == "img" and not any(n.lower() == "src" and _DATA_IMAGE.match((v or "").strip()) for n, v in attrs):
            return  # an image that is not embedded would be fetched from somewhere: drop it
        if tag == "style":
            self._in_style = True
        if tag in ("h1", "h2", "h3") and self.headings is not None:
            hid = next((v for n, v in attrs if n.lower() == "id" and v), None)
            used = {h[1] for h in self.headings}
            if hid is None or hid in used:  # combined reports repeat headings such as "Warnings"
                base, k = hid or "kam-h", 2 if hid else len(self.headings) + 1
                while f"{base}-{k}" in used:
                    k += 1
                hid = f"{base}-{k}"
                attrs = [(n, v) for n, v in attrs if n.lower() != "id"] + [("id", hid)]
            self._heading = [int(tag[1]), hid, []]
        self.out.append(f"<{tag}{self._attrs(tag, attrs)}>")
        if tag not in VOID_TAGS:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        tag = tag.lower()
        if tag in ALLOWED_TAGS and tag not in VOID_TAGS and self.stack and self.stack[-1] == tag:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        tag = tag.lower()
        if tag not in ALLOWED_TAGS:
            self.out.append(html.escape(f"</{tag}>"))
            self._in_escaped_raw = False
            return
        if tag in VOID_TAGS or tag not in self.stack:
            return  # stray end tag: drop rather than unbalance the page
        while self.stack:
            top = self.stack.pop()
            self.out.append(f"</{top}>")
            if top == "style":
                self._in_style = False
            if top in ("h1", "h2", "h3") and self._heading is not None:
                level, hid, parts = self._heading
                text = " ".join("".join(parts).replace("¶", "").split())
                self.headings.append((level, hid, text))
                self._heading = None
            if top == tag:
                break

    # -- content
    def handle_data(self, data):
        if self._in_style:
            if not _UNSAFE_CSS.search(data):
                self.out.append(data.replace("</", "<\\/"))
            return
        if self._heading is not None:
            self._heading[2].append(data)
        self.out.append(html.escape(data, quote=False))

    def handle_entityref(self, name):
        ref = f"&{name};"
        if self._heading is not None:
            self._heading[2].append(html.unescape(ref))
        self.out.append(ref if html.unescape(ref) != ref else html.escape(ref))

    def handle_charref(self, name):
        ref = f"&#{name};"
        if self._heading is not None:
            self._heading[2].append(html.unescape(ref))
        self.out.append(ref if re.fullmatch(r"x[0-9a-fA-F]+|[0-9]+", name) else html.escape(ref))

    def handle_comment(self, data):  # comments can hide conditional markup: drop
        pass

    def handle_decl(self, decl):
        pass

    def handle_pi(self, data):
        pass

    def unknown_decl(self, data):
        pass

    def close(self):
        super().close()
        while self.stack:
            self.handle_endtag(self.stack[-1])


def sanitize_html(fragment: str, headings: list | None = None) -> str:
    """Allow-list HTML sanitizer for notebook outputs.

    Keeps structural and table markup (``table``, ``th``, ``td``, headings, lists, ``img`` with a ``data:``
    image, ``style`` without ``url()``/``@import``) with a small set of attributes; every other tag is
    escaped so that it *shows as text* (``<script>alert(1)</script>`` is displayed, never run). Event
    handler attributes (``on…=``), external ``src``/``href`` and comments are dropped.

    Parameters
    ----------
    fragment : str
        HTML produced by a notebook output (DataFrame repr, Styler, rendered Markdown).
    headings : list, optional
        When given, ``(level, id, text)`` of every ``h1``-``h3`` is appended (ids are added when missing),
        for the table of contents.
    """
    p = _Sanitizer(headings)
    p.feed(fragment)
    p.close()
    return "".join(p.out)


def markdown_to_html(source: str, headings: list | None = None) -> str:
    """Markdown (narrative, headings) -> sanitized HTML with heading anchors."""
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    return sanitize_html(markdown2html_mistune(source), headings)


# ---------------------------------------------------------------------------------------- rendering

#: output mime types kept in reports, best first (javascript, widgets, svg, latex are dropped)
KEEP_MIMES = ("image/png", "image/jpeg", "text/html", "text/markdown", "text/plain")


def clean_notebook(nb, headings: list | None = None, keep_stderr: bool = False):
    """Make an executed notebook report-safe in place and return it.

    Markdown cells and outputs are rendered to sanitized HTML here (so the template only places them);
    ``text/html`` outputs are sanitized; images must be base64 ``png``/``jpeg``; JavaScript, widgets, SVG
    (which can carry scripts) and ``stderr`` streams (library warnings, not report content) are dropped.
    Cells tagged ``remove-cell``/``hide`` are dropped; ``remove-output`` keeps the cell without output.
    """
    cells = []
    for i, cell in enumerate(nb.cells):
        # papermill gives its injected-parameters cell a random id: number the cells so that the same
        # notebook gives the same report
        cell["id"] = f"cell-{i}"
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & {"remove-cell", "hide", "remove_cell"}:
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
                    if best in ("image/png", "image/jpeg"):
                        value = re.sub(r"\s+", "", value)
                        if not re.fullmatch(r"[A-Za-z0-9+/=]*", value):
                            continue
                    elif best == "text/html":
                        value = sanitize_html(value, headings)
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
    """Nested table of contents (h1-h3) as a ``<nav>``; empty when there are fewer than two headings."""
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
    """Short commit hash of the repository holding ``folder`` (``+dirty`` when modified), or None."""
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
    """The footer: params, data file fingerprints, kamlib version, git commit, run time (all escaped)."""
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
        row("run_time", info["started"])
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
                  subtitle: str | None = None, provenance: Mapping[str, Any] | None = None) -> Path:
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
        See :func:`provenance_html`.
    """
    import nbformat

    nb = nbformat.read(str(notebook), as_version=4) if not hasattr(notebook, "cells") else notebook
    headings: list = []
    clean_notebook(nb, headings)
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
            "footer": provenance_html(provenance or {}, lang),
        },
        "metadata": {"name": title},
    }
    body, _ = _exporter(lang).from_notebook_node(nb, resources=resources)
    problems = scan_html(body)
    if problems:  # last line of defence: never publish a page that could run or fetch something
        from .errors import BatchError

        raise BatchError(f"{out_path.name}: rendered HTML failed the safety scan ({problems[0]}); "
                         "please report this as a kamlib bug")
    _atomic_write(out_path, body)
    return out_path


def _atomic_write(path: Path, text: str) -> None:
    """Write to a temporary name in the same folder, then rename: readers never see half a file and a
    failure leaves the previous version in place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def kpi_tiles_html(kpis: Mapping[str, Any] | None, lang: Lang = "zh") -> str:
    """KPI tiles (accounts, revenue, core accounts, churn rate, NPS) as escaped HTML."""
    k = kpis or {}
    tiles = [("accounts", fmt.integer(k.get("accounts"), lang)), ("revenue", fmt.money(k.get("revenue"), lang)),
             ("core_accounts", fmt.integer(k.get("core_accounts"), lang)),
             ("churn_rate", fmt.pct(k.get("churn_rate"), lang=lang)), ("nps", fmt.number(k.get("nps"), 1, lang))]
    return '<div class="kam-tiles">' + "".join(
        f'<div class="kam-tile"><div class="kam-tile-value">{html.escape(v)}</div>'
        f'<div class="kam-tile-label">{html.escape(label(key, lang))}</div></div>' for key, v in tiles) + "</div>"


def render_combined(notebooks: Iterable[str | Path], out_path: str | Path, *, lang: Lang = "zh",
                    title: str | None = None, subtitle: str | None = None, kpis: Mapping | None = None,
                    sentences: Iterable[str] = (), provenance: Mapping[str, Any] | None = None) -> Path:
    """One report per region: executive summary (KPI tiles and the sentences to read first) followed by
    every analysis, with one table of contents."""
    import nbformat
    from nbformat.v4 import new_markdown_cell, new_notebook

    sentences = list(sentences)
    tiles = nbformat.v4.new_code_cell("", outputs=[nbformat.v4.new_output(
        "display_data", data={"text/html": kpi_tiles_html(kpis, lang)})])
    bullets = f"**{label('read_first', lang)}**\n\n" + "\n".join(f"- {s}" for s in sentences)
    nb = new_notebook(cells=[new_markdown_cell(f"# {label('summary', lang)}"), tiles, new_markdown_cell(bullets)])
    for path in notebooks:
        part = nbformat.read(str(path), as_version=4)
        nb.cells.extend(part.cells)
    for i, cell in enumerate(nb.cells):  # ids must stay unique across the joined notebooks
        cell["id"] = f"kam-{i}"
    return render_report(nb, out_path, lang=lang, title=title, subtitle=subtitle, provenance=provenance)


# ---------------------------------------------------------------------------------------------- index

_CSS_INDEX = """
body{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",-apple-system,"Segoe UI",Roboto,sans-serif;
margin:2rem auto;max-width:1200px;color:#222;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem} .sub{color:#666;margin-bottom:1.5rem}
table{border-collapse:collapse;width:100%;font-size:.92rem}
th,td{border-bottom:1px solid #ddd;padding:.45rem .6rem;text-align:left;vertical-align:top}
th{background:#f4f6f8;font-weight:600} td.num{text-align:right;font-variant-numeric:tabular-nums}
.ok{color:#1e7d32;font-weight:600} .failed{color:#c0392b;font-weight:600}
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
        ``seconds``, ``finished``.
    """
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
        status = (f'<span class="ok">{L("ok")}</span>' if jobs and not n_failed else
                  f'<span class="failed">{L("failed")} ({n_failed}/{len(jobs)})</span>')
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
            f'<td class="num">{e(fmt.money(k.get("revenue"), lang))}</td>'
            f'<td class="num">{e(fmt.integer(k.get("core_accounts"), lang))}</td>'
            f'<td class="num">{e(fmt.pct(k.get("churn_rate"), lang=lang))}</td>'
            f'<td class="num">{e(fmt.number(k.get("nps"), 1, lang))}</td>'
            f'<td><ul class="jobs">{"".join(items)}</ul></td>'
            f"<td>{status}</td>"
            f'<td>{e(finished.replace("T", " "))}<div class="muted">{seconds:.1f} s</div></td>'
            f'<td>{e(fmt.date(k.get("as_of"), lang)) if k.get("as_of") else "—"}</td>'
            "</tr>")
    generated = generated or dt.datetime.now().isoformat(timespec="seconds")
    page = (f'<!DOCTYPE html>\n<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{L('index_title')}</title><style>{_CSS_INDEX}</style></head><body>"
            f"<h1>{L('index_title')}</h1><div class=\"sub\">{L('generated')} {e(generated)} · "
            f"kamlib {e(__version__)}" + (f" · {L('commit')} {e(commit)}" if commit else "") + "</div>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></body></html>\n")
    _atomic_write(out_path, page)
    return out_path


# ---------------------------------------------------------------------------------------- safety scan

_SCRIPT = re.compile(r"<\s*script\b", re.I)
_ON_ATTR = re.compile(r"<[^>]*\s(on[a-z]+)\s*=", re.I)
#: inside a tag only: escaped text (``&lt;img src='http://…'&gt;``) is harmless and must not count
_EXTERNAL = re.compile(r"""<[^<>]*\s(?:src|href|action|formaction|data|poster|srcset)\s*=\s*["']?\s*(?:https?:)?//""",
                       re.I)
_CSS_URL = re.compile(r"url\(\s*['\"]?\s*(?:https?:)?//|@import", re.I)


def scan_html(text: str) -> list[str]:
    """Problems that make a report unsafe or not offline: script tags, ``on…=`` handlers, external URLs.

    Returns an empty list for a clean report (used by the tests and by ``kam run`` as a last check).
    """
    problems = []
    for m in _SCRIPT.finditer(text):
        problems.append(f"script tag at {m.start()}: {text[m.start():m.start() + 60]!r}")
    for m in _ON_ATTR.finditer(text):
        problems.append(f"event handler attribute {m.group(1)!r} at {m.start()}")
    for m in _EXTERNAL.finditer(text):
        problems.append(f"external URL at {m.start()}: {text[m.start():m.start() + 80]!r}")
    for m in _CSS_URL.finditer(text):
        problems.append(f"external CSS resource at {m.start()}: {text[m.start():m.start() + 80]!r}")
    return problems


def export_pdf(html_path: str | Path, pdf_path: str | Path | None = None, timeout: int = 120) -> Path | None:
    """Print a report to PDF with headless Chromium when it is installed; None (no error) otherwise."""
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
