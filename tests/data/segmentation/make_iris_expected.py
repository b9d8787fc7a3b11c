"""Independent known answers for the clustering-quality indices on Fisher's iris data.

Data: R. A. Fisher (1936), "The use of multiple measurements in taxonomic problems"; the 150-row table as
shipped with scikit-learn (``sklearn.datasets.load_iris``), written to ``iris.csv`` by this script.

The three indices are computed here from their textbook definitions with plain numpy (no scikit-learn
metric code), for the species partition on the raw measurements:

* silhouette (Rousseeuw 1987): mean over points of (b - a) / max(a, b);
* Calinski-Harabasz (1974): [tr(B) / (k - 1)] / [tr(W) / (n - k)];
* Davies-Bouldin (1979): mean over clusters of max_j (s_i + s_j) / d(c_i, c_j), s = mean distance to centroid.

Published cross-check: the silhouette of the iris species partition on the raw data is 0.503 (e.g. the
scikit-learn user guide and many textbooks quote 0.50). Run: ``python make_iris_expected.py``.
"""
import json
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.datasets import load_iris

HERE = Path(__file__).parent
iris = load_iris(as_frame=True)
df = iris.data.copy()
df.columns = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
df["species"] = iris.target_names[iris.target]
df.to_csv(HERE / "iris.csv", index=False)

X = df.iloc[:, :4].to_numpy(float)
lab = pd.factorize(df["species"])[0]
k, n = lab.max() + 1, len(lab)
D = np.sqrt(((X[:, None, :] - X[None, :, :]) ** 2).sum(-1))
sil = []
for i in range(n):
    same = lab == lab[i]
    a = D[i, same & (np.arange(n) != i)].mean()
    b = min(D[i, lab == j].mean() for j in range(k) if j != lab[i])
    sil.append((b - a) / max(a, b))
cent = np.array([X[lab == j].mean(0) for j in range(k)])
mu = X.mean(0)
B = sum((lab == j).sum() * ((cent[j] - mu) ** 2).sum() for j in range(k))
W = sum(((X[lab == j] - cent[j]) ** 2).sum() for j in range(k))
ch = (B / (k - 1)) / (W / (n - k))
s = np.array([np.sqrt(((X[lab == j] - cent[j]) ** 2).sum(1)).mean() for j in range(k)])
db = np.mean([max((s[i] + s[j]) / np.linalg.norm(cent[i] - cent[j]) for j in range(k) if j != i)
              for i in range(k)])
# robust scaling of the raw columns (median, IQR with linear interpolation)
q1, med, q3 = np.percentile(X, [25, 50, 75], axis=0)
out = {"species_partition_raw": {"silhouette": float(np.mean(sil)), "calinski_harabasz": float(ch),
                                 "davies_bouldin": float(db)},
       "published_silhouette": 0.503,
       "robust_center": dict(zip(df.columns[:4], med.tolist())),
       "robust_scale": dict(zip(df.columns[:4], (q3 - q1).tolist()))}
(HERE / "iris_expected.json").write_text(json.dumps(out, indent=2))
print(json.dumps(out, indent=2))
