"""Figures for kamlib.value results."""
from __future__ import annotations

__all__: list[str] = []
