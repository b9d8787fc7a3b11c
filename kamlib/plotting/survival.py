"""Figures for kamlib.survival results."""
from __future__ import annotations

__all__: list[str] = []
