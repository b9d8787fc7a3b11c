"""What every analysis notebook does first and last, in one place: open the region's workbook with the
report theme, and list the warnings of the workbook and the results in the report's language.

Every notebook also carries its outline as static Markdown headings tagged ``kam-outline`` (:data:`OUTLINE_TAG`)
before the cells that display each section, so an analyst opening it in JupyterLab sees its table of contents
before running it; the report renderer drops those cells (the headings the code displays take their place),
and appends the data-quality section itself (:mod:`kamlib.report.quality`), so notebooks do not compute it.

Warnings reach the reader only through :func:`warnings_markdown`, never as stderr text: the text of a Python
warning depends on the process that issued it (temporary cell file names, which warnings a kernel already
showed once), so a report must not show them raw.
"""
from __future__ import annotations

import warnings
from typing import Any

from .errors import KamlibWarning
from .i18n import Message, render, tr, unique_messages

#: tag of a notebook's static outline headings (shown in JupyterLab, left out of the report)
OUTLINE_TAG = "kam-outline"


def start(params_file, run_cache=None, distribute: bool = False):
    """Open the workbook of ``params_file`` for a notebook and apply the figure theme of its language.

    kamlib warnings are silenced on stderr for the notebook: they are recorded on the workbook and on each
    result, and :func:`warnings_markdown` lists them in the report's Warnings section.

    Parameters
    ----------
    params_file, run_cache, distribute
        As injected by ``kam run`` into the notebook's ``parameters`` cell (see
        :func:`kamlib.workbook.open_workbook`).

    Returns
    -------
    Workbook
    """
    from . import plotting
    from .workbook import open_workbook

    warnings.filterwarnings("ignore", category=KamlibWarning)
    wb = open_workbook(params_file, run_cache, distribute=distribute)
    plotting.set_theme(wb.lang)
    return wb


def collect_warnings(*sources: Any) -> list[Message | str]:
    """The warnings of ``sources`` (a workbook, results, or lists of messages), each once, in order.

    Parameters
    ----------
    *sources : Workbook, result, list or tuple, or None
        Lists and tuples are taken as they are; anything else gives its ``warnings`` attribute (none when it
        has no such attribute); None is skipped.

    Returns
    -------
    list of Message or str
        Each distinct warning once, in the order first seen.

    >>> collect_warnings(["a", "b"], ["b", "c"])
    ['a', 'b', 'c']
    """
    items: list[Message | str] = []
    for src in sources:
        if src is not None:
            items.extend(src if isinstance(src, list | tuple) else getattr(src, "warnings", ()))
    return list(unique_messages(items))


def warnings_markdown(*sources: Any, lang: str = "zh") -> str:
    """A Markdown bullet list of the warnings of ``sources`` in ``lang`` ("None." when there are none).

    Parameters
    ----------
    *sources : Workbook, result, list or tuple, or None
        As in :func:`collect_warnings`.
    lang : {"zh", "en"}
        Report language of the messages.

    Returns
    -------
    str
        One ``- `` line per warning, or the "no warnings" text.

    >>> warnings_markdown([Message("i18n.not_reached")], lang="en")
    '- not reached'
    """
    notes = collect_warnings(*sources)
    if not notes:
        return tr("i18n.no_warnings", lang)
    return "\n".join("- " + render(n, lang) for n in notes)
