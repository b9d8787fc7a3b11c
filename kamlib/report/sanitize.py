"""The allow-list HTML sanitizer every notebook output goes through, and the final safety scan of a page."""
from __future__ import annotations

import html
import re
from html.parser import HTMLParser

# ------------------------------------------------------------------------------------------- sanitizer

#: tags kept as markup; anything else is shown as text
ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del", "details", "div",
    "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins",
    "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "small", "span", "strong", "style", "sub", "summary",
    "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul"})
VOID_TAGS = frozenset({"br", "col", "hr", "img"})
ALLOWED_ATTRS = frozenset({
    "align", "alt", "border", "class", "colspan", "dir", "headers", "height", "href", "id", "lang", "open",
    "rowspan", "scope", "span", "src", "start", "style", "title", "type", "valign", "width"})
_DATA_IMAGE = re.compile(r"^data:image/(png|jpeg|gif);base64,[A-Za-z0-9+/=\s]*$")
#: CSS that can fetch or run something (external fonts/images, old IE expressions, behaviours)
_UNSAFE_CSS = re.compile(r"url\s*\(|@import|expression\s*\(|javascript:|behavior\s*:|-moz-binding", re.I)


class _Sanitizer(HTMLParser):
    def __init__(self, headings: list | None):
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []
        self.stack: list[str] = []
        self.headings = headings
        self._heading: list | None = None  # [level, id, text parts]
        self._in_style = False
        self._in_escaped_raw = False  # inside <script>/<textarea>... shown as text

    # -- tags
    def _attrs(self, tag: str, attrs) -> str | None:
        kept = []
        for name, value in attrs:
            name = name.lower()
            value = "" if value is None else value
            if name not in ALLOWED_ATTRS:
                continue
            v = value.strip()
            if name == "href" and not v.startswith("#"):
                continue
            if name == "src" and not (tag == "img" and _DATA_IMAGE.match(v)):
                continue
            if name == "style" and _UNSAFE_CSS.search(html.unescape(v)):
                continue
            kept.append(f' {name}="{html.escape(value, quote=True)}"')
        return "".join(kept)

    def handle_starttag(self, tag, attrs):
        tag = tag.lower()
        if tag not in ALLOWED_TAGS:
            self.out.append(html.escape(self.get_starttag_text() or f"<{tag}>"))
            self._in_escaped_raw = tag in ("script", "textarea", "title", "xmp", "noscript", "iframe")
            return
        if tag == "img" and not any(n.lower() == "src" and _DATA_IMAGE.match((v or "").strip()) for n, v in attrs):
            return  # an image that is not embedded would be fetched from somewhere: drop it
        if tag == "style":
            self._in_style = True
        if tag in ("h1", "h2", "h3") and self.headings is not None:
            hid = next((v for n, v in attrs if n.lower() == "id" and v), None)
            used = {h[1] for h in self.headings}
            if hid is None or hid in used:  # combined reports repeat headings such as "Warnings"
                base, k = hid or "kam-h", 2 if hid else len(self.headings) + 1
                while f"{base}-{k}" in used:
                    k += 1
                hid = f"{base}-{k}"
                attrs = [(n, v) for n, v in attrs if n.lower() != "id"] + [("id", hid)]
            self._heading = [int(tag[1]), hid, []]
        self.out.append(f"<{tag}{self._attrs(tag, attrs)}>")
        if tag not in VOID_TAGS:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        tag = tag.lower()
        if tag in ALLOWED_TAGS and tag not in VOID_TAGS and self.stack and self.stack[-1] == tag:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        tag = tag.lower()
        if tag not in ALLOWED_TAGS:
            self.out.append(html.escape(f"</{tag}>"))
            self._in_escaped_raw = False
            return
        if tag in VOID_TAGS or tag not in self.stack:
            return  # stray end tag: drop rather than unbalance the page
        while self.stack:
            top = self.stack.pop()
            self.out.append(f"</{top}>")
            if top == "style":
                self._in_style = False
            if top in ("h1", "h2", "h3") and self._heading is not None:
                level, hid, parts = self._heading
                text = " ".join("".join(parts).replace("¶", "").split())
                self.headings.append((level, hid, text))
                self._heading = None
            if top == tag:
                break

    # -- content
    def handle_data(self, data):
        if self._in_style:
            if not _UNSAFE_CSS.search(data):
                self.out.append(data.replace("</", "<\\/"))
            return
        if self._heading is not None:
            self._heading[2].append(data)
        self.out.append(html.escape(data, quote=False))

    def handle_entityref(self, name):
        ref = f"&{name};"
        if self._heading is not None:
            self._heading[2].append(html.unescape(ref))
        self.out.append(ref if html.unescape(ref) != ref else html.escape(ref))

    def handle_charref(self, name):
        ref = f"&#{name};"
        if self._heading is not None:
            self._heading[2].append(html.unescape(ref))
        self.out.append(ref if re.fullmatch(r"x[0-9a-fA-F]+|[0-9]+", name) else html.escape(ref))

    def handle_comment(self, data):  # comments can hide conditional markup: drop
        pass

    def handle_decl(self, decl):
        pass

    def handle_pi(self, data):
        pass

    def unknown_decl(self, data):
        pass

    def close(self):
        super().close()
        while self.stack:
            self.handle_endtag(self.stack[-1])


def sanitize_html(fragment: str, headings: list | None = None) -> str:
    """Allow-list HTML sanitizer for notebook outputs.

    Keeps structural and table markup (``table``, ``th``, ``td``, headings, lists, ``img`` with a ``data:``
    image, ``style`` without ``url()``/``@import``) with a small set of attributes; every other tag is
    escaped so that it *shows as text* (``<script>alert(1)</script>`` is displayed, never run). Event
    handler attributes (``on…=``), external ``src``/``href`` and comments are dropped.

    Parameters
    ----------
    fragment : str
        HTML produced by a notebook output (DataFrame repr, Styler, rendered Markdown).
    headings : list, optional
        When given, ``(level, id, text)`` of every ``h1``-``h3`` is appended (ids are added when missing),
        for the table of contents.
    """
    p = _Sanitizer(headings)
    p.feed(fragment)
    p.close()
    return "".join(p.out)


def markdown_to_html(source: str, headings: list | None = None) -> str:
    """Markdown (narrative, headings) -> sanitized HTML with heading anchors.

    Parameters
    ----------
    source : str
        Markdown text of a cell.
    headings : list, optional
        When given, ``(level, id, text)`` of every ``h1``-``h3`` is appended, for the table of contents.

    Returns
    -------
    str
    """
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    return sanitize_html(markdown2html_mistune(source), headings)


# ---------------------------------------------------------------------------------------- safety scan

_SCRIPT = re.compile(r"<\s*script\b", re.I)
_ON_ATTR = re.compile(r"<[^>]*\s(on[a-z]+)\s*=", re.I)
#: inside a tag only: escaped text (``&lt;img src='http://…'&gt;``) is harmless and must not count
_EXTERNAL = re.compile(r"""<[^<>]*\s(?:src|href|action|formaction|data|poster|srcset)\s*=\s*["']?\s*(?:https?:)?//""",
                       re.I)
_CSS_URL = re.compile(r"url\(\s*['\"]?\s*(?:https?:)?//|@import", re.I)
_STYLE_BLOCK = re.compile(r"<style\b[^>]*>(.*?)</style>|<[^<>]*\sstyle\s*=\s*\"([^\"]*)\"", re.S | re.I)
#: the one url() a page may hold: the embedded CJK font the renderer adds (kamlib.webfont)
_CSS_OTHER_URL = re.compile(r"url\((?!data:font/woff;base64,[A-Za-z0-9+/=]+\) format\(\"woff\"\))", re.I)


def scan_html(text: str) -> list[str]:
    """Problems that make a report unsafe or not offline: script tags, ``on…=`` handlers, external URLs.

    Returns an empty list for a clean report (used by the tests and by ``kam run`` as a last check).

    Parameters
    ----------
    text : str
        A whole report page.

    Returns
    -------
    list of str
        One line per problem, with its position.
    """
    problems = []
    for m in _SCRIPT.finditer(text):
        problems.append(f"script tag at {m.start()}: {text[m.start():m.start() + 60]!r}")
    for m in _ON_ATTR.finditer(text):
        problems.append(f"event handler attribute {m.group(1)!r} at {m.start()}")
    for m in _EXTERNAL.finditer(text):
        problems.append(f"external URL at {m.start()}: {text[m.start():m.start() + 80]!r}")
    for m in _CSS_URL.finditer(text):
        problems.append(f"external CSS resource at {m.start()}: {text[m.start():m.start() + 80]!r}")
    for m in _STYLE_BLOCK.finditer(text):   # CSS only: a url( in the page's text is harmless
        css = m.group(1) or m.group(2) or ""
        for u in _CSS_OTHER_URL.finditer(css):
            problems.append(f"CSS url() other than the embedded font at {m.start()}: "
                            f"{css[u.start():u.start() + 80]!r}")
    return problems
