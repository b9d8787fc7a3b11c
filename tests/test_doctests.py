"""The examples in the docstrings run and give what they show (``doctest.testmod`` per module)."""
from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "kamlib.value.aggregates",
    "kamlib.value.inequality",
    "kamlib.value.pareto",
    "kamlib.segmentation.fitting",
    "kamlib.segmentation.labels",
    "kamlib.i18n",
    "kamlib.webfont",
    "kamlib.notebook",
    "kamlib.validation",
    "kamlib.satisfaction.surveys",
    "kamlib.satisfaction.scores",
    "kamlib.satisfaction.labels",
    "kamlib.satisfaction.comparisons",
    "kamlib.survival.landmark",
    "kamlib.survival.cox_model",
    "kamlib.demo",
    "kamlib.io.accounts",
    "kamlib.io._sql",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    res = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert res.attempted > 0, f"{name} has no docstring example"
    assert res.failed == 0, f"{res.failed} of {res.attempted} docstring examples failed in {name}"
