"""Web chat on a slow phone network: bytes, first paint and load against a static page.

Run: `.venv/bin/python benchmarks/webchat_bench.py` (about a minute on 2 cores), or
`--quick` for one visit per row (a smoke run of ~20 seconds).

What it does. The web chat is served as the one-process server serves it (mounted on the
feedback API's app, with its compression, security headers and CSP; SQLite files in a temporary
directory; the real engine and FAQ) by uvicorn on 127.0.0.1. Debian's chromium, driven by
Playwright, visits it under the slow profile of issue 14, applied through the DevTools protocol:
`Network.emulateNetworkConditions` (400 ms latency, 400 kbit/s down and up) and
`Emulation.setCPUThrottlingRate` (CPU 4× slower), on a 390×844 phone viewport.

Rows:
* web chat, first visit: a new browser context (empty cache, no cookie): a new chat session,
  the welcome and the menu written by the engine, the page and everything it loads;
* web chat, repeat visit: the same context loads the page again (the versioned script comes
  from the cache, the page itself is never cached);
* static floor: one HTML page with the same visible text as the chat's first screen and
  nothing else (no script, no style), served by the same server with the same compression:
  the least any page showing that text could cost on this network.

Columns: requests; bytes transferred (encoded body + headers, summed from the DevTools
`Network.loadingFinished` events); first paint and load (`performance` paint and navigation
entries), medians over the visits; and the chat's times as multiples of the floor's.
Targets (issue 14): first visit ≤ 25 KB, first paint ≤ 1.3× and load ≤ 1.5× the floor.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import os
import platform
import statistics
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHROMIUM = os.environ.get("LANGNGHE_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "locale": "vi-VN",
    "device_scale_factor": 2,
}
KBIT = 1000 / 8  # bytes per second in one kbit/s
SLOW = {
    "offline": False,
    "latency": 400,
    "downloadThroughput": 400 * KBIT,
    "uploadThroughput": 400 * KBIT,
}
CPU_SLOWDOWN = 4


def _run(function, *args):
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(function(*args))).result()


def _site(data: Path):
    from fastapi.responses import HTMLResponse

    from faq.assistant import Faq
    from tests.bot.webchat_fixtures import ChatSite, migrated_api_db

    site = ChatSite(
        data, migrated_api_db(data / "template.db"), Faq.from_directory(), combined=True
    )
    floor = {"html": ""}

    @site.app.get("/bench/floor", include_in_schema=False)
    def static_floor():
        return HTMLResponse(floor["html"], headers={"Cache-Control": "no-store"})

    return site, floor


def _floor_page(text: str) -> str:
    return (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<title>Lắng Nghe</title></head><body><pre style="white-space:pre-wrap">'
        f"{html.escape(text)}</pre></body></html>"
    )


def _visit(context, url: str) -> dict:
    """Load `url` in a new tab of `context` under the slow profile; what it cost."""
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": False})
    cdp.send("Network.emulateNetworkConditions", SLOW)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    sizes: dict[str, float] = {}
    cdp.on(
        "Network.loadingFinished",
        lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]),
    )
    page.goto(url, wait_until="load", timeout=120_000)
    page.wait_for_timeout(300)  # late loadingFinished events
    timing = page.evaluate(
        """() => {
            const nav = performance.getEntriesByType('navigation')[0];
            const paint = performance.getEntriesByType('paint');
            const first = paint.find(p => p.name === 'first-contentful-paint') || paint[0];
            return {paint: first ? first.startTime : null, load: nav.loadEventEnd};
        }"""
    )
    text = page.locator("body").inner_text()
    page.close()
    return {"requests": len(sizes), "bytes": sum(sizes.values()), "text": text, **timing}


def measure(visits: int) -> list[dict]:
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import LiveServer

    with tempfile.TemporaryDirectory() as tmp:
        site, floor = _site(Path(tmp))
        rows: dict[str, list[dict]] = {"first": [], "repeat": [], "floor": []}
        with LiveServer(site.app) as server, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            warm = browser.new_context(**PHONE)  # the server's first page builds its caches
            warm.new_page().goto(f"{server.url}/")
            warm.close()
            for index in range(visits):
                print(f"visit {index + 1}/{visits}", file=sys.stderr)
                context = browser.new_context(**PHONE)
                first = _visit(context, f"{server.url}/")
                rows["first"].append(first)
                rows["repeat"].append(_visit(context, f"{server.url}/"))
                context.close()
                floor["html"] = _floor_page(first["text"])
                context = browser.new_context(**PHONE)
                rows["floor"].append(_visit(context, f"{server.url}/bench/floor"))
                context.close()
            browser.close()
        _run(site.api.aclose)
        site.close()
    return _summarise(rows)


def _summarise(rows: dict[str, list[dict]]) -> list[dict]:
    def median(name: str, key: str) -> float:
        return statistics.median(v[key] for v in rows[name] if v[key] is not None)

    floor_paint, floor_load = median("floor", "paint"), median("floor", "load")
    labels = {
        "first": "web chat, first visit",
        "repeat": "web chat, repeat visit",
        "floor": "static floor (same text)",
    }
    table = []
    for name, label in labels.items():
        paint, load = median(name, "paint"), median(name, "load")
        table.append(
            {
                "row": label,
                "requests": median(name, "requests"),
                "kb": median(name, "bytes") / 1000,
                "paint": paint,
                "load": load,
                "paint_x": paint / floor_paint,
                "load_x": load / floor_load,
            }
        )
    return table


def render(table: list[dict], visits: int) -> str:
    lines = [
        f"Slow profile: {SLOW['latency']} ms latency, 400 kbit/s down/up, CPU {CPU_SLOWDOWN}× "
        f"slower; 390×844 phone; median of {visits} visit(s); {platform.machine()}, "
        f"{os.cpu_count()} logical CPUs",
        "",
        "| page | requests | transferred | first paint | load | paint ÷ floor | load ÷ floor |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in table:
        lines.append(
            f"| {row['row']} | {row['requests']:.0f} | {row['kb']:.1f} KB | "
            f"{row['paint']:.0f} ms | {row['load']:.0f} ms | {row['paint_x']:.2f}× | "
            f"{row['load_x']:.2f}× |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one visit per row")
    parser.add_argument("--visits", type=int, default=5)
    args = parser.parse_args(argv)
    visits = 1 if args.quick else args.visits
    table = measure(visits)
    print(render(table, visits))
    first = table[0]
    ok = first["kb"] <= 25 and first["paint_x"] <= 1.3 and first["load_x"] <= 1.5
    print(f"\ntargets (≤ 25 KB, paint ≤ 1.3×, load ≤ 1.5×): {'met' if ok else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
