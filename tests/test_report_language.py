"""Satisfaction and segmentation pages a reader can trust, in both languages.

Fast tests check the display tables (headers through the label registry, no positional index, items by
their labels, one headline NPS); the slow test runs both notebooks in zh and en on the small demo and
checks what a reader sees in their HTML and Markdown outputs.
"""
from __future__ import annotations

import html as html_lib
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kamlib import satisfaction as S
from kamlib.errors import StatisticalWarning
from kamlib.i18n import Message, render
from kamlib.params import SatisfactionSection

SNAKE = re.compile(r"^[a-z]+(_[a-z0-9]+)+$")
CONSTRUCTS = {"产品": ["q_product_quality", "q_product_reliability"], "服务": ["q_service_response", "q_x"]}


def _surveys(n_acc: int = 60, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for a in range(n_acc):
        for wave in ("2024H2", "2025H2"):
            for role in ("decision_maker", "user"):
                base = rng.integers(2, 6)
                rows.append({"customer_id": f"C{a:03d}", "wave": wave, "respondent_role": role,
                             "survey_date": pd.Timestamp("2024-10-01" if wave == "2024H2" else "2025-10-01"),
                             "overall": int(np.clip(base + rng.integers(-1, 2), 1, 5)),
                             "nps": int(np.clip(2 * base + rng.integers(-2, 2), 0, 10)),
                             **{i: int(np.clip(base + rng.integers(-1, 2), 1, 5))
                                for items in CONSTRUCTS.values() for i in items}})
    return pd.DataFrame(rows)


def _headers(df: pd.DataFrame) -> list[str]:
    names = [n for n in df.index.names if n is not None]
    return [str(c) for c in df.columns] + [str(n) for n in names]


def _check_display(df: pd.DataFrame, lang: str) -> None:
    assert not isinstance(df.index, pd.RangeIndex), "positional index"
    for h in _headers(df):
        assert not SNAKE.match(h), h
    cells = df.to_numpy().ravel().tolist() + [v for lvl in range(df.index.nlevels)
                                              for v in df.index.get_level_values(lvl)]
    for v in cells:
        assert not re.search(r"\bq_[a-z]|\bnan\b|\binf\b|_role\b|account×", str(v)), v
    if lang == "zh":
        text = " ".join(map(str, cells + _headers(df)))
        assert not re.search(r"\b(accounts|responses|paired|vs|epsilon|overall|item|construct|yes|no)\b", text), text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_satisfaction_tables_have_labels_and_a_meaningful_index(lang):
    s = _surveys()
    st = SatisfactionSection(constructs=CONSTRUCTS, min_n=5)
    names = S.item_labels(st.constructs, lang)
    customers = pd.DataFrame({"tier": ["core", "key", "ordinary"] * 20},
                             index=pd.Index([f"C{a:03d}" for a in range(60)], name="customer_id"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        head = S.headline(s, st, wave="2025H2")
        items = S.item_summary(s, st, wave="2025H2")
        rel = S.reliability(s, st)
        groups = S.group_tests(s, customers, by=["tier", "respondent_role"], settings=st, wave="2025H2")
        waves = S.wave_change(s, st)
        likert = S.likert_distribution(s, S.item_list(st), wave="2025H2")
    for t in (head.table, items.table, rel.table, rel.item_table(), groups.table, groups.groups, waves.table,
              head.table.reset_index()):
        _check_display(S.format_table(t, lang, items=names), lang)
    _check_display(S.likert_table(likert, lang, names), lang)
    # the unknown item is named by its construct and position, never by its code
    assert names["q_x"] == ("服务 第 2 题" if lang == "zh" else "Service item 2")
    # one NPS: the table row, the sentence and the NPS result behind the figure show the same number
    shown = S.format_table(head.table, lang).iloc[2, 0]
    assert head.nps is not None and f"{head.nps.nps:.1f}" == shown
    assert shown in S.sentences(head, lang) and shown in S.sentences(head.nps, lang)
    assert S.nps_name("account", lang) in S.sentences(head, lang)


def test_satisfaction_warnings_are_messages_in_both_languages():
    with pytest.warns(StatisticalWarning, match="at least 2 items"):
        a = S.cronbach_alpha(pd.DataFrame({"q": [1, 2, 3]}))
    m = a.warnings[0]
    assert isinstance(m, Message)
    assert "至少需要 2 个题项" in render(m, "zh") and "at least 2 items" in render(m, "en")
    s = _surveys(4)
    st = SatisfactionSection(constructs=CONSTRUCTS, min_n=10)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        r = S.reliability(s, st)
        g = S.group_tests(s, None, by=["respondent_role", "missing_col"], settings=st)
    for w in (*r.warnings, *g.warnings):
        zh = render(w, "zh")
        assert not re.search(r"[A-Za-z]{4,}", zh.replace("Cronbach", "").replace("missing_col", "")), zh


def test_axis_formatters_use_the_report_units():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from kamlib.plotting._axes import money_axis, percent_axis

    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 3e7])
    money_axis(ax, "y", lang="zh")
    percent_axis(ax, "x", lang="en")
    assert ax.yaxis.get_major_formatter()(3e7, 0) == "3,000万"
    assert ax.xaxis.get_major_formatter()(0.25, 0) == "25%"
    money_axis(ax, "y", lang="en")
    assert ax.yaxis.get_major_formatter()(3e7, 0) == "30M"
    plt.close(fig)


# ----------------------------------------------------------------------------------------------------------
# slow: both notebooks, zh and en, on the small demo

#: words a zh page may show: proper names, symbols and units
ALLOW = {"NPS", "CSAT", "Cronbach", "Cram", "V", "k", "means", "Kruskal", "Wallis", "Mann", "Whitney", "U",
         "Wilcoxon", "Welch", "t", "p", "n", "CI", "logit", "McFadden", "R", "Holm", "Benjamini", "Hochberg",
         "Feldt", "log", "log1p", "x", "BIC", "CH", "DB", "H", "IQR", "r", "C", "s"}   # s: Cronbach's


def _notebook_page(name: str, params_file: Path, tmp_path: Path) -> tuple[str, str]:
    from notebook_runner import run_notebook, texts

    outputs = run_notebook(name, params_file, tmp_path / f"{name}-{params_file.stem}.ipynb")
    errs = [o.get("evalue") for o in outputs if o.get("output_type") == "error"]
    assert not errs, errs
    # plain text shown as such: outputs with nothing richer (an execute_result such as "<Axes: ...>")
    plain = ["".join(o["data"]["text/plain"]) for o in outputs if set(o.get("data", {})) == {"text/plain"}]
    plain += ["".join(o.get("text", "")) for o in outputs if o.get("output_type") == "stream"
              and o.get("name") == "stdout"]
    return "\n".join(texts(outputs, "text/html")), "\n".join(texts(outputs, "text/markdown") + plain)


def _check_page(html: str, text: str, lang: str) -> None:
    ths = [re.sub(r"<[^>]+>", "", t).strip() for t in re.findall(r"<th[^>]*>(.*?)</th>", html, flags=re.S)]
    assert ths, "no table"
    assert not [t for t in ths if SNAKE.match(t)], [t for t in ths if SNAKE.match(t)]
    assert "<th>0</th>" not in html.replace(" ", "")
    assert "<Axes" not in text and "<Figure" not in text
    body = html_lib.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<style.*?</style>", " ", html, flags=re.S)))
    body += " " + text
    assert not re.search(r"\b(nan|inf|NaN)\b", body)
    if lang == "zh":
        words = set(re.findall(r"[A-Za-z]+", re.sub(r"C\d{5}|\d{4}H\d", " ", body)))
        assert not words - ALLOW, " ".join(sorted(words - ALLOW))


def _params_in(lang: str, small_params_file: Path, tmp_path: Path) -> Path:
    if lang == "zh":
        return small_params_file
    p = tmp_path / "east_en.yaml"
    p.write_text(small_params_file.read_text(encoding="utf-8").replace("language: zh", "language: en"),
                 encoding="utf-8")
    return p


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_satisfaction_page_reads_in_one_language_with_one_nps(lang, small_params_file, tmp_path):
    html, text = _notebook_page("satisfaction", _params_in(lang, small_params_file, tmp_path), tmp_path)
    # the workbook's own warnings (value scorecard, feature imputation) come from other packages
    _check_page(html, text.split("## 注意事项" if lang == "zh" else "## Warnings")[0], lang)
    name = S.nps_name("account", lang)
    values = set(re.findall(re.escape(name) + r"\s?(?:为|is) (-?\d+\.\d)", text))
    assert len(values) == 1, values
    nps_rows = re.findall(r"<th>NPS</th>\s*<td>(-?\d+\.\d)</td>", html)
    assert nps_rows and set(nps_rows[:1]) == values


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_segmentation_page_reads_in_one_language(lang, small_params_file, tmp_path):
    html, text = _notebook_page("segmentation", _params_in(lang, small_params_file, tmp_path), tmp_path)
    # the workbook's own warnings (value scorecard, feature imputation) come from other packages
    text = text.split("## 注意事项" if lang == "zh" else "## Warnings")[0]
    _check_page(html, text, lang)


def test_point_labels_do_not_overlap():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from kamlib.plotting._axes import label_points

    fig, ax = plt.subplots(figsize=(4, 3))
    xs, ys = [1.0, 1.01, 1.02, 2.0], [1.0, 1.0, 1.01, 2.0]
    ax.scatter(xs, ys)
    notes = label_points(ax, xs, ys, ["Quality", "Value", "Reliability", "Delivery"])
    renderer = fig.canvas.get_renderer()
    boxes = [n.get_window_extent(renderer) for n in notes]
    assert len(notes) == 4
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    plt.close(fig)
