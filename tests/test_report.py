"""Report rendering: sanitizer, offline template, table of contents, language, provenance, index page.

All fast: synthetic executed notebooks built with nbformat, no kernel.
"""
from __future__ import annotations

import base64
import re

import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from kamlib import fmt, report

HOSTILE = "<script>alert(1)</script>"
PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 16).decode()


def _nb(lang_heading="客户价值"):
    frame = pd.DataFrame({"name": [HOSTILE, '<img src=x onerror="alert(2)">', "华东精密"],
                          "revenue": [fmt.money(v, "zh") for v in (123456789, 54321, 98765)]})
    return new_notebook(cells=[
        new_markdown_cell("# 报告\n\nstatic text <iframe src='https://evil.example'></iframe>"),
        new_code_cell("hidden code: secret_token = 1", outputs=[
            new_output("display_data", data={"text/markdown": f"## {lang_heading}\n\nTop account {HOSTILE}",
                                             "text/plain": "<Markdown>"}),
            new_output("display_data", data={"text/html": frame.style.to_html(), "text/plain": "styler"}),
            new_output("execute_result", data={"text/html": frame.to_html(), "text/plain": "df"},
                       execution_count=1),
            new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"}),
            new_output("display_data", data={"application/javascript": "alert(3)", "text/plain": "js"}),
            new_output("display_data", data={"image/svg+xml": "<svg onload='alert(4)'></svg>"}),
            new_output("stream", name="stderr", text="FutureWarning: noise\n"),
            new_output("stream", name="stdout", text="printed <b>text</b>\n"),
            new_output("display_data", data={"text/markdown": "## 第二节\n[out](https://cdn.example.com/x.js) "
                                                              "<a href='http://x' onclick='y()'>a</a>"}),
        ])])


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    out = tmp_path_factory.mktemp("rep") / "east" / "value.html"
    prov = {"params_file": "/p/east.yaml", "as_of": "2025-12-31", "git_commit": "abc123",
            "sources": {"orders": {"path": "/d/orders.csv", "fingerprint": "f00d", "rows": 1234}},
            "params": {"region": "east", "title": HOSTILE}, "started": "2026-01-01T00:00:00", "seconds": 3.2}
    report.render_report(_nb(), out, lang="zh", title="华东大区 · 客户价值评估", provenance=prov)
    return out.read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------- sanitizer

def test_sanitizer_shows_script_as_text():
    out = report.sanitize_html(f"<td>{HOSTILE}</td>")
    assert out == "<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>"


def test_sanitizer_drops_handlers_external_urls_and_comments():
    out = report.sanitize_html('<p onclick="x()" class="a" style="background:url(http://e/x.png)">'
                               '<a href="https://evil" onmouseover=1>l</a><a href="#sec">in</a>'
                               '<img src="http://e/p.png"><img src="data:image/png;base64,AAAA"><!-- c --></p>')
    assert "onclick" not in out and "onmouseover" not in out and "http" not in out and "<!--" not in out
    assert 'href="#sec"' in out and 'src="data:image/png;base64,AAAA"' in out and 'class="a"' in out
    assert report.scan_html(out) == []


def test_sanitizer_filters_css_and_balances_tags():
    out = report.sanitize_html("<style>@import url(https://x/y.css); td{color:red}</style><div><b>x</div>")
    assert "@import" not in out and out.endswith("</b></div>")
    assert report.sanitize_html("<style>td{color:red}</style>") == "<style>td{color:red}</style>"


def test_sanitizer_collects_headings_for_toc():
    heads = []
    report.sanitize_html('<h2 id="a">Alpha<a href="#a">¶</a></h2><h3>Beta &amp; co</h3><h4>not in toc</h4>', heads)
    assert heads == [(2, "a", "Alpha"), (3, "kam-h-2", "Beta & co")]
    # a repeated heading (each analysis has "Warnings") gets its own anchor
    out = report.sanitize_html('<h2 id="w">Warnings</h2><h2 id="w">Warnings</h2>', heads)
    assert heads[-2:] == [(2, "w", "Warnings"), (2, "w-2", "Warnings")] and 'id="w-2"' in out


def test_markdown_narrative_cannot_inject_html():
    out = report.markdown_to_html(f"**{HOSTILE}** and <img src=x onerror=alert(1)>")
    assert "<script" not in out and "onerror" not in out and "&lt;script&gt;" in out and "<strong>" in out


def test_scan_html_catches_what_it_must():
    # negative controls: the scanner must flag each kind of problem it is trusted with
    assert report.scan_html('<script src="https://cdn/x.js"></script>')
    assert report.scan_html('<div onclick="x()">')
    assert report.scan_html('<link href="https://fonts.example/x.css">')
    assert report.scan_html("<style>@import 'x.css';</style>")
    assert report.scan_html("<p>plain &lt;script&gt; text</p>") == []


# ----------------------------------------------------------------------------------------- rendering

def test_report_is_script_free_and_offline(rendered):
    assert report.scan_html(rendered) == []
    for cdn in ("require.js", "mathjax", "MathJax", "cdnjs", "unpkg", "jsdelivr"):
        assert cdn not in rendered


def test_report_hides_code_and_noise(rendered):
    assert "secret_token" not in rendered  # code-free
    assert "FutureWarning" not in rendered  # stderr dropped
    assert "alert(3)" not in rendered and "alert(4)" not in rendered  # javascript and svg outputs dropped


def test_hostile_values_appear_as_text(rendered):
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    # narrative (Markdown), Styler table, plain DataFrame, params in the footer
    assert rendered.count(escaped) >= 4
    assert "printed &lt;b&gt;text&lt;/b&gt;" in rendered


def test_figures_embedded_as_data_uri(rendered):
    srcs = re.findall(r'<img[^>]*src="([^"]+)"', rendered)
    assert srcs and all(s.startswith("data:image/png;base64,") for s in srcs)


def test_notebook_h1_becomes_the_page_title(rendered):
    assert re.findall(r"<h1\b[^>]*>(.*?)</h1>", rendered, re.S) == ["报告"]
    assert rendered.index('class="kam-title"') < rendered.index('class="kam-toc"')


def test_table_of_contents_links_headings(rendered):
    toc = re.search(r'<nav class="kam-toc">(.*?)</nav>', rendered, re.S).group(1)
    assert "目录" in toc and "客户价值" in toc and "第二节" in toc
    for anchor in re.findall(r'href="#([^"]+)"', toc):
        assert f'id="{anchor}"' in rendered


def test_provenance_footer(rendered):
    foot = rendered[rendered.index('<footer class="kam-provenance">'):]
    for text in ("/p/east.yaml", "f00d", "/d/orders.csv", "1,234", "abc123", "kamlib", "2025年12月31日", "3.2 s"):
        assert text in foot, text


def test_english_chrome(tmp_path):
    out = report.render_report(_nb("Customer value"), tmp_path / "v.html", lang="en", title="West",
                               provenance={"as_of": "2025-12-31"})
    text = out.read_text(encoding="utf-8")
    assert "Contents" in text and "Provenance" in text and "31 Dec 2025" in text and 'lang="en"' in text


def test_render_replaces_atomically(tmp_path):
    target = tmp_path / "r.html"
    target.write_text("old", encoding="utf-8")
    report.render_report(_nb(), target, lang="zh")
    assert target.read_text(encoding="utf-8") != "old"
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]  # no temporary file left behind


# --------------------------------------------------------------------------------------------- index

def test_index_kpis_links_status_and_escaping(tmp_path):
    kpis = {"accounts": 1234, "revenue": 123456789.0, "core_accounts": 61, "churn_rate": 0.125, "nps": 23.4,
            "as_of": "2025-12-31"}
    regions = [
        {"region": "east", "title": "华东大区", "kpis": kpis,
         "jobs": [{"notebook": "value_assessment", "status": "ok", "html": "east/value_assessment.html",
                   "seconds": 12.0, "finished": "2026-01-01T10:00:00"},
                  {"notebook": "segmentation", "status": "failed", "reason": f"ValueError: {HOSTILE}",
                   "notebook_path": "east/segmentation.failed.ipynb", "previous_html": "east/segmentation.html"}]},
        {"region": "x", "title": HOSTILE, "kpis": None, "jobs": [], "error": "invalid params: 'k_max'"},
    ]
    text = report.render_index(regions, tmp_path / "index.html", lang="zh").read_text(encoding="utf-8")
    assert report.scan_html(text) == []
    assert "1.23亿" in text and "1,234" in text and "12.5%" in text and "23.4" in text and "2025年12月31日" in text
    assert 'href="east/value_assessment.html"' in text and "客户价值评估" in text
    assert "east/segmentation.failed.ipynb" in text and 'href="east/segmentation.html"' in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text and "<script" not in text
    assert "失败" in text and "invalid params" in text


# ----------------------------------------------------------------------------------------------- pdf

def test_pdf_export_with_headless_chromium_when_installed(tmp_path, monkeypatch):
    html_file = report.render_report(_nb(), tmp_path / "r.html", lang="zh")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert report.export_pdf(html_file) is None  # no chromium: skipped, no error
    # a stand-in chromium that records its arguments and writes the PDF where it is told to
    bindir = tmp_path / "bin"
    bindir.mkdir()
    fake = bindir / "chromium"
    fake.write_text(f'#!/bin/sh\necho "$@" > "{bindir}/args"\nfor a in "$@"; do case "$a" in '
                    '--print-to-pdf=*) printf "%%PDF-1.4 fake" > "${a#--print-to-pdf=}";; esac; done\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(bindir))
    pdf = report.export_pdf(html_file)
    assert pdf == tmp_path / "r.pdf" and pdf.read_bytes().startswith(b"%PDF")
    args = (bindir / "args").read_text()
    assert "--headless" in args and html_file.resolve().as_uri() in args


_INLINE_FIGURE = r"""
import json, sys
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
published = []
shell.display_pub.publish = lambda data, metadata=None, **kw: published.append(data)
draws = []
shell.run_cell("%matplotlib inline")
import matplotlib.pyplot as plt
from matplotlib.figure import Figure
_draw = Figure.draw
Figure.draw = lambda self, renderer: (draws.append(1), _draw(self, renderer))[1]
from kamlib import plotting
plotting.set_theme("zh")
hooked = [getattr(f, "__name__", "") for f in shell.events.callbacks["post_execute"]]
cell = ("import matplotlib.pyplot as plt; fig, ax = plt.subplots(); ax.bar(['核心', '重点', '一般'], [3, 2, 1]); "
        "ax.set_title('客户分层')")
out = {"after_set_theme": hooked}
for mode in ("without_hook", "with_hook"):
    if mode == "with_hook":
        # pyplot's redraw after each cell where %matplotlib inline puts it: before the inline backend's flush
        shell.events.callbacks["post_execute"].insert(0, plt._draw_all_if_interactive)
    draws.clear(); published.clear()
    assert shell.run_cell(cell).success
    out[mode] = {"draws": len(draws), "png": [d["image/png"] for d in published if "image/png" in d]}
print(json.dumps(out))
"""


def test_set_theme_drops_pyplot_redraw_under_inline_backend_same_images(tmp_path):
    """Under the inline backend set_theme removes pyplot's post-cell redraw: one full draw less per figure
    (the inline backend draws each figure itself when the cell ends), and the published PNG is the same."""
    import json
    import subprocess
    import sys

    script = tmp_path / "inline.py"
    script.write_text(_INLINE_FIGURE, encoding="utf-8")
    res = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert "_draw_all_if_interactive" not in out["after_set_theme"]
    assert "flush_figures" in out["after_set_theme"]             # figures are still shown at the cell's end
    without, with_hook = out["without_hook"], out["with_hook"]
    assert len(without["png"]) == 1 and without["png"] == with_hook["png"]
    assert with_hook["draws"] == without["draws"] + 1
