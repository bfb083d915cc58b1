"""Independent oracle for the analysis endpoints: pandas 1.5 / numpy 1.24 / scipy 1.10 (Debian).

Run:  /usr/bin/python3 tests/oracle/make_oracle.py
Reads tests/oracle/fixtures/*.csv and writes tests/oracle/expected/<fixture>.json: for each case
(endpoint, params, filters) the answer the API must give. Deterministic: re-running reproduces the
files byte for byte (no clock, no randomness, sorted keys, floats written with repr).

Conventions where pandas/scipy leave a choice (documented in API.md / the service):
  - undefined statistics are null (NaN → null); a constant column has null skewness/kurtosis
    (pandas gives 0, scipy NaN) and a null correlation;
  - the correlation matrix diagonal is 1 when the column has at least 2 distinct values, else null;
  - value counts / string `top`: count descending, ties by first appearance (a stable sort).
"""
import json
import math
import os
import re
import sys
import warnings

import numpy as np
import pandas as pd
import scipy
from scipy import stats

warnings.simplefilter("ignore")

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "fixtures")
EXPECTED = os.path.join(HERE, "expected")

NA = {"", "NA", "N/A", "n/a", "NaN", "nan", "-NaN", "-nan", "NULL", "null", "None", "<NA>", "#N/A", "#N/A N/A", "#NA",
      "-1.#IND", "-1.#QNAN", "1.#IND", "1.#QNAN"}
INT_RE = re.compile(r"^[+-]?\d+$")
NUM_RE = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z?$")


# ---------------------------------------------------------------- loading and typing

def load(path):
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    types, frame = {}, {}
    for name in raw.columns:
        cells = [None if s.strip() in NA else s for s in raw[name]]
        present = [s.strip() for s in cells if s is not None]
        if present and all(s.lower() in ("true", "false") for s in present):
            t = "boolean"
            col = pd.Series([None if s is None else (1.0 if s.strip().lower() == "true" else 0.0) for s in cells], dtype=float)
        elif present and all(INT_RE.match(s) and not re.match(r"^[+-]?0\d", s) for s in present):
            t = "integer"
            col = pd.Series([np.nan if s is None else float(int(s)) for s in cells], dtype=float)
        elif present and all(NUM_RE.match(s) for s in present):
            t = "number"
            col = pd.Series([np.nan if s is None else float(s) for s in cells], dtype=float)
        elif present and all(DATE_RE.match(s) for s in present):
            t = "date"
            col = pd.to_datetime(pd.Series(cells), utc=True)
        elif present and all(DATETIME_RE.match(s) for s in present):
            t = "datetime"
            col = pd.to_datetime(pd.Series(cells), utc=True)
        else:
            t = "string"
            col = pd.Series(cells, dtype=object)
        types[name] = t
        frame[name] = col
    return pd.DataFrame(frame), types


def is_numeric(t):
    return t in ("integer", "number")


def as_float(df, types, name):
    """Value columns as floats: numbers, booleans 1/0, dates as epoch ms."""
    s = df[name]
    if types[name] in ("date", "datetime"):
        return pd.Series([np.nan if pd.isna(v) else v.value / 1e6 for v in s], dtype=float, index=s.index)
    return s.astype(float)


def fmt_time(t, ts):
    if ts is None or pd.isna(ts):
        return None
    if t == "date":
        return ts.strftime("%Y-%m-%d")
    return ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"


def cell(t, v):
    """A value typed as the API returns it."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if t == "boolean":
        return bool(v == 1)
    if t in ("date", "datetime"):
        return fmt_time(t, pd.Timestamp(v, unit="ms", tz="UTC")) if not isinstance(v, pd.Timestamp) else fmt_time(t, v)
    if t == "string":
        return v
    return num(v)


def num(x):
    if x is None:
        return None
    x = float(x)
    if math.isnan(x) or math.isinf(x):
        return None
    return 0.0 if x == 0 else x


# ---------------------------------------------------------------- filters (API.md "Filters")

def apply_filters(df, types, filters):
    keep = pd.Series(True, index=df.index)
    for f in filters:
        col, rest = f.split(":", 1)
        op, _, value = rest.partition(":")
        s = df[col]
        t = types[col]
        present = ~s.isna()
        if op == "isNull":
            keep &= ~present
            continue
        if op == "notNull":
            keep &= present
            continue

        def conv(v):
            if t == "string":
                return v
            if t == "boolean":
                return 1.0 if v.lower() == "true" else 0.0
            if t in ("date", "datetime"):
                return pd.Timestamp(v, tz="UTC")
            return float(v)

        if op in ("in", "nin"):
            vals = [conv(v) for v in value.split(",")]
            m = s.isin(vals)
            keep &= present & (m if op == "in" else ~m)
        elif op == "between":
            lo, hi = [conv(v) for v in value.split(",")]
            keep &= present & (s >= lo) & (s <= hi)
        else:
            v = conv(value)
            m = {"eq": s == v, "ne": s != v, "gt": s > v, "gte": s >= v, "lt": s < v, "lte": s <= v}[op]
            keep &= present & m
    return df[keep]


# ---------------------------------------------------------------- analyses

def ranked_counts(values):
    """[(value, count)] count descending, ties by first appearance."""
    counts, order = {}, []
    for v in values:
        if v not in counts:
            counts[v] = 0
            order.append(v)
        counts[v] += 1
    return sorted(((v, counts[v]) for v in order), key=lambda p: -p[1])


def summary(df, types, params):
    names = params.get("columns") or list(df.columns)
    out = []
    for name in names:
        t = types[name]
        s = df[name]
        present = s.dropna()
        n = len(present)
        entry = {"name": name, "type": t, "count": n, "missing": int(len(s) - n), "distinct": int(present.nunique())}
        if t == "string":
            rc = ranked_counts(list(present))
            entry["top"] = [{"value": v, "count": c} for v, c in rc[:10]]
            lens = present.str.len()
            entry["minLength"] = int(lens.min()) if n else None
            entry["maxLength"] = int(lens.max()) if n else None
        elif t == "boolean":
            entry["trueCount"] = int((present == 1).sum())
            entry["falseCount"] = int((present == 0).sum())
        elif t in ("date", "datetime"):
            entry["min"] = fmt_time(t, present.min()) if n else None
            entry["max"] = fmt_time(t, present.max()) if n else None
        else:
            constant = entry["distinct"] == 1
            entry.update({
                "mean": num(present.mean()) if n else None,
                "std": num(present.std()) if n > 1 else None,
                "variance": num(present.var()) if n > 1 else None,
                "min": num(present.min()) if n else None,
                "q25": num(present.quantile(0.25)) if n else None,
                "median": num(present.median()) if n else None,
                "q75": num(present.quantile(0.75)) if n else None,
                "max": num(present.max()) if n else None,
                "sum": num(present.sum()),
                "skewness": None if constant else num(present.skew()),
                "kurtosis": None if constant else num(present.kurt()),
                "zeros": int((present == 0).sum()),
            })
        out.append(entry)
    return {"rowCount": int(len(df)), "columns": out}


def correlations(df, types, params):
    method = params.get("method", "pearson")
    names = params.get("columns") or [c for c in df.columns if is_numeric(types[c])]
    data = pd.DataFrame({n: as_float(df, types, n) for n in names})
    mat = data.corr(method=method)
    k = len(names)
    matrix = [[None] * k for _ in range(k)]
    pairs = []
    for i in range(k):
        matrix[i][i] = 1.0 if data[names[i]].dropna().nunique() >= 2 else None
        for j in range(i + 1, k):
            both = data[[names[i], names[j]]].dropna()
            x, y = both[names[i]].to_numpy(), both[names[j]].to_numpy()
            n = len(both)
            r = p = None
            if n >= 2 and len(set(x)) >= 2 and len(set(y)) >= 2:
                if method == "pearson":
                    res = stats.pearsonr(x, y)
                elif method == "spearman":
                    res = stats.spearmanr(x, y)
                else:
                    res = stats.kendalltau(x, y)  # tau-b, method='auto'
                r, p = num(res[0]), num(res[1])
                # pandas' matrix must agree with scipy's statistic. Loosely: pandas 1.5 computes pearson in
                # one Welford pass, which loses ~1e-9 on a near-constant column with a large mean (sensors
                # pressure); scipy centres first and matches exact rational arithmetic, so r comes from scipy.
                assert abs(mat.iloc[i, j] - res[0]) <= 1e-6 * max(1e-3, abs(res[0])), (names[i], names[j], mat.iloc[i, j], res[0])
            matrix[i][j] = matrix[j][i] = r
            pairs.append({"a": names[i], "b": names[j], "r": r, "n": n, "pValue": p if r is not None else None})
    pairs.sort(key=lambda q: (q["r"] is None, -abs(q["r"]) if q["r"] is not None else 0))
    return {"method": method, "columns": names, "matrix": matrix, "pairs": pairs}


DEFAULT_K = {"iqr": 1.5, "zscore": 3.0, "mad": 3.5}


def outliers(df, types, params):
    name = params["column"]
    method = params.get("method", "iqr")
    k = float(params.get("threshold", DEFAULT_K[method]))
    limit = params.get("limit", 100)
    s = df[name]
    x = s.dropna()
    lo = hi = None
    if len(x):
        if method == "iqr":
            q1, q3 = x.quantile(0.25), x.quantile(0.75)
            lo, hi = q1 - k * (q3 - q1), q3 + k * (q3 - q1)
        elif method == "zscore":
            if len(x) > 1:
                lo, hi = x.mean() - k * x.std(), x.mean() + k * x.std()
        else:
            mad = stats.median_abs_deviation(x.to_numpy(), scale="normal")
            if mad != 0:
                med = float(np.median(x.to_numpy()))
                lo, hi = med - k * mad, med + k * mad
    base = {"column": name, "method": method, "threshold": k}
    if lo is None:
        return {**base, "lowerFence": None, "upperFence": None, "count": 0 if len(x) == 0 else None, "rows": []}
    out = x[(x < lo) | (x > hi)]
    return {**base, "lowerFence": num(lo), "upperFence": num(hi), "count": int(len(out)),
            "rows": [{"rowIndex": int(i), "value": num(v)} for i, v in out.iloc[:limit].items()]}


def value_counts(df, types, params):
    name = params["column"]
    limit = params.get("limit", 10)
    t = types[name]
    s = df[name].dropna()
    vals = [v.value // 10**6 if t in ("date", "datetime") else v for v in s]
    rc = ranked_counts(vals)
    total = len(vals)
    data = []
    for v, c in rc[:limit]:
        value = cell(t, float(v)) if t in ("date", "datetime") else cell(t, v)
        data.append({"value": value, "count": c, "percent": c / total * 100})
    return {"column": name, "total": total, "data": data}


def histogram(df, types, params):
    name = params["column"]
    bins = params.get("bins", 10)
    counts, edges = np.histogram(df[name].dropna().to_numpy(), bins=bins)
    return {"column": name, "edges": [num(e) for e in edges], "counts": [int(c) for c in counts]}


def regression(df, types, params):
    x, y = params["x"], params["y"]
    both = df[[x, y]].dropna()
    res = stats.linregress(both[x].to_numpy(), both[y].to_numpy())
    return {"x": x, "y": y, "n": int(len(both)), "slope": num(res.slope), "intercept": num(res.intercept),
            "r": num(res.rvalue), "r2": num(res.rvalue ** 2), "pValue": num(res.pvalue), "stderr": num(res.stderr),
            "interceptStderr": num(res.intercept_stderr)}


UNIT_FREQ = {"year": "Y", "quarter": "Q", "month": "M", "week": "W-SUN", "day": "D", "hour": "H"}


def groupby(df, types, params):
    keys, key_types, frame = [], [], pd.DataFrame(index=df.index)
    for entry in params["by"].split(","):
        col, _, unit = entry.partition(":")
        s = df[col]
        if unit:
            s = s.dt.tz_localize(None).dt.to_period(UNIT_FREQ[unit]).dt.start_time.dt.tz_localize("UTC")
            key_types.append("bucket-" + unit)
        else:
            key_types.append(types[col])
        frame[col] = s
        keys.append(col)
    metrics = params.get("metrics", "count").split(",")
    for m in metrics:
        if ":" in m:
            frame["__" + m] = df[m.split(":", 1)[1]]
    g = frame.groupby(keys, dropna=False, sort=True)
    rows = []
    for key, part in g:
        key = key if isinstance(key, tuple) else (key,)
        rec = {}
        for col, kt, kv in zip(keys, key_types, key):
            if kt.startswith("bucket-"):
                rec[col] = None if pd.isna(kv) else (kv.strftime("%Y-%m-%dT%H:00:00.000Z") if kt == "bucket-hour" else kv.strftime("%Y-%m-%d"))
            else:
                rec[col] = cell(kt, kv if kt != "date" else kv)
        for m in metrics:
            if m == "count":
                rec["count"] = int(len(part))
                continue
            op, col = m.split(":", 1)
            v = part["__" + m]
            t = types[col]
            p = v.dropna()
            field = f"{op}_{col}"
            if op == "count":
                rec[field] = int(len(p))
            elif op == "missing":
                rec[field] = int(len(v) - len(p))
            elif op == "sum":
                rec[field] = num(p.sum())
            elif op == "distinct":
                rec[field] = int(p.nunique())
            elif len(p) == 0:
                rec[field] = None
            elif op in ("first", "last", "min", "max"):
                x = {"first": p.iloc[0], "last": p.iloc[-1], "min": p.min(), "max": p.max()}[op]
                rec[field] = cell(t, x)
            else:
                f = {"mean": p.mean, "median": p.median, "std": p.std, "var": p.var,
                     "stdp": lambda: p.std(ddof=0), "varp": lambda: p.var(ddof=0),
                     "q1": lambda: p.quantile(0.25), "q3": lambda: p.quantile(0.75)}[op]
                rec[field] = num(f())
        rows.append(rec)
    # pandas sorts NaN keys last within each level, as the contract wants.
    return {"by": keys, "data": rows}


ENDPOINTS = {"summary": summary, "correlations": correlations, "outliers": outliers, "value-counts": value_counts,
             "histogram": histogram, "regression": regression, "groupby": groupby}

# (endpoint, params, filters) per fixture.
CASES = {
    "sales": [
        ("summary", {}, []),
        ("summary", {"columns": ["price", "region", "order_date"]}, ["region:eq:West"]),
        ("summary", {}, ["units:gte:5", "returned:eq:false"]),
        ("correlations", {"method": "pearson"}, []),
        ("correlations", {"method": "spearman"}, []),
        ("correlations", {"method": "kendall"}, []),
        ("correlations", {"method": "pearson", "columns": ["units", "price", "profit", "returned", "order_date"]}, []),
        ("correlations", {"method": "spearman"}, ["channel:eq:Online", "price:lt:100"]),
        ("correlations", {"method": "kendall"}, ["region:in:North,East"]),
        ("outliers", {"column": "price"}, []),
        ("outliers", {"column": "price", "method": "zscore"}, []),
        ("outliers", {"column": "price", "method": "mad", "limit": 3}, []),
        ("outliers", {"column": "profit", "method": "iqr", "threshold": 1.0}, ["region:notNull"]),
        ("outliers", {"column": "units", "method": "mad", "threshold": 2.0}, []),
        ("value-counts", {"column": "region"}, []),
        ("value-counts", {"column": "units", "limit": 5}, []),
        ("value-counts", {"column": "returned"}, []),
        ("value-counts", {"column": "order_date", "limit": 3}, ["order_date:between:2024-03-01,2024-06-30"]),
        ("value-counts", {"column": "rating"}, ["region:eq:South"]),
        ("histogram", {"column": "price"}, []),
        ("histogram", {"column": "units", "bins": 7}, []),
        ("histogram", {"column": "discount", "bins": 3}, ["region:isNull"]),
        ("histogram", {"column": "profit", "bins": 25}, []),
        ("regression", {"x": "units", "y": "profit"}, []),
        ("regression", {"x": "price", "y": "profit"}, ["region:ne:North"]),
        ("regression", {"x": "discount", "y": "rating"}, []),
        ("groupby", {"by": "region", "metrics": "count,mean:price,sum:units,count:units,median:profit,std:price,min:order_date,max:order_date"}, []),
        ("groupby", {"by": "region,channel", "metrics": "count,var:profit,stdp:profit,varp:profit,distinct:units,q1:price,q3:price,first:notes,last:rating,missing:units"}, []),
        ("groupby", {"by": "order_date:month", "metrics": "count,sum:profit,mean:units"}, []),
        ("groupby", {"by": "order_date:quarter,returned", "metrics": "count,max:price"}, ["units:gt:2"]),
        ("groupby", {"by": "order_date:week", "metrics": "count"}, ["order_date:lt:2024-03-01"]),
    ],
    "sensors": [
        ("summary", {}, []),
        ("summary", {}, ["sensor:eq:B"]),
        ("correlations", {"method": "pearson"}, []),
        ("correlations", {"method": "spearman"}, []),
        ("correlations", {"method": "kendall"}, []),
        ("correlations", {"method": "kendall", "columns": ["temp_c", "humidity", "flag", "ts"]}, ["status:eq:ok"]),
        ("outliers", {"column": "temp_c", "method": "zscore", "threshold": 1.5}, []),
        ("outliers", {"column": "pressure", "method": "mad", "threshold": 2.0}, []),
        ("value-counts", {"column": "flag"}, []),
        ("value-counts", {"column": "ts", "limit": 4}, []),
        ("histogram", {"column": "pressure", "bins": 12}, []),
        ("histogram", {"column": "temp_c", "bins": 5}, ["sensor:nin:A"]),
        ("regression", {"x": "humidity", "y": "temp_c"}, []),
        ("groupby", {"by": "sensor", "metrics": "count,mean:temp_c,std:pressure,first:ts,last:flag"}, []),
        ("groupby", {"by": "ts:hour,status", "metrics": "count,mean:humidity"}, ["ts:lt:2024-03-01T14:00:00Z"]),
        ("groupby", {"by": "ts:day,flag", "metrics": "count,sum:humidity,min:temp_c"}, []),
    ],
    "tiny": [
        ("summary", {}, []),
        ("summary", {}, ["x:gt:100"]),
        ("correlations", {"method": "pearson"}, []),
        ("correlations", {"method": "spearman"}, []),
        ("correlations", {"method": "kendall"}, []),
        ("correlations", {"method": "kendall"}, ["x:lte:4"]),
        ("correlations", {"method": "pearson"}, ["x:lte:2"]),
        ("outliers", {"column": "c", "method": "mad"}, []),
        ("outliers", {"column": "y", "method": "iqr", "threshold": 0.5}, []),
        ("outliers", {"column": "x"}, ["x:gt:100"]),
        ("histogram", {"column": "c"}, []),
        ("histogram", {"column": "x", "bins": 4}, ["x:gt:100"]),
        ("regression", {"x": "x", "y": "y"}, []),
        ("regression", {"x": "x", "y": "c"}, []),
        ("regression", {"x": "x", "y": "sparse"}, []),
        ("regression", {"x": "x", "y": "y"}, ["x:lte:3"]),
        ("value-counts", {"column": "label", "limit": 2}, []),
        ("groupby", {"by": "label", "metrics": "count,sum:sparse,mean:sparse,first:sparse"}, []),
        ("groupby", {"by": "w,label", "metrics": "count,q1:y,median:y"}, []),
    ],
}


def main():
    os.makedirs(EXPECTED, exist_ok=True)
    for fixture, cases in CASES.items():
        df, types = load(os.path.join(FIXTURES, fixture + ".csv"))
        out = {"fixture": fixture + ".csv", "versions": {"pandas": pd.__version__, "numpy": np.__version__, "scipy": scipy.__version__},
               "types": types, "cases": []}
        for endpoint, params, filters in cases:
            sub = apply_filters(df, types, filters)
            expected = ENDPOINTS[endpoint](sub, types, params)
            out["cases"].append({"endpoint": endpoint, "params": params, "filter": filters, "expected": expected})
        with open(os.path.join(EXPECTED, fixture + ".json"), "w", encoding="utf-8") as f:
            json.dump(out, f, indent=1, sort_keys=True, ensure_ascii=False, allow_nan=False)
            f.write("\n")
    print("wrote", ", ".join(sorted(CASES)), file=sys.stderr)


if __name__ == "__main__":
    main()
