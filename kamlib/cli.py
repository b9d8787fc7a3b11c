"""The ``kam`` command line (also ``python -m kamlib``).

Each subcommand lives with its domain module, which provides ``add_arguments(parser)`` and
``cli(args) -> int`` (exit code); this file only wires them together and turns a :class:`KamlibError`
into a readable message and exit code 2 instead of a traceback.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from . import __version__
from .errors import KamlibError

#: subcommand -> (module providing add_arguments/cli, one-line help)
COMMANDS = {
    "demo": ("kamlib.demo", "write the seeded demo ledger (and its planted ground truth) to a folder"),
    "validate": ("kamlib.cli_validate",
                 "load, map and validate the ledger named by params files; print the data-quality summary"),
    "sample": ("kamlib.cli_sample",
               "plan a satisfaction survey: accounts per tier for a margin of error, and the contact list"),
    "run": ("kamlib.batch", "run every notebook for every params file and render the HTML report pack"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kam",
        description="kam-workbook: Key Account Management analytics. Typical use: `kam demo`, "
                    "`kam validate params/east.yaml`, `kam run`.")
    parser.add_argument("--version", action="version", version=f"kamlib {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, help_) in COMMANDS.items():
        p = sub.add_parser(name, help=help_, description=help_)
        importlib.import_module(module).add_arguments(p)
        p.set_defaults(_module=module)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``kam`` command line; a :class:`KamlibError` is printed as one line, not a traceback.

    Parameters
    ----------
    argv : list of str, optional
        Arguments without the program name; default ``sys.argv[1:]``.

    Returns
    -------
    int
        Exit status: the subcommand's (0 = success), 2 on a KamlibError or with no subcommand, 130 on Ctrl-C.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        return int(importlib.import_module(args._module).cli(args) or 0)
    except KamlibError as e:
        print(f"kam {args.command}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"kam {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
