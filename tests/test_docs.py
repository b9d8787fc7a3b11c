"""The README is for a new user: short, current, and every link or section it names exists."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_is_short():
    assert len(README.encode("utf-8")) <= 12_500


def test_readme_links_point_at_files_that_exist():
    links = re.findall(r"\]\(([^)#]+)\)", README)
    assert links, "the README links its docs"
    missing = [link for link in links if not link.startswith("http") and not (ROOT / link).exists()]
    assert missing == []


def test_readme_holds_no_history():
    history = r"\b(?:measured|on|since) 20\d\d-\d\d-\d\d|this session|the evening|tried, not kept"
    dated = re.findall(history, README, re.I)
    assert dated == []


def test_code_references_to_readme_sections_exist():
    headings = {h.strip().lower() for h in re.findall(r"^#+ (.+)$", README, re.M)}
    cited = set()
    for path in (ROOT / "kamlib").rglob("*.py"):
        cited |= {m.lower() for m in re.findall(r"README '([^']+)'", path.read_text(encoding="utf-8"))}
    assert cited <= headings, cited - headings
