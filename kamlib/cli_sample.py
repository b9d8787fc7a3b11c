"""``kam sample``: plan a satisfaction survey for one region and write the contact list of the accounts to call
(:func:`kamlib.accounts.survey_sample`)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .errors import KamlibError
from .i18n import column_label, tier_label, tr

__all__ = ["add_arguments", "cli", "contact_frame"]


def add_arguments(parser) -> None:
    """Arguments of ``kam sample``.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The ``kam sample`` subcommand parser; arguments and epilog are set in place.
    """
    import argparse

    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = (
        "Loads the region's workbook, works out how many active accounts to survey in each tier for the\n"
        "stated margin of error (textbook n = z²S²/e², finite-population corrected; proportional allocation,\n"
        "every tier raised to its own minimum), draws them with a fixed seed and writes the contact list\n"
        "(CSV, UTF-8 with BOM so Excel shows Chinese correctly). Prints the per-tier table.\n\n"
        "examples:\n  kam sample params/east.yaml --margin 0.05 --out contacts.csv\n"
        "  kam sample params/east.yaml --margin 0.05 --measure nps --response-rate 0.4 --out contacts.csv")
    parser.add_argument("params", metavar="PARAMS", help="the region's params file")
    parser.add_argument("--margin", type=float, default=0.05,
                        help="margin of error as a fraction: 0.05 = ±5 points of CSAT or NPS (default 0.05)")
    parser.add_argument("--measure", choices=("csat", "nps"), default="csat", help="what the survey measures")
    parser.add_argument("--confidence", type=float, default=0.95, help="confidence level (default 0.95)")
    parser.add_argument("--expected-share", type=float, default=0.5,
                        help="CSAT: expected satisfied share (default 0.5, the worst case)")
    parser.add_argument("--response-rate", type=float, default=1.0,
                        help="expected share of drawn accounts that answer (default 1)")
    parser.add_argument("--by", default="tier", help="stratum column (default tier)")
    parser.add_argument("--seed", type=int, default=None, help="seed of the draw (default: params random_state)")
    parser.add_argument("--out", default="contacts.csv", help="contact list to write (default contacts.csv)")


def contact_frame(wb) -> pd.DataFrame:
    """The workbook's customer frame with the ledger's contact columns (contact_name, phone, email).

    Parameters
    ----------
    wb : kamlib.workbook.Workbook
        An opened region workbook.

    Returns
    -------
    DataFrame
        ``wb.customers`` indexed by customer id as str, plus any contact column the ledger has and the frame
        lacks (the frame itself when there is none).
    """
    cust = wb.ledger.customers
    extra = [c for c in ("contact_name", "phone", "email") if c in cust and c not in wb.customers]
    if not extra:
        return wb.customers
    info = cust.set_index(cust["customer_id"].astype(str))[extra]
    frame = wb.customers.copy()
    frame.index = frame.index.astype(str)
    return frame.join(info, how="left")


def cli(args) -> int:
    """Run ``kam sample``; returns 0 when the list was written.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed ``kam sample`` arguments (see :func:`add_arguments`).

    Returns
    -------
    int

    Raises
    ------
    KamlibError
        If the workbook cannot be opened (params or data errors) or the contact list cannot be written.
    """
    from .accounts import survey_sample
    from .workbook import open_workbook

    wb = open_workbook(args.params)
    seed = args.seed if args.seed is not None else wb.params.random_state
    res = survey_sample(contact_frame(wb), margin=args.margin, measure=args.measure, confidence=args.confidence,
                        by=args.by, random_state=seed, expected_share=args.expected_share,
                        response_rate=args.response_rate)
    out = Path(args.out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        res.contacts.to_csv(out, index=False, encoding="utf-8-sig")
    except OSError as e:
        raise KamlibError(f"cannot write the contact list to {out}: {e}") from e
    t = res.table.drop(columns="variance")
    # the table in the region's language, as the sentence below it
    t = t.rename(columns=lambda c: column_label(str(c), wb.lang, domain="accounts", default=str(c)),
                 index=lambda v: tier_label(v, wb.lang) if v != "total" else tr("accounts.total", wb.lang))
    t.index.name = column_label(t.index.name or "tier", wb.lang, default=t.index.name or "")
    print(f"== {wb.params.region}: {wb.title} (as of {wb.as_of.date()})")
    print(t.to_string())
    print(res.sentence(wb.lang))
    print(f"wrote {len(res.contacts):,} accounts to {out}")
    return 0
