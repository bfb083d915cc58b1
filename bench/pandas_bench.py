"""pandas side of `npm run bench`: times the same operations as bench/ops.ts on the same CSV.

Run with Debian's python3-pandas: /usr/bin/python3 bench/pandas_bench.py <csv> <reps> <pickle>
Prints one JSON object: {op: [seconds per repetition], ..., "meta": {...}}.
With `--serve <csv>` it reads the CSV once per line "ingest" on stdin instead (see serve()).
"""
import json
import resource
import sys
import time

import numpy as np
import pandas as pd

NUMERIC = ["price", "revenue", "score", "ratio", "qty", "customer_id"]


def ingest(path):
    """What the ingest is compared with: read the CSV, then its dtypes and null counts."""
    df = pd.read_csv(path, parse_dates=["order_date"])
    _ = df.dtypes
    _ = df.isna().sum()
    return df


def timed(fn, reps):
    out = []
    result = None
    for _ in range(reps):
        t = time.perf_counter()
        result = fn()
        out.append(time.perf_counter() - t)
    return out, result


def main():
    path, reps, pickle_path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    times = {}

    # The first read_csv in this process gives the peak RSS of an ingest (whole process, pandas loaded).
    # It is timed on its own, like the server's first upload after start-up: the first pays for
    # memory the process touches for the first time, and later ones reuse it.
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    times["ingest-first"], _ = timed(lambda: ingest(path), 1)
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    times["ingest"], df = timed(lambda: ingest(path), reps)

    df.to_pickle(pickle_path)
    times["cold-load-pickle"], _ = timed(lambda: pd.read_pickle(pickle_path), reps)

    num = df[NUMERIC]

    def summary():
        return (num.describe(), num.skew(), num.kurt(), num.sum(), num.var(), (num == 0).sum())

    times["summary"], _ = timed(summary, reps)
    times["pearson"], _ = timed(lambda: num.corr(), reps)
    times["spearman"], _ = timed(lambda: num.corr("spearman"), reps)
    times["groupby-20"], _ = timed(
        lambda: df.groupby("region")[["price", "revenue"]].agg(["mean", "sum", "count"]), reps
    )
    times["histogram-20"], _ = timed(lambda: np.histogram(df["price"].dropna().to_numpy(), bins=20), reps)

    def months():
        g = df.groupby(df["order_date"].dt.to_period("M"))
        return g.size(), g["price"].agg(["count", "mean"])

    times["month-buckets"], _ = timed(months, reps)
    times["chart-bar-region"], _ = timed(lambda: df.groupby("region")["price"].mean(), reps)
    times["chart-line-month"], _ = timed(lambda: df.resample("MS", on="order_date")["price"].mean(), reps)

    times["meta"] = {
        "pandas": pd.__version__,
        "numpy": np.__version__,
        "rows": int(len(df)),
        "peakRssBeforeIngest": rss_before,
        "peakRssAfterIngest": rss_after,
        "dtypes": {c: str(t) for c, t in df.dtypes.items()},
    }
    print(json.dumps(times))


def serve(path):
    """Reads the CSV each time a line "ingest" comes on stdin and prints the seconds it took.

    The benchmark alternates these with its uploads, so that pandas and Statlas are timed in the same
    moments of a shared machine whose speed drifts during a run.
    """
    for line in sys.stdin:
        if line.strip() != "ingest":
            continue
        seconds, df = timed(lambda: ingest(path), 1)
        del df
        print(seconds[0], flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "--serve":
        serve(sys.argv[2])
    else:
        main()
