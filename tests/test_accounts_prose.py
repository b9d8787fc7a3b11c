"""What the account-management report says about its tables: sentences whose numbers are the results' facts,
plan views that put what to act on first, and churn reasons by the tier an account had before it left."""
from __future__ import annotations

import re

import pandas as pd
import pytest

from kamlib import accounts
from kamlib.ledger import Ledger

AS_OF = pd.Timestamp("2025-12-31")


@pytest.fixture(scope="module")
def book(account_book):
    return account_book


def _no_placeholder(text: str) -> None:
    assert text and "{" not in text and "nan" not in text.lower() and "None" not in text


def test_every_section_has_a_sentence_in_both_languages(book):
    ledger, frame = book
    results = [accounts.manager_portfolios(frame, ledger, AS_OF), accounts.not_contacted(frame, ledger, AS_OF),
               accounts.complaints_by_tier(frame, ledger, AS_OF), accounts.churn_reasons(frame, ledger),
               accounts.pipeline(frame, ledger), accounts.plan_vs_actual(ledger, AS_OF)]
    for r in results:
        for lang in ("zh", "en"):
            _no_placeholder(accounts.summary_markdown(r, lang, "CNY"))
    zh = accounts.summary_markdown(results[0], "zh", "CNY")
    assert re.search(r"[\u4e00-\u9fff]{4}", zh) and "account" not in zh


def test_portfolio_sentence_names_the_manager_with_the_highest_churn(book):
    ledger, frame = book
    res = accounts.manager_portfolios(frame, ledger, AS_OF)
    t = res.table.set_index("account_manager")
    comp = t[t["accounts"] >= res.facts["min_accounts"]]
    worst = res.facts["highest_churn"]
    assert worst["manager"] == comp["churn_rate"].idxmax()
    rest = comp.drop(index=worst["manager"])
    assert worst["others"] == pytest.approx(rest["churned_accounts"].sum() / rest["accounts"].sum())
    en = accounts.summary_markdown(res, "en", "CNY")
    assert worst["manager"] in en and f"{worst['rate']:.1%}" in en
    assert "revenue_last_12m" not in t   # the demo frame here has no 12-month revenue: whole-window revenue
    assert "revenue" in t and "churned_revenue" in t


def test_lost_revenue_is_the_year_before_the_last_order(book):
    ledger, frame = book
    lost = accounts.annual_revenue_before_loss(frame, ledger)
    o = ledger.orders
    cid = frame.index[frame["churned"]][0]
    rows = o[o["customer_id"].astype(str) == cid]
    last = rows["order_date"].max()
    assert lost[cid] == pytest.approx(rows.loc[rows["order_date"] > last - pd.Timedelta(days=365), "revenue"].sum())
    assert (lost <= frame["revenue"] + 1e-6).all()


def test_not_contacted_sentence_counts_the_list(book):
    ledger, frame = book
    res = accounts.not_contacted(frame, ledger, AS_OF, days=90)
    assert res.facts["accounts"] == len(res.table)
    en = accounts.summary_markdown(res, "en", "CNY")
    assert en.startswith(f"{len(res.table)} of {res.facts['of']} active core and key accounts")
    assert "(0 never)" not in en
    none = accounts.not_contacted(frame, ledger, AS_OF, days=10_000)
    assert none.facts["accounts"] == none.facts["never"]
    everyone = accounts.not_contacted(frame.assign(tier="ordinary"), ledger, AS_OF)
    assert accounts.summary_markdown(everyone, "en") == "There is no active core or key account."
    quiet = accounts.TableResult("not_contacted", res.table.head(0), facts={"of": 5, "accounts": 0, "days": 90})
    assert accounts.summary_markdown(quiet, "en") == "All 5 active core and key accounts had a visit, call or " \
        "meeting within 90 days."


def test_plan_views_put_what_to_act_on_first(book):
    ledger, frame = book
    plan = accounts.plan_vs_actual(ledger, AS_OF)
    period = plan.facts["period"]
    assert plan.facts["complete"] and period == "2025"
    mgr = accounts.plan_view(plan, "account_manager")
    assert list(mgr.table.columns[:1]) == ["account_manager"] and mgr.table["revenue_target"].is_monotonic_decreasing
    acc = accounts.plan_view(plan, "account", accounts=frame)
    t = acc.table
    assert list(t.columns[:2]) == ["customer_id", "name"] and t["attainment"].is_monotonic_increasing
    assert acc.facts["rows"] == int(((plan.table["level"] == "account") & (plan.table["period"] == period)).sum())
    assert acc.facts["lost"] == int(t["churned"].sum()) > 0
    low = acc.facts["lowest_active"]
    assert low["owner"] == t.loc[~t["churned"], "customer_id"].iloc[0]
    en = accounts.summary_markdown(acc, "en", "CNY", names=frame["name"])
    assert frame.loc[low["owner"], "name"] in en
    shown = accounts.display_table(acc, "en", head=5)
    assert len(shown) == 5 and "Lost" in shown.columns
    assert accounts.shown_note(acc, 5, "en") == f"(The first 5 of {len(t)}, in the order above.)"
    assert accounts.shown_note(acc, len(t), "en") == ""
    assert not accounts.plan_view(plan, "account", period="1999").available


def test_churn_reasons_by_tier_before_the_loss(book):
    ledger, frame = book
    before = frame["tier"].where(frame.index.to_series().str[-1] != "7", None)   # a few accounts without a tier
    res = accounts.churn_reasons(frame.assign(tier="ordinary"), ledger, tiers=before)
    t = res.table.set_index("churn_reason")
    tier_cols = [c for c in t.columns if c.startswith("tier:")]
    assert tier_cols[:2] == ["tier:core", "tier:key"] and "tier:new" in tier_cols
    lost = frame["churned"] & ledger.customers.set_index("customer_id")["churn_reason"].reindex(frame.index).notna()
    assert t[tier_cols].to_numpy().sum() == lost.sum() == res.facts["with_reason"]
    assert t["churned_revenue"].sum() == pytest.approx(
        accounts.annual_revenue_before_loss(frame, ledger)[lost].sum())
    assert res.facts["tiers_before_loss"]
    en = accounts.summary_markdown(res, "en", "CNY", tiers_as_of="2024-01-01")
    assert "before it left (as of 01 Jan 2024)" in en and '"new"' in en


def test_pipeline_stages_in_pipeline_order(book):
    ledger, frame = book
    res = accounts.pipeline(frame, ledger)
    assert list(res.facts["stages"]) == ["线索", "方案", "谈判"]
    assert res.facts["open"] == int(res.table["open"].sum())


def test_manager_table_fits_a_page(book):
    ledger, frame = book
    shown = accounts.display_table(accounts.manager_portfolios(frame, ledger, AS_OF), "zh", currency="CNY")
    assert "核心/重点/一般" in shown.columns and "收入（元）" in shown.columns
    assert all(re.fullmatch(r"\d+\u00a0/\u00a0\d+\u00a0/\u00a0\d+", v) for v in shown["核心/重点/一般"])


def test_inputs_sentence_says_what_the_page_rests_on(book):
    ledger, frame = book
    have = accounts.inputs(frame, ledger)
    assert have[("interactions", None)] and have[("customers", "account_manager")]
    zh = accounts.inputs_markdown(have, "zh")
    assert zh.startswith("本页依据：每个客户的客户经理、客户互动记录")
    bare = Ledger(orders=ledger.orders[["customer_id", "order_date", "revenue"]],
                  customers=ledger.customers[["customer_id"]])
    none = accounts.inputs(frame.drop(columns="account_manager"), bare)
    assert not any(none.values())
    assert accounts.inputs_markdown(none, "en").startswith("This region's data has none of what account management")
    r = accounts.manager_portfolios(frame.drop(columns="account_manager"), bare, AS_OF)
    assert accounts.reason_markdown(r, "en") == ("This part needs each account's account manager: column "
                                                 "account_manager of the customers table.")


def test_summary_names_the_accounts_to_call(book):
    from types import SimpleNamespace

    from kamlib.summary import _contact_sentence

    ledger, frame = book
    frame = frame.assign(revenue_last_12m=frame["revenue"] / 3)
    wb = SimpleNamespace(ledger=ledger, customers=frame, as_of=AS_OF, lang="en",
                         params=SimpleNamespace(report=SimpleNamespace(currency="GBP")))
    n = accounts.not_contacted(frame, ledger, AS_OF, days=90).facts["accounts"]
    assert _contact_sentence(wb).startswith(f"**{n}** active core and key accounts have had no visit")
    assert "GBP" in _contact_sentence(wb) and "'Account management'" in _contact_sentence(wb)
    assert _contact_sentence(SimpleNamespace(**{**vars(wb), "ledger": ledger.with_tables(interactions=None)})) == ""


def test_one_story_when_the_manager_who_contacts_least_loses_most():
    res = accounts.TableResult("portfolios", pd.DataFrame(), facts={
        "managers": 3, "compared": 3, "min_accounts": 10,
        "highest_churn": {"manager": "王五", "rate": 0.5, "others": 0.25},
        "fewest_contacts": {"manager": "王五", "contacts": 1.7, "median": 6.2}})
    zh = accounts.summary_markdown(res, "zh")
    assert zh.count("王五") == 2 and "王五也是联系客户最少的客户经理" in zh and "50.0%" in zh and "6.2" in zh
    other = accounts.TableResult("portfolios", pd.DataFrame(), facts={
        **res.facts, "fewest_contacts": {"manager": "李四", "contacts": 1.7, "median": 6.2}})
    en = accounts.summary_markdown(other, "en")
    assert "王五's book loses the most" in en and "李四 contacts accounts least" in en


def test_portfolio_shows_revenue_against_target(book):
    ledger, frame = book
    t = accounts.manager_portfolios(frame, ledger, AS_OF).table.set_index("account_manager")
    view = accounts.plan_view(accounts.plan_vs_actual(ledger, AS_OF), "account_manager").table
    att = view.set_index("account_manager")["attainment"]
    assert t["target_attainment"].reindex(att.index).tolist() == pytest.approx(att.tolist())
    assert "目标达成率" in accounts.display_table(accounts.manager_portfolios(frame, ledger, AS_OF), "zh").columns
    bare = ledger.with_tables(targets=None)
    assert "target_attainment" not in accounts.manager_portfolios(frame, bare, AS_OF).table
    # the notebook passes the plan it shows anyway: the same numbers, computed once
    given = accounts.manager_portfolios(frame, ledger, AS_OF, plan=accounts.plan_vs_actual(ledger, AS_OF))
    assert given.table.equals(accounts.manager_portfolios(frame, ledger, AS_OF).table)


def test_portfolio_revenue_at_risk_sums_the_ranking_per_manager(book):
    ledger, frame = book
    active = frame.index[~frame["churned"]]
    loss = pd.Series(1000.0, index=active)
    t = accounts.manager_portfolios(frame, ledger, AS_OF, at_risk=loss)
    by = t.table.set_index("account_manager")["at_risk_revenue"]
    expect = frame.loc[active].groupby("account_manager").size() * 1000.0
    assert by.reindex(expect.index).tolist() == pytest.approx(expect.tolist())
    en = accounts.summary_markdown(t, "en", "CNY", horizon_days=365.25)
    assert "over the next 12 months" in en and f"CNY {len(active) * 1000 / 1e6:.1f}M in all" in en


def test_manager_table_leaves_the_lost_count_to_the_data(book):
    ledger, frame = book
    res = accounts.manager_portfolios(frame, ledger, AS_OF)
    assert "churned_accounts" in res.table
    shown = accounts.display_table(res, "en")
    assert "Churned accounts" not in shown.columns and "Churn rate" in shown.columns


def test_credit_ratings_best_first_with_churn(book):
    ledger, frame = book
    res = accounts.credit_ratings(frame, ledger)
    t = res.table.set_index("credit_rating")
    assert list(t.index[:3]) == ["AAA", "AA", "A"] and t["accounts"].sum() == len(frame)
    # planted: late payers mostly rated B / C, and they churn more
    assert res.facts["highest"]["rating"] in ("B", "C") and res.facts["lowest"]["rating"] in ("AAA", "AA", "A")
    en = accounts.summary_markdown(res, "en")
    assert en.startswith(f"Churn is highest at rating {res.facts['highest']['rating']}")
    bare = ledger.with_tables(customers=ledger.customers.drop(columns="credit_rating"))
    r = accounts.credit_ratings(frame, bare)
    assert not r.available and "credit rating" in accounts.reason_markdown(r, "en")


def test_breadth_sentence_with_and_without_gaps(book):
    ledger, frame = book
    res = accounts.breadth(frame.assign(segment_name="all"), ledger)
    f = res.facts
    assert f["with_gap"] == len(res.table) and f["accounts"] == int((~frame["churned"]).sum())
    en = accounts.summary_markdown(res, "en")
    assert en.startswith(f"Accounts buy {f['mean_lines']:.1f} of {f['lines']} product lines on average.")
    none = accounts.TableResult("breadth", res.table.head(0), facts={**f, "with_gap": 0})
    assert "none lacks a line" in accounts.summary_markdown(none, "en")


def test_highest_churn_sentences_say_whether_the_difference_is_beyond_chance(book):
    ledger, frame = book
    res = accounts.manager_portfolios(frame, ledger, AS_OF)
    p = res.facts["highest_churn"]["p"]
    assert 0 <= p <= 1
    en = accounts.summary_markdown(res, "en")
    assert ("beyond chance" in en) == (p < 0.05) and "chi-square test p" in en
    # every manager churning at the same rate: within chance
    same = accounts.TableResult("portfolios", res.table, facts={
        **res.facts, "highest_churn": {**res.facts["highest_churn"], "p": 0.9}})
    assert "（差异在随机波动范围内，卡方检验 p = 0.900）" in accounts.summary_markdown(same, "zh")
    from kamlib.accounts._common import churn_difference_p

    assert churn_difference_p(pd.Series([5, 5]), pd.Series([50, 50])) == pytest.approx(1.0)
    assert churn_difference_p(pd.Series([40, 5]), pd.Series([50, 50])) < 0.001
