"""How soon Pause, Resume and Stop take effect on the Activations page, in Chromium against `streamlit run`.

python -m benchmarks.clicks [--preset NAME] [--live] [--repeats N] [--data-dir DIR] [--cache-dir DIR]

Chooses a preset (``--live``: then "Train it live", for a preset that has a recording), lets it train,
and clicks Pause, Resume and Stop. The server's LiveComparison.pause/resume/stop are wrapped (through a
``sitecustomize`` in a temporary folder, nothing in bnviz changes) to write when they ran; the script
prints, for each click, the seconds from the click to the call (training stops there: the thread ends
after its step in flight) and to the button's new label in the browser. Not part of ``python -m
benchmarks``'s table: one machine's numbers under its current load, printed with the load average.
"""

from __future__ import annotations

import argparse
import os
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


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--preset", default="BN before or after g", help="the preset's label on the page")
    p.add_argument("--live", action="store_true", help='press "Train it live" (the preset has a recording)')
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--data-dir", default=os.environ.get("BNVIZ_DATA_DIR", "data"))
    p.add_argument("--cache-dir", default=str(ROOT / "cache"))
    args = p.parse_args()
    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp(prefix="bnviz-clicks-"))
    (folder / "sitecustomize.py").write_text(WRAP)
    log = folder / "calls.log"
    log.touch()
    env = {
        "BNVIZ_DATA_DIR": args.data_dir,
        "BNVIZ_CACHE_DIR": args.cache_dir,
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
            page.goto(f"{url}/activations")
            page.wait_for_selector('[data-testid="stVegaLiteChart"]', timeout=120_000)
            page.get_by_text(args.preset, exact=False).first.click()
            if args.live:
                page.get_by_role("button", name="Train it live").click()
            page.wait_for_selector('[data-testid="stProgress"]', timeout=120_000)
            for _ in range(args.repeats):
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
    print(f"{args.preset}{' (live)' if args.live else ''}, load average {os.getloadavg()[0]:.1f}:")
    for name, clicked, label in clicks:
        called = next(t for n, t in calls if n == name and t >= clicked - 0.05)
        calls.remove((name, called))
        print(
            f"  {name:6} ran {called - clicked:5.2f} s after the click; its new button shown {label - clicked:5.2f} s after"
        )


if __name__ == "__main__":
    main()
