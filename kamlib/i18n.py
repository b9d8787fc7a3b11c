"""Report language (``zh`` / ``en``): headings, labels and tier names for notebooks and reports.

Each domain module owns its own texts in a module-level ``LABELS`` dict whose keys start with the module
name (``"value.title": {"zh": "客户价值评估", "en": "Customer value assessment"}``), so adding a text never
touches another module. :func:`tr` looks a key up in the owning module.
"""
from __future__ import annotations

import importlib

from .errors import KamlibError

LANGS = ("zh", "en")

#: texts shared by every report
LABELS: dict[str, dict[str, str]] = {
    "i18n.core": {"zh": "核心", "en": "core"},
    "i18n.key": {"zh": "重点", "en": "key"},
    "i18n.ordinary": {"zh": "一般", "en": "ordinary"},
    "i18n.new": {"zh": "新增", "en": "new"},
    "i18n.lost": {"zh": "流失", "en": "lost"},
    "i18n.data_quality": {"zh": "数据质量", "en": "Data quality"},
    "i18n.warnings": {"zh": "注意事项", "en": "Warnings"},
    "i18n.not_estimable": {"zh": "样本不足，无法估计", "en": "not estimable (sample too small)"},
    "i18n.not_reached": {"zh": "未达到", "en": "not reached"},
    "i18n.unavailable": {"zh": "无数据", "en": "unavailable"},
}

TIERS = ("core", "key", "ordinary")


def tr(key: str, lang: str = "zh") -> str:
    """The text of ``key`` (``"<module>.<name>"``) in ``lang``.

    Raises
    ------
    KamlibError
        When the language or the key is unknown (a programming error that a test should catch).
    """
    if lang not in LANGS:
        raise KamlibError(f"unknown report language {lang!r}; use one of {', '.join(LANGS)} "
                          "('language:' in the params file)")
    module, _, _ = key.partition(".")
    labels = LABELS if module == "i18n" else getattr(importlib.import_module(f"kamlib.{module}"), "LABELS", {})
    try:
        return labels[key][lang]
    except KeyError:
        raise KamlibError(f"no {lang!r} text for {key!r}: add it to LABELS in kamlib/{module}.py") from None


def tier_label(code, lang: str = "zh") -> str:
    """'core' -> '核心' (zh) / 'core' (en); other values pass through unchanged."""
    return tr(f"i18n.{code}", lang) if code in TIERS or code in ("new", "lost") else str(code)
