"""Constants shared by several test modules (import them from here; conftest.py only holds fixtures)."""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED_RETAIL = ROOT.parent / "shared" / "data" / "online_retail_sample.xlsx"

#: small enough for fast tests, large enough for the planted effects to be recoverable
SMALL_DEMO_CUSTOMERS = 400
