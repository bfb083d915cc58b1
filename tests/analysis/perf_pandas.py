"""pandas twin of perf.bench.ts: the same 1M x 10 numbers (/tmp/analysis-bench.bin), the same analyses.
Run after the TS bench: /usr/bin/python3 tests/analysis/perf_pandas.py [rows]"""
import sys
import time

import numpy as np
import pandas as pd

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
raw = np.fromfile("/tmp/analysis-bench.bin", dtype="<f8").reshape(10, n)
df = pd.DataFrame({f"c{j}": raw[j] for j in range(10)})


def summary():
    d = df.describe()
    return d, df.sum(), df.skew(), df.kurt(), df.nunique(), (df == 0).sum()


for label, f, runs in [("summary", summary, 3), ("pearson", lambda: df.corr("pearson"), 3),
                       ("spearman", lambda: df.corr("spearman"), 1), ("kendall", lambda: df.corr("kendall"), 1)]:
    ms = []
    for _ in range(runs):
        t = time.perf_counter()
        f()
        ms.append((time.perf_counter() - t) * 1000)
    print(f"{label:22} " + " / ".join(f"{m:.0f}" for m in ms) + " ms")
