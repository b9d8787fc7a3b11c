"""An embedded CJK web font for the HTML reports.

A Chinese report opened on a machine without CJK fonts shows every Chinese character as a box. The figures
embed their glyphs already (matplotlib draws them), the page text does not. :func:`cjk_font_face` returns a
CSS ``@font-face`` rule whose font is a subset of Noto Sans CJK SC (OFL, shipped by the ``mplfonts``
package) holding only the characters the page uses, as a base64 WOFF data URL, so the page stays
self-contained and offline.
"""
from __future__ import annotations

import base64
import functools
import io
import re
from importlib import resources
from pathlib import Path

from .errors import KamlibError

#: the family name the report stylesheets list before the system CJK fonts
FAMILY = "KamCJK"
FONT_FILE = "NotoSansCJKsc-Regular.otf"

#: characters the subset holds when the page uses them: CJK ideographs and punctuation, fullwidth forms,
#: and the typographic symbols the Latin fallback fonts of a bare machine may lack
_NEEDS_FONT = re.compile(r"[\u2000-\u206f\u2190-\u21ff\u2460-\u24ff\u2500-\u27bf\u3000-\u303f\u3040-\u30ff"
                         r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef¥·×÷]")
_TAG = re.compile(r"<[^>]*>")
_DATA_URL = re.compile(r"data:[a-z/+-]+;base64,[A-Za-z0-9+/=]+")


def font_path() -> Path:
    """Path of the bundled Noto Sans CJK SC font."""
    path = Path(str(resources.files("mplfonts") / "fonts" / FONT_FILE))
    if not path.exists():
        raise KamlibError(f"the CJK font {FONT_FILE} is missing from the mplfonts package; reinstall kamlib "
                          "(pip install -e .)")
    return path


@functools.lru_cache(maxsize=1)
def _font_bytes() -> bytes:
    return font_path().read_bytes()


def characters(html: str) -> str:
    """The sorted distinct characters of ``html``'s text that need the CJK font (tags and data URLs left out).

    Parameters
    ----------
    html : str
        An HTML page or fragment.

    Returns
    -------
    str
        The characters in code-point order ('' when the page needs no CJK font).

    >>> characters('<p title="x">客户 ABC，客户</p>')
    '客户，'
    """
    text = _TAG.sub(" ", _DATA_URL.sub("", html))
    return "".join(sorted(set(_NEEDS_FONT.findall(text)), key=ord))


def subset_woff(chars: str) -> bytes:
    """A WOFF font with the glyphs of ``chars`` (zlib-compressed; no brotli dependency).

    Parameters
    ----------
    chars : str
        The characters whose glyphs the font keeps (see :func:`characters`).

    Returns
    -------
    bytes
        The WOFF file; the same ``chars`` give the same bytes.

    Raises
    ------
    KamlibError
        The bundled font is missing from the ``mplfonts`` package.
    """
    from fontTools import subset
    from fontTools.ttLib import TTFont

    # recalcTimestamp=False: the same characters give the same bytes (saving would stamp the current time)
    font = TTFont(io.BytesIO(_font_bytes()), lazy=False, recalcTimestamp=False)
    options = subset.Options()
    options.flavor = "woff"
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False
    options.desubroutinize = True
    sub = subset.Subsetter(options)
    sub.populate(unicodes={ord(c) for c in chars})
    sub.subset(font)
    out = io.BytesIO()
    font.flavor = "woff"
    font.save(out)
    return out.getvalue()


def cjk_font_face(html: str) -> str:
    """CSS ``@font-face`` for the characters ``html`` uses; empty when it uses none.

    Parameters
    ----------
    html : str
        The page whose text the font must cover.

    Returns
    -------
    str
        One CSS rule for family :data:`FAMILY` with a base64 WOFF data URL, or ''.

    Raises
    ------
    KamlibError
        The page needs the font and the bundled font is missing.
    """
    chars = characters(html)
    if not chars:
        return ""
    data = base64.b64encode(subset_woff(chars)).decode("ascii")
    return (f'@font-face{{font-family:"{FAMILY}";font-style:normal;font-weight:100 900;'
            f'src:url(data:font/woff;base64,{data}) format("woff");}}')


def embed_font(page: str) -> str:
    """``page`` with an ``@font-face`` holding the CJK glyphs it uses, in a ``<style>`` at the end of its
    ``<head>`` (the report stylesheets list :data:`FAMILY` first); unchanged when it uses none.

    Parameters
    ----------
    page : str
        A whole HTML page (with a ``</head>``).

    Returns
    -------
    str

    Raises
    ------
    KamlibError
        The page needs the font and the bundled font is missing.
    """
    face = cjk_font_face(page)
    if not face:
        return page
    return page.replace("</head>", f"<style>{face}</style></head>", 1)
