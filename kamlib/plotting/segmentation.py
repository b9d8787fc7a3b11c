"""Figures for kamlib.segmentation results."""
from __future__ import annotations

__all__: list[str] = []
