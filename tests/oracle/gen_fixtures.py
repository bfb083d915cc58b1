"""Writes the oracle fixture CSVs (deterministic: a fixed seed, no clock). Run once with
/usr/bin/python3 tests/oracle/gen_fixtures.py; the CSVs are committed, so this is only needed to change them."""
import csv
import datetime as dt
import math
import os
import random

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")


def write(name, header, rows):
    with open(os.path.join(HERE, name), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def sales():
    rnd = random.Random(20240101)
    regions = ["North", "South", "East", "West"]
    notes = ["Très bien", "late delivery", "ok 👍", "gift wrap", "call before"]
    rows = []
    start = dt.date(2024, 1, 1)
    for i in range(80):
        day = start + dt.timedelta(days=rnd.randint(0, 400))
        region = "" if rnd.random() < 0.08 else rnd.choice(regions)
        channel = "Store" if rnd.random() < 0.08 else "Online"
        units = "NA" if rnd.random() < 0.05 else str(rnd.choice([1, 1, 2, 2, 2, 3, 4, 5, 5, 6, 8, 10, 12, 20]))
        price = round(math.exp(rnd.gauss(3.5, 0.8)), 2)
        if i == 37:
            price = 2499.99
        price_s = "" if rnd.random() < 0.05 else f"{price:.2f}"
        discount = rnd.choice([0, 0, 0, -2.5, 5, 7.5, 10, 12.25, -5])
        u = 0 if units == "NA" else int(units)
        profit = round(u * price * 0.3 - discount + rnd.gauss(0, 15), 2)
        returned = "" if rnd.random() < 0.1 else ("true" if rnd.random() < 0.15 else "false")
        rating = "" if rnd.random() < 0.12 else str(rnd.choice([5, 5, 5, 4, 4, 3, 2, 1]))
        note = rnd.choice(notes) if rnd.random() < 0.3 else ""
        rows.append([1001 + i, day.isoformat(), region, channel, units, price_s, f"{discount:g}", f"{profit:.2f}", returned, "USD", rating, note])
    write("sales.csv", ["order_id", "order_date", "region", "channel", "units", "price", "discount", "profit", "returned", "currency", "rating", "notes"], rows)


def sensors():
    rnd = random.Random(7)
    rows = []
    t0 = dt.datetime(2024, 3, 1, 6, 0, 0)
    for i in range(56):
        ts = t0 + dt.timedelta(minutes=37 * i + rnd.randint(0, 20))
        sensor = rnd.choice(["A", "B", "C"])
        temp = "" if rnd.random() < 0.07 else f"{rnd.gauss(-2.0, 6.0):.1f}"
        humidity = str(rnd.randint(20, 95))
        pressure = f"{1013.25 + rnd.gauss(0, 0.004):.4f}"
        status = "fault" if rnd.random() < 0.1 else "ok"
        flag = rnd.choice(["TRUE", "False", "true"])
        rows.append([ts.strftime("%Y-%m-%dT%H:%M:%SZ"), sensor, temp, humidity, pressure, status, flag])
    rows.insert(20, list(rows[5]))
    rows.insert(40, list(rows[11]))
    rows.append(list(rows[30]))
    write("sensors.csv", ["ts", "sensor", "temp_c", "humidity", "pressure", "status", "flag"], rows)


def tiny():
    # No ties in x, y, z (kendall exact p-values), ties in w, a constant column, a mostly empty one.
    x = [3, 1, 4, 10, 5, 9, 2, 6, 8]
    y = [2.5, 0.5, 4.75, 9.0, 3.25, 8.5, -1.0, 6.0, 7.0]
    z = [9, 8, 7, 6, 5, 4, 3, 2, 1]
    w = [1, 1, 2, 2, 2, 3, 3, 3, 3]
    c = [7] * 9
    sparse = ["", "4", "", "", "-3", "", "", "", ""]
    label = ["b", "a", "b", "c", "a", "b", "", "a", "b"]
    rows = [[x[i], y[i], z[i], w[i], c[i], sparse[i], label[i]] for i in range(9)]
    write("tiny.csv", ["x", "y", "z", "w", "c", "sparse", "label"], rows)


if __name__ == "__main__":
    os.makedirs(HERE, exist_ok=True)
    sales()
    sensors()
    tiny()
