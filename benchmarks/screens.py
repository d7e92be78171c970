"""python -m benchmarks.screens [--data-dir DIR]: the pictures in docs/screens/, made again.

Home's picture (``hook.png``: step 3 of the step-through, three features on three scales collapsing to
one, drawn by vl-convert from the page's own chart), then, from a real ``streamlit run app.py`` in headless
Chromium at 1280x720 with the shipped cache: the first screen of every page, every page's first presenter
slide, and five slides of the default lecture. Prints each file with the height of the page's scrolling
area (``stMain``'s scrollHeight: what a projector would have to scroll) and of the document.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from benchmarks.browser import CHROMIUM, CHROMIUM_ARGS, IDLE, ROOT, free_port, start_streamlit, stop, wait_until_serving

SCREENS = ROOT / "docs" / "screens"
HOOK = SCREENS / "hook.png"
WIDTH, HEIGHT = 1280, 720
PAGES = {  # file stem -> the page's address (its first screen)
    "home": "/",
    "lecture": "/lecture",
    "algorithm": "/algorithm?step=3",
    "moments": "/moments",
    "norm_sets": "/norm_sets",
    "activations": "/activations",
    "experiments": "/experiments",
    "practice": "/practice",
    "why": "/why",
    "code": "/code",
}
PRESENTED = ("home", "algorithm", "moments", "norm_sets", "experiments", "practice", "why", "code")
LECTURE_SLIDES = (4, 8, 9, 13, 19, 23)  # normalize, ∂ℓ/∂x, its graph, Algorithm 2, Figure 1(a), the scoreboard
HEIGHTS = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  return {main: main ? main.scrollHeight : 0, document: document.documentElement.scrollHeight};
}"""


def make_hook(path: Path = HOOK) -> Path:
    """Step 3's chart (the default batch, large type) as a PNG: Home's picture."""
    import altair as alt
    import vl_convert as vlc

    from bnviz.teach import step_views as V
    from bnviz.teach import stepthrough as S
    from bnviz.teach import toybatch as T

    x = T.DEFAULT_BATCH
    gamma, beta = T.default_affine(x.shape[1])
    view = V.step_view(2, S.walk(x, gamma, beta, 1e-5, "random w", 0), None, large=True)
    title = alt.TitleParams(
        "Three features on three scales (grey) become one (red): each minus its batch mean, over its batch std",
        fontSize=20,
        anchor="start",
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(vlc.vegalite_to_png(view.chart.properties(title=title).to_json(), scale=1.5))
    return path


def settle(page) -> None:
    page.wait_for_selector('[data-testid="stMainBlockContainer"] h1', timeout=120_000)
    time.sleep(1)
    page.wait_for_selector(IDLE, timeout=120_000)
    time.sleep(2.5)  # charts finish drawing after the script has stopped


def shoot(browser, url: str, path: Path) -> dict:
    page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
    try:
        page.goto(url, wait_until="domcontentloaded")
        settle(page)
        page.screenshot(path=str(path))
        return page.evaluate(HEIGHTS)
    finally:
        page.close()


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.screens", description=__doc__)
    p.add_argument("--data-dir", help="the data folder the app is given (default: its own default)")
    args = p.parse_args(argv)
    from playwright.sync_api import sync_playwright

    if CHROMIUM is None:
        print("Debian's chromium is not installed (apt-get install chromium)", file=sys.stderr)
        return 1
    print(f"{make_hook().relative_to(ROOT)}")
    port = free_port()
    env = {"BNVIZ_NO_WARM_UP": "1"} | ({"BNVIZ_DATA_DIR": args.data_dir} if args.data_dir else {})
    proc = start_streamlit("app.py", port, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        if not wait_until_serving(url, timeout=90):
            print("streamlit did not start", file=sys.stderr)
            return 1
        shots = [(f"{name}.png", address) for name, address in PAGES.items()]
        for name in PRESENTED:
            address = PAGES[name]
            shots.append((f"{name}-present.png", address + ("&" if "?" in address else "?") + "present=1"))
        shots += [(f"lecture-slide-{n:02d}.png", f"/lecture?slide={n}") for n in LECTURE_SLIDES]
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for file, address in shots:
                heights = shoot(browser, url + address, SCREENS / file)
                print(
                    f"docs/screens/{file}  {address}  scrollHeight: main {heights['main']}, document {heights['document']}"
                )
            browser.close()
    finally:
        stop(proc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
