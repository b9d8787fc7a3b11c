"""Independent computation of the entropy-weight method for tests/test_value.py.

Pure Python (no numpy, no kamlib), written directly from the textbook formulas:

* min-max normalisation per criterion: benefit r = (x - min) / (max - min), cost r = (max - x) / (max - min)
* p_ij = r_ij / sum_i r_ij
* e_j = -(1 / ln n) * sum_i p_ij ln p_ij   (0 ln 0 = 0)
* d_j = 1 - e_j,  w_j = d_j / sum_j d_j

Sources: Hwang, C.-L. & Yoon, K. (1981) *Multiple Attribute Decision Making*, Springer, section on
entropy weights (after Zeleny 1982 / Shannon 1948); Zou, Z., Yun, Y. & Sun, J. (2006) "Entropy method for
determination of weight of evaluating indicators in fuzzy synthetic evaluation for water quality
assessment", Journal of Environmental Sciences 18(5), 1020-1023 (min-max standardisation + entropy).
The data (entropy_example.csv) is a made-up supplier evaluation (5 alternatives × 4 criteria; price is a
cost criterion). Run: python entropy_expected.py > entropy_expected.json
"""
import csv
import json
import math
from pathlib import Path

rows = list(csv.DictReader(open(Path(__file__).with_name("entropy_example.csv"), encoding="utf-8")))
crit = ["quality", "delivery_rate", "price", "service"]
cost = {"price"}
n = len(rows)
out = {"weights": {}, "entropy": {}}
d = {}
for c in crit:
    x = [float(r[c]) for r in rows]
    lo, hi = min(x), max(x)
    r = [((hi - v) if c in cost else (v - lo)) / (hi - lo) for v in x]
    s = sum(r)
    p = [v / s for v in r]
    e = -sum(v * math.log(v) for v in p if v > 0) / math.log(n)
    out["entropy"][c] = e
    d[c] = 1 - e
tot = sum(d.values())
out["weights"] = {c: d[c] / tot for c in crit}
out["directions"] = {c: (-1 if c in cost else 1) for c in crit}
print(json.dumps(out, indent=2))
