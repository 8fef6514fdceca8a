"""How soon a long transcript is ready to code in Chromium: a transcript of 2,000
segments with 5,000 codings (bench/web.py's), served by plain ``qualcode serve``, opened
``--loads`` times; for each, the time from the start of navigation until the page's
script has drawn the highlights and stripes of the turns on and near the screen and
takes keys (its ``qualcode-ready`` mark; the other turns are drawn as they come near),
until a click on a sentence shows the selection, and until the codes ranked for it are
listed (the first ranking trains the coder's model: ``rank_first_ms``). Target: ready
under 1 s. The last line printed is a JSON object (with the load average: the machine
may be busy).

    .venv/bin/python bench/web_browser.py [--segments 2000] [--codings 5000] [--loads 5]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
from web import build  # noqa: E402  (the same transcript as bench/web.py)

QUALCODE = Path(sys.executable).parent / "qualcode"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, default=2000)
    parser.add_argument("--codings", type=int, default=5000)
    parser.add_argument("--loads", type=int, default=5)
    args = parser.parse_args()
    chromium = os.environ.get("QUALCODE_CHROMIUM") or shutil.which("chromium")
    if chromium is None:
        sys.exit("no Chromium: apt-get install chromium (or set QUALCODE_CHROMIUM)")
    with tempfile.TemporaryDirectory() as folder:
        project, rows, _leaves = build(Path(folder), args.segments, args.codings, random.Random(7))
        project.close()
        env = {k: v for k, v in os.environ.items() if k != "QUALCODE_CODER"}
        server = subprocess.Popen(
            [str(QUALCODE), "serve", "--coder", "ana", "--no-browser", "--port", "0"],
            cwd=folder, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            url = server.stdout.readline().strip()
            ready, selected, ranked = measure(chromium, url, args.loads)
        finally:
            server.terminate()
            server.wait(timeout=20)
    result = {
        "segments": len(rows), "codings": args.codings, "loads": args.loads,
        "ready_ms": {"median": round(statistics.median(ready)), "max": round(max(ready))},
        "select_ms": {"median": round(statistics.median(selected)), "max": round(max(selected))},
        "rank_first_ms": round(ranked[0]),
        "rank_ms": {"median": round(statistics.median(ranked[1:] or ranked)),
                    "max": round(max(ranked[1:] or ranked))},
        "target_ms": 1000, "load_average": [round(x, 2) for x in os.getloadavg()],
        "ok": statistics.median(ready) < 1000,
    }  # fmt: skip
    print(json.dumps(result))


def measure(chromium: str, url: str, loads: int) -> tuple[list[float], ...]:
    """Per load: ms from navigation to the ready mark, from a click on a sentence to the
    selection shown, and from the click to the codes ranked for it listed."""
    ready, selected, ranked = [], [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(url)  # the token becomes a cookie
        page.locator("a.doc-link").first.click()
        page.wait_for_selector('#transcript[data-ready="true"]', state="attached")
        address = page.url
        for n in range(loads):
            page.goto(f"{address}?load={n}")
            page.wait_for_selector('#transcript[data-ready="true"]', state="attached")
            ready.append(page.evaluate(
                "() => performance.getEntriesByName('qualcode-ready')[0].startTime"
            ))  # fmt: skip
            started = time.perf_counter()
            page.locator(".p.seg").nth(20 + n).click()
            page.wait_for_selector("#selection:not([hidden])")
            selected.append((time.perf_counter() - started) * 1000)
            page.wait_for_function(
                """() => !document.getElementById("ranked").hidden
                         && !document.getElementById("ranked-note").textContent
                             .startsWith("(ranking")""",
                timeout=300_000,
            )
            ranked.append((time.perf_counter() - started) * 1000)
        browser.close()
    return ready, selected, ranked


if __name__ == "__main__":
    main()
