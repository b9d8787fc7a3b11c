"""The value-still-to-come section of the value report: sentences and tables from a BookValue and the
customer frame, in both languages, for every status of the models; growth potential as a scorecard
indicator."""
from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

from kamlib import clv, value
from kamlib.clv import book_value, indicator_columns, simulate_orders

BG = {"r": 0.5, "alpha": 5.0, "a": 0.8, "b": 2.5}
GG = {"p": 6.0, "q": 4.0, "v": 15.0}
AS_OF = "2025-12-31"
CJK = re.compile(r"[\u4e00-\u9fff]")
SNAKE = re.compile(r"\b[a-z]+_[a-z_0-9]+\b")


def _customers(orders: pd.DataFrame, book) -> pd.DataFrame:
    """A customer frame like the workbook's: last 12 months' revenue, tier, segment, name, manager + CLV."""
    o = orders[orders["order_date"] > pd.Timestamp(AS_OF) - pd.DateOffset(months=12)]
    ids = pd.Index(sorted(orders["customer_id"].unique()), name="customer_id")
    frame = pd.DataFrame(index=ids)
    frame["revenue"] = orders.groupby("customer_id")["revenue"].sum().reindex(ids)
    frame["revenue_last_12m"] = o.groupby("customer_id")["revenue"].sum().reindex(ids).fillna(0.0)
    rank = frame["revenue"].rank(ascending=False, method="first")
    frame["tier"] = np.where(rank <= 10, "core", np.where(rank <= 60, "key", "ordinary"))
    frame["segment_name"] = np.where(frame["revenue"] > frame["revenue"].median(), "大额", "小额")
    frame["name"] = [f"客户{i}" for i in range(len(ids))]
    frame["account_manager"] = np.where(np.arange(len(ids)) % 2 == 0, "张三", "李四")
    return frame.join(indicator_columns(book, frame))


@pytest.fixture(scope="module")
def ok_case():
    orders = simulate_orders(800, BG, GG, T=(52.0, 156.0), as_of=AS_OF, random_state=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = book_value(orders, AS_OF)
    return book, _customers(orders, book)


@pytest.fixture(scope="module")
def no_dropout_case():
    orders = simulate_orders(1500, {"r": 1.0, "alpha": 4.0, "a": 0.0001, "b": 50.0}, GG, T=(30.0, 60.0),
                             as_of=AS_OF, random_state=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = book_value(orders, AS_OF, holdout=False)
    return book, _customers(orders, book)


def _contractual():
    orders = simulate_orders(200, BG, GG, T=(52.0, 156.0), as_of=AS_OF, random_state=2)
    book = book_value(orders, AS_OF, contractual=True)
    return book, _customers(orders, book)


def _not_estimable():
    orders = pd.DataFrame({"customer_id": [f"C{i}" for i in range(300)],
                           "order_date": pd.Timestamp("2025-01-01") + pd.to_timedelta(np.arange(300), "D"),
                           "revenue": 100.0})
    book = book_value(orders, AS_OF)
    return book, _customers(orders, book)


def _cells(df: pd.DataFrame) -> str:
    return " ".join([str(df.columns.name), *map(str, df.columns), *map(str, df.index),
                     *map(str, df.to_numpy().ravel())])


def test_ok_sentences_state_revenue_held_and_the_last_year(ok_case):
    book, c = ok_case
    zh = clv.book_sentences(book, c, "zh")
    en = clv.book_sentences(book, c, "en")
    assert "未来 12 个月预计带来收入" in zh and "客户终身价值" in zh and "近 12 个月实际收入" in zh
    assert re.search(r"\*\*[\d,.]+万\*\*", zh)
    assert not re.search(r"[A-Za-z]{3,}", zh.replace("BG/NBD", "").replace("Gamma-Gamma", ""))
    assert "next 12 months" in en and "last 12 months" in en and not CJK.search(en)
    assert re.search(r"\*\*\d+%\*\*", en)


def test_ok_tables_by_tier_and_segment(ok_case):
    book, c = ok_case
    for lang in ("zh", "en"):
        t = clv.held_by_group(c, "tier", lang, book.horizon_months)
        assert list(t.index)[:3] == (["核心", "重点", "一般"] if lang == "zh" else ["Core", "Key", "Ordinary"])
        assert t.index[-1] == ("合计" if lang == "zh" else "Total")
        assert t.columns.name == ("客户等级" if lang == "zh" else "Tier")
        assert t.shape == (4, 4)
        assert not SNAKE.search(_cells(t))
        s = clv.held_by_group(c, "segment_name", lang, book.horizon_months)
        assert set(s.index) == {"大额", "小额", "合计" if lang == "zh" else "Total"}
    zh = clv.held_by_group(c, "tier", "zh")
    assert "未来 12 个月预期收入" in zh.columns and "客户终身价值（折现）" in zh.columns
    assert zh.iloc[-1, 0] == f"{len(c):,}"
    assert all(v.endswith("万") or v.replace(",", "").isdigit() for v in zh.iloc[:, 1])
    six = clv.held_by_group(c, "tier", "en", horizon_months=6)
    assert "Expected revenue, next 6 months" in six.columns


def test_top_by_clv_is_ranked_and_named(ok_case):
    book, c = ok_case
    t = clv.top_by_clv(c, 5, "zh")
    assert len(t) == 5 and t.columns.name == "客户名称"
    expected = c.sort_values("clv", ascending=False).head(5)["name"].tolist()
    assert list(t.index) == expected
    assert list(t.columns) == ["客户等级", "客户经理", "存活概率", "近 12 个月收入", "未来 12 个月预期收入",
                               "客户终身价值（折现）"]
    assert all(v.endswith("%") for v in t["存活概率"])
    en = clv.top_by_clv(c, 5, "en")
    assert "P(alive)" in en.columns and not CJK.search(" ".join(en.columns))


def test_slipping_away_lists_large_accounts_with_low_p_alive(ok_case):
    book, c = ok_case
    s = clv.slipping_away(c, 10, "zh")
    last = c["revenue_last_12m"]
    high = last >= last[last > 0].median()
    chosen = c[high & (last > 0) & (c["p_alive"] < 0.5)]
    assert s.n == len(chosen) > 0
    assert len(s.table) == min(10, len(chosen))
    stake = (chosen["revenue_last_12m"] * (1 - chosen["p_alive"])).sort_values(ascending=False)
    assert list(s.table.index) == c.loc[stake.index[:10], "name"].tolist()
    assert "客户经理" in s.table.columns and "面临流失的收入" in s.table.columns
    assert "50%" in s.sentence and "前一半" in s.sentence
    en = clv.slipping_away(c, 10, "en")
    assert "Account manager" in en.table.columns and "below 50%" in en.sentence
    none = clv.slipping_away(c, 10, "en", p_alive_below=0.0)
    assert none.table.empty and none.n == 0 and "No account" in none.sentence


def test_holdout_text_and_figure(ok_case):
    book, _ = ok_case
    assert "实际为" in clv.holdout_text(book, "zh")
    assert "repeat purchases" in clv.holdout_text(book, "en")
    assert not re.search(r"\d+\.\d{3,} (weeks|周)", clv.holdout_text(book, "en"))
    from kamlib import plotting

    ax = plotting.plot_holdout(book.holdout, lang="en")
    assert ax.get_ylim()[0] == 0
    assert all("e" not in t.get_text() for t in ax.get_yticklabels())
    ax2 = plotting.plot_p_alive(book.accounts, lang="en")
    ax2.figure.canvas.draw()
    assert all("%" in t.get_text() for t in ax2.get_yticklabels() if t.get_text())


def test_not_applicable_says_survival_and_shows_nothing():
    book, c = _contractual()
    zh = clv.book_sentences(book, c, "zh")
    en = clv.book_sentences(book, c, "en")
    assert "不适用" in zh and "客户流失报告" in zh
    assert "does not apply" in en and "churn report" in en
    assert clv.held_by_group(c, "tier", "zh").empty and clv.top_by_clv(c, 5, "zh").empty
    s = clv.slipping_away(c, 5, "zh")
    assert s.table.empty and "无法列出" in s.sentence
    assert clv.holdout_text(book, "zh") == ""


def test_not_estimable_gives_the_reason_in_the_report_language():
    book, c = _not_estimable()
    zh = clv.book_sentences(book, c, "zh")
    en = clv.book_sentences(book, c, "en")
    assert "无法估计" in zh and "复购客户太少" in zh and "0 / 300" in zh
    assert not re.search(r"[A-Za-z]{3,}", zh)
    assert "Not estimable" in en and "repeat buyers" in en
    assert clv.slipping_away(c, 5, "en").table.empty


def test_no_dropout_says_p_alive_cannot_rank(no_dropout_case):
    book, c = no_dropout_case
    assert "p_alive" not in c   # the workbook joins P(alive) only when it separates accounts
    assert "无法用来区分客户" in clv.book_sentences(book, c, "zh")
    assert "cannot rank accounts" in clv.book_sentences(book, c, "en")
    assert not clv.held_by_group(c, "tier", "en").empty
    top = clv.top_by_clv(c, 3, "en")
    assert len(top) == 3 and "P(alive)" not in top.columns
    assert clv.slipping_away(c, 5, "zh").table.empty


def test_unknown_language_is_refused(ok_case):
    book, c = ok_case
    with pytest.raises(Exception, match="language"):
        clv.book_sentences(book, c, "fr")


def test_growth_potential_is_a_higher_is_better_scorecard_indicator(ok_case):
    _, c = ok_case
    ind = c.assign(order_count=1.0)
    sc = value.scorecard(ind, indicators_used=["revenue", "growth_potential", "expected_revenue_12m"],
                         method="manual")
    w = sc.weights_frame()
    assert w.loc["growth_potential", "direction"] == 1 and w.loc["growth_potential", "group"] == "transaction"
    shown = value.display_table(w, "zh")
    assert "增长潜力" in shown.index and "越高越好" in set(shown.iloc[:, 1])
    assert value.indicator_label("growth_potential", "en") == "Growth potential"
    # two accounts alike in every indicator but growth potential: the one with more scores higher
    z = sc.normalised
    gp = c["growth_potential"]
    lo, hi = gp.idxmin(), gp.idxmax()
    assert z.loc[hi, "growth_potential"] > z.loc[lo, "growth_potential"]
    base = ind.iloc[[0, 0]].copy()
    base.index = pd.Index(["a", "b"], name="customer_id")
    base["growth_potential"] = [0.0, 1.0]
    two = value.scorecard(pd.concat([ind, base]), indicators_used=["revenue", "growth_potential"], method="manual")
    assert two.scores["b"] > two.scores["a"]
