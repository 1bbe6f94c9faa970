"""Routing benchmark at national scale: 34 provinces × 98 communes = 3,332 routable units (about
the 3,321 of the 2025 reform), each with a 200-vertex boundary polygon and a centre.

Run: `.venv/bin/python benchmarks/routing_bench.py`. Prints a Markdown table of the service
calls the bot makes per citizen (SQLite in memory, one process): a typed name, the mentions in
a tip's text, and a shared location (first call builds the boundary index; later calls reuse
it until boundaries change).
"""

from __future__ import annotations

import json
import math
import platform
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlmodel import Session  # noqa: E402

from feedback_api.db import make_engine  # noqa: E402
from feedback_api.migrate import upgrade  # noqa: E402
from feedback_api.units import boundaries, routing  # noqa: E402
from feedback_api.units import service as units  # noqa: E402

PROVINCES, COMMUNES, VERTICES, ROUNDS = 34, 98, 200, 300
SYLLABLES = [
    "an",
    "bình",
    "hòa",
    "tân",
    "lập",
    "phú",
    "mỹ",
    "long",
    "hưng",
    "đông",
    "tây",
    "sơn",
    "quang",
    "trung",
    "đạo",
    "nghĩa",
    "lộ",
    "thanh",
    "xuân",
    "hải",
    "vĩnh",
    "phước",
    "thạnh",
    "lợi",
    "điền",
    "yên",
    "khánh",
    "thịnh",
    "cát",
    "minh",
    "đức",
    "tiến",
    "thắng",
]


def build(db: Session, rng: random.Random) -> list[tuple[str, float, float]]:
    rows = ["code,name,kind,parent_code,lat,lon"]
    features, places = [], []
    for p in range(PROVINCES):
        rows.append(f"P{p},Công an tỉnh Số {p},province,,,")
        for c in range(COMMUNES):
            name = " ".join(rng.sample(SYLLABLES, 2)).title()
            kind = "ward" if c % 3 == 0 else "commune"
            lat, lon = 8.5 + 0.45 * p + 0.04 * (c // 10), 102.5 + 0.04 * (c % 10) + (p % 3)
            code = f"P{p}-{c}"
            word = "phường" if kind == "ward" else "xã"
            rows.append(f"{code},Công an {word} {name},{kind},P{p},{lat + 0.02},{lon + 0.02}")
            centre = (lon + 0.02, lat + 0.02)
            ring = [
                [
                    centre[0] + 0.019 * math.cos(2 * math.pi * k / VERTICES),
                    centre[1] + 0.019 * math.sin(2 * math.pi * k / VERTICES),
                ]
                for k in range(VERTICES)
            ]
            features.append(
                {
                    "type": "Feature",
                    "properties": {"code": code},
                    "geometry": {"type": "Polygon", "coordinates": [[*ring, ring[0]]]},
                }
            )
            places.append((f"{word} {name}", lat + 0.02, lon + 0.02))
    units.import_csv(db_session=db, text="\n".join(rows) + "\n")
    boundaries.import_geojson(
        db_session=db, text=json.dumps({"type": "FeatureCollection", "features": features})
    )
    return places


def timed(call, rounds: int) -> tuple[float, float]:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.99) - 1]


def main() -> None:
    rng = random.Random(7)
    engine = make_engine("sqlite://")
    upgrade(engine)
    with Session(engine) as db:
        started = time.perf_counter()
        places = build(db, rng)
        load_s = time.perf_counter() - started
        start = time.perf_counter()
        routing.resolve_point(db_session=db, latitude=9.0, longitude=103.0, radius_km=5)
        index_ms = (time.perf_counter() - start) * 1000

        def typed():
            name, _, _ = rng.choice(places)
            routing.resolve_name(db_session=db, query=name.replace("ư", "u").lower())

        def mention():
            name, _, _ = rng.choice(places)
            text = f"Có nhóm người tụ tập đánh bạc ở gần chợ {name} mỗi tối, rất ồn ào " * 3
            routing.resolve_mentions(db_session=db, text=text)

        def point():
            _, lat, lon = rng.choice(places)
            routing.resolve_point(db_session=db, latitude=lat, longitude=lon, radius_km=5)

        rows = [
            (label, *timed(fn, ROUNDS))
            for label, fn in (
                ("typed name", typed),
                ("mentions in a 200-char tip", mention),
                ("shared location (cached index)", point),
            )
        ]
    print(
        f"{PROVINCES * COMMUNES} routable units, {VERTICES}-vertex boundaries; "
        f"import {load_s:.1f} s; boundary index build {index_ms:.0f} ms; "
        f"Python {platform.python_version()}, {platform.processor() or platform.machine()}\n"
    )
    print("| call | p50 ms | p99 ms |\n|---|---:|---:|")
    for label, p50, p99 in rows:
        print(f"| {label} | {p50:.2f} | {p99:.2f} |")


if __name__ == "__main__":
    main()
