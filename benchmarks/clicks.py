"""How soon Pause, Resume and Stop take effect on the Activations page, in Chromium against `streamlit run`.

python -m benchmarks.clicks [--preset NAME] [--live] [--link PATH] [--repeats N] [--data-dir DIR] [--cache-dir DIR]

Chooses a preset (``--live``: then "Train it live", for a preset that has a recording) or opens a link
to the live controls (``--link``: then "Start training"), lets it train, and clicks Pause, Resume and
Stop. The server's LiveComparison.pause/resume/stop are wrapped (through a ``sitecustomize`` in a
temporary folder, nothing in bnviz changes) to write when they ran; the script prints, for each click,
the seconds from the click to the call (training stops there: the thread ends after its step in flight)
and to the button's new label in the browser. ``python -m benchmarks --only clicks`` runs it with four
arms and reports the medians.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.browser import CHROMIUM, CHROMIUM_ARGS, ROOT, free_port, start_streamlit, stop, wait_until_serving

WRAP = """import importlib.abc, importlib.util, os, sys, time
LOG = os.environ["BNVIZ_CLICK_LOG"]
def patch(mod):
    for name in ("pause", "resume", "stop"):
        orig = getattr(mod.LiveComparison, name)
        def wrapped(self, _orig=orig, _name=name):
            t = time.time()
            _orig(self)
            with open(LOG, "a") as f:
                f.write(f"{_name} {t:.3f}\\n")
        setattr(mod.LiveComparison, name, wrapped)
class Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path, target=None):
        if fullname != "bnviz.live.comparison":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        run = spec.loader.exec_module
        spec.loader.exec_module = lambda m: (run(m), patch(m))
        return spec
sys.meta_path.insert(0, Finder())
"""


def click(page, name: str, then: str | None, clicks: list) -> None:
    """Click the button ``name``; wait for ``then`` to show (None: for it to go)."""
    button = page.get_by_role("button", name=name)
    button.wait_for()
    t = time.time()
    button.click()
    (button.wait_for(state="detached") if then is None else page.get_by_role("button", name=then).wait_for())
    clicks.append((name.lower(), t, time.time()))


FOUR_ARMS = "/activations?live=1&arms=none,bnviz,bnviz-after,layer&steps=20000"  # no BN, BN, BN after g, LN
PAUSE_TARGET = 0.5  # seconds from a click to the call (issue #25, item 4)


def measure(preset: str, live: bool, link: str | None, repeats: int, data_dir: str, cache_dir: str) -> list:
    """(click, seconds from the click to the call, seconds to the new button shown), each click in order."""
    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp(prefix="bnviz-clicks-"))
    (folder / "sitecustomize.py").write_text(WRAP)
    log = folder / "calls.log"
    log.touch()
    env = {
        "BNVIZ_DATA_DIR": data_dir,
        "BNVIZ_CACHE_DIR": cache_dir,
        "BNVIZ_CLICK_LOG": str(log),
        "PYTHONPATH": f"{folder}{os.pathsep}{ROOT}",
    }
    port = free_port()
    proc = start_streamlit("app.py", port, env=env)
    clicks: list[tuple[str, float, float]] = []
    try:
        url = f"http://127.0.0.1:{port}"
        if not wait_until_serving(url, timeout=90):
            raise SystemExit("streamlit did not start within 90 s")
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.set_default_timeout(60_000)
            if link:
                page.goto(url + link)
                page.get_by_role("button", name="Start training").click(timeout=120_000)
            else:
                page.goto(f"{url}/activations")
                page.wait_for_selector('[data-testid="stVegaLiteChart"]', timeout=120_000)
                page.get_by_text(preset, exact=False).first.click()
                if live:
                    page.get_by_role("button", name="Train it live").click()
            page.wait_for_selector('[data-testid="stProgress"]', timeout=120_000)
            for _ in range(repeats):
                time.sleep(6)
                click(page, "Pause", "Resume", clicks)
                time.sleep(2)
                click(page, "Resume", "Pause", clicks)
            time.sleep(6)
            click(page, "Stop", None, clicks)
            browser.close()
    finally:
        stop(proc)
    calls = [(name, float(t)) for name, t in (line.split() for line in log.read_text().splitlines())]
    out = []
    for name, clicked, label in clicks:
        called = next(t for n, t in calls if n == name and t >= clicked - 0.05)
        calls.remove((name, called))
        out.append((name, called - clicked, label - clicked))
    return out


def run(data_dir: str | None, quick: bool) -> list[str]:
    """The benchmark section: four live MLP arms, Pause/Resume and Stop clicked, medians over the clicks."""
    if CHROMIUM is None:
        return ["(clicks benchmark skipped: Debian's chromium is not installed: apt-get install chromium)"]
    data_dir = data_dir or os.environ.get("BNVIZ_DATA_DIR", "data")
    with tempfile.TemporaryDirectory() as cache:
        done = measure("", False, FOUR_ARMS, 2 if quick else 4, data_dir, cache)
    lines = [
        f"Pause, Resume and Stop on Activations while four MLP arms train ({FOUR_ARMS}), real browser, "
        f"load average {os.getloadavg()[0]:.1f} at the end:",
        "| click | clicks | median (max) seconds to the call | median (max) seconds to its new button | target |",
        "|---|---:|---:|---:|---|",
    ]
    for name in ("pause", "resume", "stop"):
        mine = [d for d in done if d[0] == name]
        call, label = [d[1] for d in mine], [d[2] for d in mine]
        lines.append(
            f"| {name} | {len(mine)} | {statistics.median(call):.2f} ({max(call):.2f}) | "
            f"{statistics.median(label):.2f} ({max(label):.2f}) | call <= {PAUSE_TARGET} s |"
        )
    return lines


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--preset", default="BN before or after g", help="the preset's label on the page")
    p.add_argument("--live", action="store_true", help='press "Train it live" (the preset has a recording)')
    p.add_argument("--link", help=f"open this link and press Start training instead, e.g. {FOUR_ARMS}")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--data-dir", default=os.environ.get("BNVIZ_DATA_DIR", "data"))
    p.add_argument("--cache-dir", default=str(ROOT / "cache"))
    args = p.parse_args()
    done = measure(args.preset, args.live, args.link, args.repeats, args.data_dir, args.cache_dir)
    print(f"{args.link or args.preset}{' (live)' if args.live else ''}, load average {os.getloadavg()[0]:.1f}:")
    for name, call, label in done:
        print(f"  {name:6} ran {call:5.2f} s after the click; its new button shown {label:5.2f} s after")


if __name__ == "__main__":
    main()
