#!/usr/bin/python3
"""Pandas oracle for chart-data (run with /usr/bin/python3: Debian pandas 1.5.3, numpy 1.24).

Writes, next to this script:
  chart_fixture.csv        a deterministic fixture (seeded RNG), re-created byte for byte
  chart_expected.json      { columns: [{name,type}], cases: [{ name, request, data, meta, exactFloats }] }

Expected data is computed here with pandas/numpy (groupby, Period buckets, np.histogram, Series.quantile),
independently of the TypeScript code. Conventions mirrored from API.md: groups sorted by key (strings by
code point, false < true), the missing key last; time keys are the UTC bucket start (ISO date; weeks start
on Monday; hour as ISO datetime); numpy equal-width histogram edges with the last bin closed; scatter
sampling keeps positions floor(i*n/limit) in row order (the documented rule).
"""
import json
import math
import os

import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, 'chart_fixture.csv')
EXPECTED = os.path.join(HERE, 'chart_expected.json')
N = 600
COLUMNS = [
    {'name': 'region', 'type': 'string'},
    {'name': 'channel', 'type': 'string'},
    {'name': 'units', 'type': 'integer'},
    {'name': 'price', 'type': 'number'},
    {'name': 'score', 'type': 'number'},
    {'name': 'orderDate', 'type': 'date'},
    {'name': 'ts', 'type': 'datetime'},
    {'name': 'flag', 'type': 'boolean'},
]


def make_fixture():
    rng = np.random.RandomState(20240601)

    def gaps(values, p):
        return [None if rng.rand() < p else v for v in values]

    region = gaps(rng.choice(['north', 'south', 'east', 'west', 'Zeta', 'Ünter'], N, p=[.3, .2, .2, .15, .1, .05]), .04)
    channel = gaps(rng.choice(['web', 'store', 'phone'], N), .03)
    units = gaps([str(int(v)) for v in rng.randint(0, 51, N)], .05)
    price = gaps(['%.2f' % v for v in rng.lognormal(3, 0.8, N)], .05)
    score = ['%.3f' % v for v in rng.normal(50, 10, N)]
    for i, v in zip(rng.choice(N, 8, replace=False), [150, -40, 120.5, 99.25, 3, -12, 130, 101]):
        score[i] = '%.3f' % v
    score = gaps(score, .02)
    # Dates over 2023-2024 with no orders in 2023-05, 2023-06 and 2024-02 (so line charts fill gaps).
    days = pd.date_range('2023-01-01', '2024-12-31', freq='D')
    days = days[~(((days.year == 2023) & days.month.isin([5, 6])) | ((days.year == 2024) & (days.month == 2)))]
    order_date = gaps([days[i].strftime('%Y-%m-%d') for i in rng.randint(0, len(days), N)], .03)
    base = pd.Timestamp('2024-03-01T00:00:00')
    secs = rng.randint(0, 4 * 86400, N)
    secs[(secs > 86400) & (secs < 86400 + 5 * 3600)] += 6 * 3600  # an empty stretch of hours on day 2
    ts = gaps([(base + pd.Timedelta(seconds=int(s))).strftime('%Y-%m-%dT%H:%M:%SZ') for s in secs], .03)
    flag = gaps([['false', 'true'][int(v)] for v in rng.randint(0, 2, N)], .02)
    cols = [region, channel, units, price, score, order_date, ts, flag]
    with open(FIXTURE, 'w', encoding='utf-8', newline='') as f:
        f.write(','.join(c['name'] for c in COLUMNS) + '\n')
        for i in range(N):
            f.write(','.join('' if c[i] is None else str(c[i]) for c in cols) + '\n')


def load():
    raw = pd.read_csv(FIXTURE, dtype=str, keep_default_na=False)
    df = pd.DataFrame(index=raw.index)
    for c in COLUMNS:
        s = raw[c['name']].replace('', np.nan)
        t = c['type']
        if t == 'string':
            df[c['name']] = s.astype(object).where(s.notna(), None)
        elif t in ('integer', 'number'):
            df[c['name']] = pd.to_numeric(s).astype(float)
        elif t == 'boolean':
            df[c['name']] = s.map({'true': True, 'false': False}).astype(object).where(s.notna(), None)
        else:
            df[c['name']] = pd.to_datetime(s, utc=True).dt.tz_localize(None)
    return df


# ------------------------------------------------------------------------------------------------
# helpers

def cell(v, col_type=None):
    if v is None:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if v is pd.NaT:
        return None
    if isinstance(v, (pd.Timestamp, np.datetime64)):
        v = pd.Timestamp(v)
        return v.strftime('%Y-%m-%d') if col_type == 'date' else v.strftime('%Y-%m-%dT%H:%M:%S.') + '%03dZ' % (v.microsecond // 1000)
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        return float(v)
    return v


def col_type(name):
    return next(c['type'] for c in COLUMNS if c['name'] == name)


PERIOD = {'year': 'Y', 'quarter': 'Q', 'month': 'M', 'week': 'W-SUN'}


def bucket(s, unit):
    if unit in PERIOD:
        return s.dt.to_period(PERIOD[unit]).dt.start_time
    return s.dt.floor({'day': 'D', 'hour': 'H'}[unit])


def fmt_bucket(ts, unit):
    if ts is None or ts is pd.NaT or (isinstance(ts, float) and math.isnan(ts)):
        return None
    ts = pd.Timestamp(ts)
    return ts.strftime('%Y-%m-%dT%H:00:00.000Z') if unit == 'hour' else ts.strftime('%Y-%m-%d')


def bucket_range(first, last, unit):
    if unit in PERIOD:
        return list(pd.period_range(first, last, freq=PERIOD[unit]).start_time)
    return list(pd.date_range(first, last, freq={'day': 'D', 'hour': 'H'}[unit]))


def hist_edges(values, bins):
    return np.histogram_bin_edges(values, bins=bins)


def bin_of(values, edges):
    """numpy.histogram's assignment: edges[j] <= v < edges[j+1], last bin closed; NaN -> -1."""
    idx = np.searchsorted(edges, values, side='right') - 1
    idx = np.where(values == edges[-1], len(edges) - 2, idx)
    return np.where(np.isnan(values), -1, idx)


def binned_start(s, bins):
    v = s.to_numpy(dtype=float)
    present = v[~np.isnan(v)]
    edges = hist_edges(present, bins)
    idx = bin_of(v, edges)
    return pd.Series([float(edges[j]) if j >= 0 else np.nan for j in idx], index=s.index)


def metric(op, s, n_rows):
    """One metric over a group's series s (None when s is None: a bare count)."""
    if s is None:
        return n_rows
    present = s.dropna()
    if op == 'count':
        return int(present.count())
    if op == 'missing':
        return int(s.isna().sum())
    if op == 'sum':
        return float(present.sum()) if len(present) else 0
    if op == 'distinct':
        return int(present.nunique())
    if len(present) == 0:
        return None
    f = {
        'mean': lambda x: x.mean(), 'median': lambda x: x.median(), 'min': lambda x: x.min(), 'max': lambda x: x.max(),
        'std': lambda x: x.std(ddof=1), 'var': lambda x: x.var(ddof=1), 'stdp': lambda x: x.std(ddof=0),
        'varp': lambda x: x.var(ddof=0), 'q1': lambda x: x.quantile(.25), 'q3': lambda x: x.quantile(.75),
        'first': lambda x: x.iloc[0], 'last': lambda x: x.iloc[-1],
    }[op]
    r = f(present)
    return None if isinstance(r, float) and math.isnan(r) else r


def empty_value(op):
    return 0 if op in ('count', 'missing', 'sum', 'distinct') else None


def apply_filters(df, filters):
    mask = pd.Series(True, index=df.index)
    for f in filters:
        s = df[f['column']]
        t = col_type(f['column'])
        conv = (lambda v: pd.Timestamp(v)) if t in ('date', 'datetime') else (lambda v: v)
        present = s.notna()
        op = f['op']
        if op == 'isNull':
            m = ~present
        elif op == 'notNull':
            m = present
        elif op == 'in':
            m = present & s.isin([conv(v) for v in f['value']])
        elif op == 'between':
            lo, hi = (conv(v) for v in f['value'])
            m = present & (s >= lo) & (s <= hi)
        else:
            v = conv(f['value'])
            m = present & {'eq': s == v, 'ne': s != v, 'gt': s > v, 'gte': s >= v, 'lt': s < v, 'lte': s <= v}[op]
        mask &= m.fillna(False).astype(bool)
    return df[mask]


def sort_stable(items, key, descending):
    """Stable sort on key with None last in both directions (Python's reverse sort keeps ties in order)."""
    present = [it for it in items if key(it) is not None]
    missing = [it for it in items if key(it) is None]
    return sorted(present, key=key, reverse=descending) + missing


def groups_sorted(df, keys):
    """(key tuple, sub-frame) in key order, the missing key last (pandas groupby sort=True, dropna=False)."""
    if not keys:
        return [((), df)] if len(df) else []
    tmp = df.copy()
    for i, k in enumerate(keys):
        tmp['__k%d' % i] = tmp[k].astype(object).where(tmp[k].notna(), None)
    out = []
    by = ['__k%d' % i for i in range(len(keys))]
    for key, sub in tmp.groupby(by[0] if len(by) == 1 else by, dropna=False, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        out.append((tuple(None if (isinstance(v, float) and math.isnan(v)) else v for v in key), sub))
    return out


# ------------------------------------------------------------------------------------------------
# chart types

def aggregated(df, req):
    op = req.get('aggregate') or ('sum' if req.get('y') else 'count')
    y, x, gb, unit = req.get('y'), req['x'], req.get('groupBy'), req.get('timeUnit')
    work = df.copy()
    if unit:
        work['__x'] = bucket(work[x], unit).map(lambda t: fmt_bucket(t, unit))
    else:
        work['__x'] = work[x].map(lambda v: cell(v, col_type(x)))
    keys = ['__x'] + ([gb] if gb else [])

    def point(xv, yv, series=None):
        p = {'x': xv, 'y': cell(yv)}
        if gb:
            p['series'] = cell(series)
        return p

    cats = []  # [x, [(series, rows)]]
    for key, sub in groups_sorted(work, keys):
        if cats and cats[-1][0] == key[0]:
            cats[-1][1].append((key[1] if gb else None, sub))
        else:
            cats.append([key[0], [(key[1] if gb else None, sub)]])
    series_keys = sorted({s for _, parts in cats for s, _ in parts if s is not None})
    if gb and any(s is None for _, parts in cats for s, _ in parts):
        series_keys.append(None)

    fill = req['type'] in ('line', 'area') and unit
    if fill:
        present = [c for c in cats if c[0] is not None]
        by_x = {c[0]: c for c in present}
        filled = [by_x.get(fmt_bucket(t, unit), [fmt_bucket(t, unit), []])
                  for t in bucket_range(pd.Timestamp(present[0][0]), pd.Timestamp(present[-1][0]), unit)]
        cats = filled + [c for c in cats if c[0] is None]

    def points_of(cat):
        xv, parts = cat
        vals = {s: metric(op, sub[y] if y else None, len(sub)) for s, sub in parts}
        if fill and gb:
            return [point(xv, vals.get(s, empty_value(op)), s) for s in series_keys]
        if not parts:
            return [point(xv, empty_value(op))]
        return [point(xv, vals[s], s) for s, _ in parts]

    entries = [(c, points_of(c)) for c in cats]
    sort = req.get('sort') or {}
    desc = sort.get('order') == 'desc'
    if sort.get('by') == 'y':
        def score(e):
            ys = [p['y'] for p in e[1]]
            if len(ys) == 1:
                return ys[0]
            nums = [v for v in ys if isinstance(v, (int, float))]
            return sum(nums) if nums else None
        entries = sort_stable(entries, score, desc)
    elif desc:
        entries = sort_stable(entries, lambda e: e[0][0], True)
    limit = req.get('limit') or len(entries)
    kept, rest = entries[:limit], entries[limit:]
    data = [p for _, pts in kept for p in pts]
    if rest and req.get('other'):
        other = pd.concat([sub for (c, _) in rest for _, sub in c[1]]).sort_index()
        for key, sub in groups_sorted(other, [gb] if gb else []):
            data.append(point('Other', metric(op, sub[y] if y else None, len(sub)), key[0] if gb else None))
    return data, bool(rest) and not req.get('other')


def histogram(df, req):
    x, gb = req['x'], req.get('groupBy')
    values = df[x].dropna().to_numpy(dtype=float)
    if len(values) == 0:
        return [], False
    counts, edges = np.histogram(values, bins=req.get('bins') or 10)
    if not gb:
        return [{'x': float(edges[j]), 'x2': float(edges[j + 1]), 'y': int(c)} for j, c in enumerate(counts)], False
    out = []
    for (s,), sub in groups_sorted(df, [gb]):
        c, _ = np.histogram(sub[x].dropna().to_numpy(dtype=float), bins=edges)
        out += [{'x': float(edges[j]), 'x2': float(edges[j + 1]), 'y': int(v), 'series': cell(s)} for j, v in enumerate(c)]
    return out, False


def scatter(df, req):
    x, y, gb = req['x'], req['y'], req.get('groupBy')
    both = df[df[x].notna() & df[y].notna()]
    limit = min(req.get('limit') or 5000, 10000)
    n = len(both)
    pos = list(range(n)) if n <= limit else [i * n // limit for i in range(limit)]
    out = []
    for p in pos:
        r = both.iloc[p]
        pt = {'x': cell(r[x], col_type(x)), 'y': cell(r[y], col_type(y))}
        if gb:
            pt['series'] = cell(r[gb], col_type(gb))
        out.append(pt)
    return out, n > limit


def box_record(xv, s):
    s = s.dropna()
    if len(s) == 0:
        return {'x': xv, 'min': None, 'q1': None, 'median': None, 'q3': None, 'max': None, 'outliers': []}
    q1, med, q3 = s.quantile(.25), s.quantile(.5), s.quantile(.75)
    lo, hi = q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1)
    inside = s[(s >= lo) & (s <= hi)]
    out = sorted(float(v) for v in s[(s < lo) | (s > hi)])
    return {'x': xv, 'min': float(inside.min()), 'q1': float(q1), 'median': float(med), 'q3': float(q3),
            'max': float(inside.max()), 'outliers': out}


def box(df, req):
    x, y = req.get('x'), req['y']
    if not x:
        return [box_record(None, df[y])], False
    work = df.copy()
    work['__x'] = work[x].map(lambda v: cell(v, col_type(x)))
    recs = [(box_record(key[0], sub[y]), sub) for key, sub in groups_sorted(work, ['__x'])]
    sort = req.get('sort') or {}
    desc = sort.get('order') == 'desc'
    if sort.get('by') == 'y':
        recs = sort_stable(recs, lambda r: r[0]['median'], desc)
    elif desc:
        recs = sort_stable(recs, lambda r: r[0]['x'], True)
    limit = req.get('limit') or len(recs)
    kept, rest = recs[:limit], recs[limit:]
    data = [r for r, _ in kept]
    if rest and req.get('other'):
        data.append(box_record('Other', pd.concat([sub for _, sub in rest]).sort_index()[y]))
    return data, bool(rest) and not req.get('other')


def heatmap(df, req):
    x, y, value = req['x'], req['y'], req.get('value')
    op = req.get('aggregate') or ('sum' if value else 'count')
    bins = req.get('bins') or 10
    work = df.copy()
    for axis, name in (('__x', x), ('__y', y)):
        t = col_type(name)
        if axis == '__x' and req.get('timeUnit'):
            work[axis] = bucket(work[name], req['timeUnit']).map(lambda v: fmt_bucket(v, req['timeUnit']))
        elif t in ('integer', 'number'):
            work[axis] = binned_start(work[name], bins)
        else:
            work[axis] = work[name].map(lambda v: cell(v, t))
    cells = [{'x': cell(k[0]), 'y': cell(k[1]), 'value': cell(metric(op, sub[value] if value else None, len(sub)))}
             for k, sub in groups_sorted(work, ['__x', '__y'])]
    sort = req.get('sort') or {}
    desc = sort.get('order') == 'desc'
    if sort.get('by') == 'value':
        cells = sort_stable(cells, lambda c: c['value'], desc)
    elif sort.get('by') == 'y':
        cells = sort_stable(cells, lambda c: c['y'], desc)
    elif desc:
        cells = sort_stable(cells, lambda c: c['x'], True)
    limit = req.get('limit') or len(cells)
    return cells[:limit], len(cells) > limit


CASES = [
    ('bar: count by region', {'type': 'bar', 'x': 'region'}),
    ('bar: mean units by region and channel', {'type': 'bar', 'x': 'region', 'y': 'units', 'aggregate': 'mean', 'groupBy': 'channel'}),
    ('bar: sum price, top 3 by y with Other', {'type': 'bar', 'x': 'region', 'y': 'price', 'sort': {'by': 'y', 'order': 'desc'}, 'limit': 3, 'other': True}),
    ('bar: median units, top 2 by y, truncated', {'type': 'bar', 'x': 'region', 'y': 'units', 'aggregate': 'median', 'sort': {'by': 'y', 'order': 'desc'}, 'limit': 2}),
    ('bar: count by region and channel, top 2 with Other', {'type': 'bar', 'x': 'region', 'groupBy': 'channel', 'sort': {'by': 'y', 'order': 'desc'}, 'limit': 2, 'other': True}),
    ('bar: max price by boolean flag', {'type': 'bar', 'x': 'flag', 'y': 'price', 'aggregate': 'max'}),
    ('bar: std score by channel, x descending', {'type': 'bar', 'x': 'channel', 'y': 'score', 'aggregate': 'std', 'sort': {'by': 'x', 'order': 'desc'}}),
    ('bar: count by raw date, first 5', {'type': 'bar', 'x': 'orderDate', 'limit': 5}),
    ('bar: q3 of price by quarter, filtered', {'type': 'bar', 'x': 'orderDate', 'timeUnit': 'quarter', 'y': 'price', 'aggregate': 'q3',
                                                'filters': [{'column': 'orderDate', 'op': 'gte', 'value': '2024-01-01'}, {'column': 'channel', 'op': 'in', 'value': ['web', 'store']}]}),
    ('bar: distinct regions by year', {'type': 'bar', 'x': 'orderDate', 'timeUnit': 'year', 'y': 'region', 'aggregate': 'distinct'}),
    ('line: sum units by month (filled)', {'type': 'line', 'x': 'orderDate', 'timeUnit': 'month', 'y': 'units'}),
    ('line: mean price by month (gaps null)', {'type': 'line', 'x': 'orderDate', 'timeUnit': 'month', 'y': 'price', 'aggregate': 'mean'}),
    ('area: count by week and channel (filled)', {'type': 'area', 'x': 'orderDate', 'timeUnit': 'week', 'groupBy': 'channel'}),
    ('line: count by hour of ts', {'type': 'line', 'x': 'ts', 'timeUnit': 'hour'}),
    ('line: var score by day of ts', {'type': 'line', 'x': 'ts', 'timeUnit': 'day', 'y': 'score', 'aggregate': 'var'}),
    ('pie: sum units by channel', {'type': 'pie', 'x': 'channel', 'y': 'units'}),
    ('histogram: price, 10 bins', {'type': 'histogram', 'x': 'price'}),
    ('histogram: units, 7 bins by channel', {'type': 'histogram', 'x': 'units', 'bins': 7, 'groupBy': 'channel'}),
    ('histogram: score, filtered between', {'type': 'histogram', 'x': 'score', 'bins': 12, 'filters': [{'column': 'score', 'op': 'between', 'value': [20, 80]}]}),
    ('scatter: price vs units by channel', {'type': 'scatter', 'x': 'price', 'y': 'units', 'groupBy': 'channel'}),
    ('scatter: sampled to 50 points', {'type': 'scatter', 'x': 'score', 'y': 'price', 'limit': 50}),
    ('scatter: date vs units', {'type': 'scatter', 'x': 'orderDate', 'y': 'units', 'filters': [{'column': 'region', 'op': 'eq', 'value': 'west'}]}),
    ('box: score by region', {'type': 'box', 'x': 'region', 'y': 'score'}),
    ('box: score without x', {'type': 'box', 'y': 'score'}),
    ('box: price by channel, top 2 by median with Other', {'type': 'box', 'x': 'channel', 'y': 'price', 'sort': {'by': 'y', 'order': 'desc'}, 'limit': 2, 'other': True}),
    ('heatmap: count region x channel', {'type': 'heatmap', 'x': 'region', 'y': 'channel'}),
    ('heatmap: mean units, region x binned price', {'type': 'heatmap', 'x': 'region', 'y': 'price', 'value': 'units', 'aggregate': 'mean'}),
    ('heatmap: sum score, price x units in 5 bins, top 8 by value', {'type': 'heatmap', 'x': 'price', 'y': 'units', 'value': 'score', 'bins': 5, 'sort': {'by': 'value', 'order': 'desc'}, 'limit': 8}),
    ('heatmap: count month x flag', {'type': 'heatmap', 'x': 'orderDate', 'timeUnit': 'month', 'y': 'flag'}),
]

EXACT_FIELDS = {'histogram': ['x', 'x2'], 'box': ['min', 'q1', 'median', 'q3', 'max', 'outliers'], 'heatmap': ['x', 'y']}

RUN = {'bar': aggregated, 'line': aggregated, 'area': aggregated, 'pie': aggregated, 'histogram': histogram,
       'scatter': scatter, 'box': box, 'heatmap': heatmap}


def main():
    make_fixture()
    df = load()
    cases = []
    for name, req in CASES:
        sub = apply_filters(df, req.get('filters', []))
        data, truncated = RUN[req['type']](sub, req)
        cases.append({
            'name': name, 'request': req, 'data': data,
            'meta': {'rowsScanned': int(len(sub)), 'rowsReturned': len(data), 'truncated': bool(truncated)},
            # Fields whose numbers come from the same arithmetic as numpy's (bin edges and bin labels,
            # type-7 quartiles and the values inside or outside the fences): compared bit for bit.
            'exactFields': EXACT_FIELDS.get(req['type'], []),
        })
    with open(EXPECTED, 'w', encoding='utf-8') as f:
        json.dump({'generator': 'tests/charts/oracle/make_chart_oracle.py', 'pandas': pd.__version__, 'numpy': np.__version__,
                   'columns': COLUMNS, 'cases': cases}, f, indent=1, ensure_ascii=False, allow_nan=False)
        f.write('\n')


if __name__ == '__main__':
    main()
