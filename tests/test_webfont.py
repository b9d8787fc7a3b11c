"""The embedded CJK font holds exactly the characters a page uses."""
from __future__ import annotations

import base64
import io
import re

from fontTools.ttLib import TTFont

from kamlib import webfont


def test_characters_skip_tags_and_images():
    html = '<p class="客">客户 ABC，<img src="data:image/png;base64,5a6i5oi3"/>价值</p>'
    assert webfont.characters(html) == "价值客户，"


def test_font_face_embeds_a_subset_with_the_page_glyphs():
    css = webfont.cjk_font_face("<h1>客户价值评估</h1><td>4.71亿</td>")
    data = re.search(r"base64,([A-Za-z0-9+/=]+)", css)
    assert data is not None and webfont.FAMILY in css
    font = TTFont(io.BytesIO(base64.b64decode(data.group(1))))
    cmap = font.getBestCmap()
    assert {ord(c) for c in "客户价值评估亿"} <= set(cmap)
    assert ord("流") not in cmap
    assert len(data.group(1)) < 40_000


def test_no_font_for_pages_without_cjk_text():
    assert webfont.cjk_font_face("<p>Revenue 1.2M</p>") == ""


def test_subset_is_deterministic():
    """The same characters give the same font bytes (reports of two runs compare equal)."""
    import time

    first = webfont.subset_woff("客户流失")
    time.sleep(1.1)   # the font's modified stamp has a one-second resolution
    assert webfont.subset_woff("客户流失") == first
