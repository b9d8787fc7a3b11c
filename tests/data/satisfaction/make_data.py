"""Produce the known-answer inputs of tests/test_satisfaction.py (run from the repo root:
``.venv/bin/python tests/data/satisfaction/make_data.py``). Only reshapes / copies published data files;
the expected numbers in expected.json are typed in from the sources listed in README.md, not computed here.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent

# 1. pingouin's `cronbach_alpha` dataset (long: Subj, Items, Scores) -> wide, one column per item
long = pd.read_csv(HERE / "cronbach_pingouin_long.csv")
wide = long.pivot(index="Subj", columns="Items", values="Scores")
wide = wide[[f"Q{i}" for i in range(1, 11)]]
wide.to_csv(HERE / "cronbach_pingouin_wide.csv")

# 2. UCLA ologit data (400 students: apply, pared, public, gpa), as shipped in statsmodels' test suite
try:
    import statsmodels.miscmodels.tests.results as res

    src = Path(res.__file__).resolve().parent / "ologit_ucla.csv"
    if src.exists():
        shutil.copyfile(src, HERE / "ologit_ucla.csv")
except ImportError:  # statsmodels not installed: keep the committed copy
    pass
