"""Every page of a report pack reads right for leadership, in both languages, on any machine (issue 19).

One ``kam run`` renders the small demo pack in zh (east) and en (west) and, when the shared data is there,
the online-retail export; every HTML page is then checked for what a reader must never see (Python reprs,
nan / inf, snake_case headers, a positional index column, English sentences on a Chinese page) and what it
must have (a data-quality section, an embedded CJK font on Chinese pages), and every file under the report
folder for personal data (phone numbers, e-mail addresses).
"""
from __future__ import annotations

import html as html_lib
import re
import shutil
from pathlib import Path

import pytest

from kamlib import batch
from kamlib.batch.common import state_dir
from kamlib.demo import write_demo
from tests.helpers import ROOT, SHARED_RETAIL, SMALL_DEMO_CUSTOMERS

pytestmark = pytest.mark.slow

ANALYSES = ("value_assessment", "segmentation", "churn_survival", "satisfaction")
REGIONS = {"east": "zh", "west": "en", "online_retail": "en"}

_PARAMS = """region: {region}
title: {title}
language: {lang}
data:
  orders: {d}/orders.csv
  customers: {d}/customers.csv
  invoices: {d}/invoices.csv
  surveys: {d}/surveys.csv
satisfaction:
  constructs:
    产品: [q_product_quality, q_product_reliability]
    服务: [q_service_response, q_service_expertise]
    交付: [q_delivery_ontime, q_delivery_accuracy]
    价格: [q_price_value]
filter:
  region: [{filter}]
"""


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    root = tmp_path_factory.mktemp("pages")
    data = root / "demo"
    write_demo(data, n_customers=SMALL_DEMO_CUSTOMERS, seed=0)
    pdir = root / "params"
    pdir.mkdir()
    files = []
    for region, title, lang, flt in (("east", "华东大区", "zh", "华东"), ("west", "West Region", "en", "西部")):
        f = pdir / f"{region}.yaml"
        f.write_text(_PARAMS.format(region=region, title=title, lang=lang, d=data.as_posix(), filter=flt),
                     encoding="utf-8")
        files.append(f)
    if SHARED_RETAIL.exists():
        text = (ROOT / "params" / "examples" / "online_retail.yaml").read_text(encoding="utf-8")
        f = pdir / "online_retail.yaml"
        f.write_text(text.replace("../../../shared/data/online_retail_sample.xlsx", SHARED_RETAIL.as_posix()),
                     encoding="utf-8")
        files.append(f)
    out = root / "reports"
    res = batch.run(files, [ROOT / "notebooks" / f"{n}.ipynb" for n in ANALYSES], out=out, workers=2,
                    progress=False, lang="zh")
    assert res.ok, [(j["id"], j.get("reason")) for j in res.failed]
    return out


def _pages() -> list[tuple[str, str]]:
    regions = [r for r in REGIONS if r != "online_retail" or SHARED_RETAIL.exists()]
    return [(r, p) for r in regions for p in ("report", *ANALYSES)] + [("", "index")]


_STYLE = re.compile(r"<style\b.*?</style>|<head\b.*?</head>", re.S | re.I)
_FOOTER = re.compile(r'<footer class="kam-provenance".*?</footer>', re.S)
_TAG = re.compile(r"<[^>]+>")


def _text(page: str, footer: bool = False) -> str:
    """The visible text of a page (styles, embedded data and, unless ``footer``, the provenance left out)."""
    page = _STYLE.sub(" ", page)
    if not footer:
        page = _FOOTER.sub(" ", page)
    return html_lib.unescape(_TAG.sub(" ", page))


def _read(out: Path, region: str, page: str) -> str:
    path = out / "index.html" if page == "index" else out / region / f"{page}.html"
    assert path.exists(), path
    return path.read_text(encoding="utf-8")


SNAKE = re.compile(r"^[a-z]+(?:_[a-z0-9]+)+$")
#: four Latin words in a row: a sentence (names such as "Cox", "k-means", "NPS" or "CSAT" stand alone)
ENGLISH = re.compile(r"\b[A-Za-z]{2,}(?:[ ,]+[A-Za-z]{2,}){3,}\b")

@pytest.mark.parametrize(("region", "page"), _pages())
def test_page_reads_right(pack, region, page):
    text = _read(pack, region, page)
    lang = "zh" if page == "index" or REGIONS.get(region) == "zh" else "en"
    if page == "index":
        lang = "zh" if 'lang="zh-CN"' in text else "en"
    visible = _text(text)
    problems = []
    # no Python repr of a plotting object
    if re.search(r"<(?:Axes|Figure|matplotlib)\b|\bobject at 0x[0-9a-f]+", visible):
        problems.append("python repr: " + re.search(r".{0,40}(?:<Axes|<Figure|<matplotlib|object at 0x).{0,40}",
                                                    visible).group(0))
    # no nan / inf
    m = re.search(r".{0,40}\b(?:nan|NaN|NaT|inf|-inf|Infinity|None)\b.{0,40}", visible)
    if m:
        problems.append(f"nan/inf: {m.group(0)!r}")
    # headers are labels, never code names
    for th in re.findall(r"<th\b[^>]*>(.*?)</th>", text, re.S):
        label = html_lib.unescape(_TAG.sub("", th)).strip()
        if SNAKE.match(label):
            problems.append(f"snake_case header {label!r}")
    # no positional index column (row headers 0, 1, 2, ...)
    for body in re.findall(r"<tbody\b[^>]*>(.*?)</tbody>", text, re.S):
        firsts = re.findall(r"<tr\b[^>]*>\s*<th\b[^>]*>\s*([^<]*?)\s*</th>", body)
        if len(firsts) >= 2 and firsts == [str(i) for i in range(len(firsts))]:
            problems.append("positional index column")
    if lang == "zh":
        problems += [f"English sentence on a zh page: {m!r}" for m in dict.fromkeys(ENGLISH.findall(visible))]
    assert not problems, problems


@pytest.mark.parametrize(("region", "page"), _pages())
def test_page_has_data_quality_and_font(pack, region, page):
    text = _read(pack, region, page)
    if page != "index":
        assert 'id="kam-data-quality"' in text
        assert ('href="#kam-data-quality"' in text), "the contents link the data-quality section"
    if page == "index" and 'lang="zh-CN"' not in text:
        return
    if page == "index" or REGIONS[region] == "zh":
        assert '@font-face{font-family:"KamCJK"' in text and "url(data:font/woff;base64," in text
        assert '"KamCJK"' in text.split("@font-face", 1)[0]   # the stylesheet lists the family first


def test_index_one_row_per_region_in_one_language(pack):
    text = (pack / "index.html").read_text(encoding="utf-8")
    assert 'lang="zh-CN"' in text   # kam run --lang zh, although most regions report in English
    for region in [r for r in REGIONS if r != "online_retail" or SHARED_RETAIL.exists()]:
        assert text.count(f'<div class="muted">{region}</div>') == 1, region


def test_data_quality_section_counts_the_exclusions(pack):
    if not SHARED_RETAIL.exists():
        pytest.skip("shared retail data not available")
    text = _text((pack / "online_retail" / "value_assessment.html").read_text(encoding="utf-8"))
    section = text[text.index("Data quality"):]
    for needle in ("Rows read and excluded", "cancelled order", "kept for the analyses", "Amount (GBP)"):
        assert needle in section, needle


PHONE = re.compile(r"(?<![A-Za-z0-9+/])1[3-9]\d{9}(?![A-Za-z0-9+/])")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+\.[A-Za-z0-9.-]*[A-Za-z]")


def test_no_personal_data_under_the_report_folder(pack):
    files = [f for f in pack.rglob("*") if f.is_file()]
    assert files and not any(part.startswith(".") for f in files for part in f.relative_to(pack).parts)
    assert {f.suffix for f in files} <= {".html", ".pdf"}
    for f in files:
        text = f.read_bytes().decode("utf-8", errors="replace")
        assert not PHONE.search(text), (f, PHONE.search(text))
        assert not EMAIL.search(text), (f, EMAIL.search(text))
    # the run state (which does hold the raw data) lives beside the folder, not inside it
    assert (state_dir(pack) / "manifest.json").exists() and not (pack / ".kam").exists()


def test_state_folder_can_be_removed(pack, tmp_path):
    """Zipping reports/ ships exactly the pages: a copy of the folder alone opens (no links into the state)."""
    copy = tmp_path / "reports"
    shutil.copytree(pack, copy)
    index = (copy / "index.html").read_text(encoding="utf-8")
    for href in re.findall(r'href="([^"#]+)"', index):
        assert (copy / href).exists(), href
