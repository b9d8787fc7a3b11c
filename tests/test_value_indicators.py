"""kamlib.value results: comparing two results works (identity) instead of raising on their frames."""
from __future__ import annotations

import pandas as pd

from kamlib import value


def test_value_results_compare_without_raising():
    a = value.concentration(pd.Series([60.0, 20.0, 10.0, 10.0]))
    b = value.concentration(pd.Series([60.0, 20.0, 10.0, 10.0]))
    assert a == a and a != b   # identity: no element-wise comparison of the Series and frames
    ind = pd.DataFrame({"revenue": [100.0, 50.0, 10.0], "gross_profit": [20.0, -5.0, 1.0]}, index=list("xyz"))
    d = value.double_abc(ind)
    assert d == d and d != value.double_abc(ind)
