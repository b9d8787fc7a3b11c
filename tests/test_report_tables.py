"""Report building blocks a reader relies on (fast, no kernels): Python reprs and positional indexes dropped,
numbers aligned, money headers with their unit, the data-quality tables, the index's language and statuses,
the failing cell named as JupyterLab shows it, the run state outside the report folder."""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from kamlib import fmt, report, webfont
from kamlib.batch.common import state_dir
from kamlib.batch.index import index_language
from kamlib.batch.jobs import failed_cell
from kamlib.summary import data_quality_frames, insufficient_reason

SNAKE = re.compile(r"^[a-z]+(?:_[a-z0-9]+)+$")

DQ = {"rows_read": {"orders": 1000, "customers": 50}, "rows_kept": {"orders": 700, "customers": 50},
      "exclusions": [{"table": "orders", "rule": "cancelled", "rows": 200, "amount": -12345.0},
                     {"table": "orders", "rule": "zero_price", "rows": 100, "amount": 0.0}],
      "flags": [{"table": "customers", "rule": "likely_duplicate_account", "rows": 2, "amount": 0.0}],
      "unavailable": [{"what": "table.surveys", "reason": "not_provided"},
                      {"what": "analysis.groups", "reason": "the customers table has no parent account column"}],
      "accounts": 50, "insufficient": None, "min_accounts": 10}


@pytest.mark.parametrize("text", ["<Axes: xlabel='月份', ylabel='收入'>", "<Figure size 800x450 with 1 Axes>",
                                  "[<matplotlib.lines.Line2D at 0x7f0>]", "(<Figure size 8x4 with 2 Axes>, <Axes: >)"])
def test_python_reprs_are_recognised(text):
    assert report.is_python_repr(text)


@pytest.mark.parametrize("text", ["12 accounts", "<0.001", "<b>x</b>", ""])
def test_other_text_is_kept(text):
    assert not report.is_python_repr(text)


def test_clean_notebook_drops_reprs_and_outline_cells():
    image = new_output("display_data", data={"image/png": "iVBORw0KGgo="})
    axes = new_output("execute_result", data={"text/plain": "<Axes: xlabel='x'>"}, execution_count=1)
    text = new_output("stream", name="stdout", text="12 accounts\n")
    outline = new_markdown_cell("## 流失定义 · Churn definition", metadata={"tags": ["kam-outline"]})
    nb = new_notebook(cells=[outline, new_code_cell("ax", outputs=[image, axes, text])])
    report.clean_notebook(nb)
    assert len(nb.cells) == 1
    outs = nb.cells[0].outputs
    assert [o.get("output_type") for o in outs] == ["display_data", "stream"]


def test_positional_index_is_dropped_labelled_index_kept():
    df = pd.DataFrame({"客户": ["甲", "乙", "丙"], "收入": [1, 2, 3]})
    plain = report.drop_positional_index(report.sanitize_html(df.to_html()))
    assert "<th>0</th>" not in plain and "<th></th>" not in plain and plain.count("<th>") == 2
    styled = report.drop_positional_index(report.sanitize_html(df.style.to_html()))
    assert not re.search(r"<th[^>]*>\s*0\s*</th>", styled)
    labelled = report.drop_positional_index(report.sanitize_html(df.set_index("客户").to_html()))
    assert "<th>甲</th>" in labelled


def test_numbers_are_marked_text_is_not():
    out = report.mark_numbers('<td>1,234</td><td>4.71亿</td><td>常州机电</td><td class="x">-3.5%</td><td>—</td>')
    assert out.count("kam-num") == 4 and "<td>常州机电</td>" in out


def test_money_headers_carry_the_currency():
    assert fmt.money_header("收入", "zh", "CNY") == "收入（元）"
    assert fmt.money_header("收入", "zh", "GBP") == "收入（英镑）"
    assert fmt.money_header("Revenue", "en", "GBP") == "Revenue (GBP)"
    assert fmt.money_with_unit(4.71e8, "zh") == "4.71亿元"
    assert fmt.money_with_unit(1.2e6, "en", "GBP") == "GBP 1.2M"
    assert fmt.money_with_unit(None, "en") == "—"


def test_formatters_take_lang_then_keyword_digits():
    assert fmt.number(1234.567, "en", digits=1) == "1,234.6"
    assert fmt.pct(0.1234, "zh", digits=0) == "12%"
    assert fmt.money(12345678, "zh", digits=2) == "1,234.57万"
    for f in (fmt.number, fmt.pct, fmt.money, fmt.integer, fmt.pvalue):
        with pytest.raises(TypeError):
            f(0.5, 2)  # the old positional digits
        with pytest.raises(TypeError):
            f(0.5, "zh", 2)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_data_quality_tables_are_labelled(lang):
    frames = data_quality_frames(DQ, lang, "GBP")
    assert set(frames) == {"rows", "flags", "unavailable"}
    rows = frames["rows"]
    headers = [str(c) for f in frames.values() for c in f.columns]  # type: ignore[attr-defined]
    assert not [h for h in headers if SNAKE.match(h)]
    cells = " ".join(str(v) for f in frames.values() for v in f.to_numpy().ravel())  # type: ignore[attr-defined]
    assert not re.search(r"\b[a-z]+_[a-z_]+\b|\bnan\b", cells), cells
    assert ("金额（英镑）" if lang == "zh" else "Amount (GBP)") in rows.columns  # type: ignore[attr-defined]
    assert ("已取消的订单" if lang == "zh" else "cancelled order") in cells
    assert "-200" in cells and "20.0%" in cells and "70.0%" in cells
    if lang == "zh":
        assert not re.search(r"[A-Za-z]{3,}", cells.replace("GBP", "")), cells


def test_insufficient_data_reason():
    assert insufficient_reason(DQ, "zh") is None
    assert insufficient_reason({**DQ, "insufficient": "few_accounts", "accounts": 4}, "zh") == \
        "数据不足：仅 4 个客户（至少需要 10 个）"
    assert "no orders" in str(insufficient_reason({**DQ, "insufficient": "no_orders"}, "en"))


def test_data_quality_section_html():
    page = report.sanitize_html(report.data_quality_html(DQ, "zh", "CNY"))
    assert 'id="kam-data-quality"' in page and "数据质量" in page and "&lt;" not in page
    assert report.data_quality_html(None, "en").count("unavailable") == 1


def test_scan_allows_only_the_embedded_font():
    face = webfont.cjk_font_face("<p>客户</p>")
    page = f"<html><head><style>{face}</style></head><body><p>客户</p></body></html>"
    assert report.scan_html(page) == []
    assert report.scan_html("<style>td{background:url(data:image/png;base64,AAAA)}</style>")
    assert report.scan_html('<p style="background:url(x.png)">x</p>')
    assert report.scan_html("<p>url(x) in a customer's name is text</p>") == []


def test_embed_font_only_when_needed():
    assert webfont.embed_font("<html><head></head><body>abc</body></html>").count("@font-face") == 0
    page = webfont.embed_font("<html><head></head><body>华东</body></html>")
    assert page.count('@font-face{font-family:"KamCJK"') == 1 and page.index("@font-face") < page.index("</head>")


def test_index_status_language_and_insufficient(tmp_path):
    jobs = [{"notebook": "value_assessment", "status": "ok", "html": "a/value_assessment.html"}]
    regions = [{"region": "a", "title": "甲区", "kpis": {"accounts": 4}, "jobs": jobs, "insufficient": "few_accounts",
                "accounts": 4},
               {"region": "b", "title": "乙区", "kpis": {"accounts": 40, "revenue": 4.71e8}, "jobs": jobs}]
    text = report.render_index(regions, tmp_path / "index.html", lang="zh").read_text(encoding="utf-8")
    assert text.count("数据不足") == 2 and text.count(">成功<") == 1   # status + reason; region b is ok
    assert "4.71亿元" in text and '@font-face{font-family:"KamCJK"' in text
    assert report.scan_html(text) == []


def test_index_language_is_stable():
    manifest = {"regions": {"a": {"language": "zh"}, "b": {"language": "en"}, "c": {"language": "en"}}}
    assert index_language(manifest) == "en"
    assert index_language(manifest, "zh") == "zh"
    assert index_language({"regions": {"a": {"language": "zh"}, "b": {"language": "en"}}}) == "zh"


def test_failed_cell_is_the_notebook_cell_under_its_heading():
    error = new_output("error", ename="ValueError", evalue="x", traceback=[])
    nb = new_notebook(cells=[
        new_markdown_cell("An exception was raised", metadata={"tags": ["papermill-error-cell-tag"]}),
        new_code_cell("params_file = 'x'", metadata={"tags": ["parameters"]}),
        new_code_cell("params_file = '/abs'", metadata={"tags": ["injected-parameters"]}),
        new_markdown_cell("# 客户流失\n## 流失定义"),
        new_code_cell("raise ValueError('x')", outputs=[error], execution_count=77)])
    assert failed_cell(nb) == "notebook cell 3, under '流失定义'"
    assert failed_cell(nbformat.v4.new_notebook()) == "cell unknown"


def test_state_folder_is_beside_the_report_folder(tmp_path):
    out = tmp_path / "reports"
    st = state_dir(out)
    assert st == tmp_path / ".kam" / "reports" and out not in st.parents
    assert state_dir(out, tmp_path / "elsewhere") == (tmp_path / "elsewhere").resolve()
    assert state_dir(Path("reports")).name == "reports"


def test_churn_notebook_shows_its_outline_before_a_run():
    nb = nbformat.read(str(Path(__file__).resolve().parents[1] / "notebooks" / "churn_survival.ipynb"), as_version=4)
    outline = [c.source for c in nb.cells if "kam-outline" in c.metadata.get("tags", [])]
    assert outline[0].startswith("# ") and len(outline) >= 6 and all(" · " in h for h in outline)
