"""Figures for kamlib.satisfaction results."""
from __future__ import annotations

__all__: list[str] = []
