"""Clean-ups of notebook outputs for reading: no Python reprs, no positional index, numbers right-aligned."""
from __future__ import annotations

import re

#: tag of the static outline headings of a notebook (shown in JupyterLab, not in the report)
from ..notebook import OUTLINE_TAG as OUTLINE_TAG

_REPR_ITEM = r"<(?:Axes|Figure|AxesSubplot|matplotlib\.[\w.]+|seaborn\.[\w.]+|[\w.]+ object at 0x[0-9a-fA-F]+)\b[^<>]*>"
_PYTHON_REPR = re.compile(rf"\s*(?:\(|\[)?\s*(?:{_REPR_ITEM}\s*,?\s*)+(?:\)|\])?\s*")


_TABLE = re.compile(r"<table\b.*?</table>", re.S | re.I)
_TBODY = re.compile(r"<tbody\b[^>]*>(.*?)</tbody>", re.S | re.I)
_ROW = re.compile(r"<tr\b[^>]*>(.*?)</tr>", re.S | re.I)
_FIRST_TH = re.compile(r"^\s*<th\b[^>]*>\s*(.*?)\s*</th>", re.S | re.I)


def _drop_first_th(row_html: str) -> str:
    return _FIRST_TH.sub("", row_html, count=1)


def drop_positional_index(fragment: str) -> str:
    """Remove a pandas positional index (a first column of row headers 0, 1, 2, … under an empty header)
    from every table of ``fragment``: it means nothing to a reader. Labelled row headers are kept.

    Parameters
    ----------
    fragment : str
        HTML holding zero or more ``<table>`` elements.

    Returns
    -------
    str
    """
    def fix(m: re.Match) -> str:
        table = m.group(0)
        body = _TBODY.search(table)
        if body is None:
            return table
        rows = _ROW.findall(body.group(1))
        firsts = [_FIRST_TH.match(r) for r in rows]
        if not rows or not all(firsts) or [f.group(1) for f in firsts if f] != [str(i) for i in range(len(rows))]:
            return table
        head_end = body.start()
        head = _ROW.sub(lambda r: r.group(0).replace(r.group(1), _drop_first_th(r.group(1)), 1)
                        if (f := _FIRST_TH.match(r.group(1))) and f.group(1) in ("", "&nbsp;") else r.group(0),
                        table[:head_end])
        tbody = _ROW.sub(lambda r: r.group(0).replace(r.group(1), _drop_first_th(r.group(1)), 1),
                         body.group(0))
        return head + tbody + table[body.end():]

    return _TABLE.sub(fix, fragment)


_TD = re.compile(r"<td\b([^>]*)>([^<]*)</td>", re.I)
#: a cell that is a number as the reports format it: 1,234 / -3.5% / 4.71亿 / 12.3万 / 1.2M / — / <0.001
_NUMBER = re.compile(r"\s*(?:[-+−]?[$£¥€]?\d[\d,]*(?:\.\d+)?\s*(?:%|万|亿|k|M|B|元|s|天|个月|年)?|—|&lt;0\.001|n/a)\s*")


def mark_numbers(fragment: str) -> str:
    """Give every table cell that holds only a number the class ``kam-num`` (right-aligned by the
    stylesheet; text cells such as account names stay left-aligned).

    Parameters
    ----------
    fragment : str
        HTML holding zero or more tables.

    Returns
    -------
    str
    """
    def mark(m: re.Match) -> str:
        attrs, text = m.group(1), m.group(2)
        if not _NUMBER.fullmatch(text):
            return m.group(0)
        if 'class="' in attrs:
            marked = attrs.replace('class="', 'class="kam-num ', 1)
            return f"<td{marked}>{text}</td>"
        return f'<td{attrs} class="kam-num">{text}</td>'

    return _TD.sub(mark, fragment)


def is_python_repr(text: str) -> bool:
    """Whether a plain-text output is only the repr of plotting objects (or of objects ``at 0x…``).

    Parameters
    ----------
    text : str
        A ``text/plain`` output.

    Returns
    -------
    bool

    Examples
    --------
    >>> is_python_repr("<Axes: xlabel='月份', ylabel='收入'>"), is_python_repr("[<matplotlib.lines.Line2D at 0x7f>]")
    (True, True)
    >>> is_python_repr("12 accounts")
    False
    """
    return bool(_PYTHON_REPR.fullmatch(text))
