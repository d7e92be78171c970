"""Every slide fits one 1280x720 screen, in Chromium: each page's presenter view walked with the → key from
its first slide to its last, and the default lecture from /lecture?slide=1 to its end with → and back with ←.

A slide's height is the larger of ``document.documentElement.scrollHeight`` and the scroll height of
Streamlit's main area (``[data-testid="stMain"]``): Streamlit scrolls that area, not the document, so the
document alone always measures the window. Every height is written to tests/screenshots/slide-heights.json.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from pathlib import Path

import pytest
from harness import scaled, scaled_ms
from shipped import shipped_cache

from benchmarks.browser import CHROMIUM, CHROMIUM_ARGS, IDLE, free_port, start_streamlit, stop, wait_until_serving
from bnviz.teach import lecture as LE

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "tests" / "screenshots"
LIMIT = 760  # a 720-pixel screen, and the browser's rounding
HEIGHTS = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  const from = [...document.querySelectorAll('[data-testid="stCaptionContainer"]')]
    .map(c => c.innerText).find(t => t.includes(" · from "));
  return {
    document: document.documentElement.scrollHeight,
    main: main ? main.scrollHeight : 0,
    from: from ? from.split(" · from ")[1].split(" · ")[0] : "",
  };
}"""
PRESENTED = ("home", "algorithm", "norm_sets", "code", "experiments", "practice", "why", "activations")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium)"),
]
playwright_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    """`streamlit run app.py` with the shipped results and an empty data folder."""
    cache_folder = shipped_cache(tmp_path_factory.mktemp("cache"))
    env = {"BNVIZ_CACHE_DIR": str(cache_folder), "BNVIZ_DATA_DIR": str(tmp_path_factory.mktemp("data"))}
    log = open(tmp_path_factory.mktemp("log") / "streamlit.log", "w")
    port = free_port()
    proc = start_streamlit("app.py", port, env=env | {"BNVIZ_NO_WARM_UP": "1"}, log=log)
    url = f"http://127.0.0.1:{port}"
    if not wait_until_serving(url, timeout=scaled(90)):
        proc.kill()
        pytest.fail("streamlit did not start within 90 s")
    try:
        yield url
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def heights():
    measured: dict[str, list] = {}
    yield measured
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / "slide-heights.json"
    old = json.loads(path.read_text()) if path.exists() else {}
    path.write_text(json.dumps(old | measured, indent=1, ensure_ascii=False))


@contextlib.contextmanager
def browser_page():
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 720})  # fresh: no sidebar choice stored
        page.set_default_timeout(scaled_ms(60_000))
        try:
            yield page
        finally:
            browser.close()


def settle(page, before: str | None = None) -> None:
    """Wait until the address has changed from ``before`` (a key press took effect), the script has stopped
    and the charts have drawn."""
    deadline = time.time() + scaled(90)
    while before is not None and page.evaluate("location.href") == before and time.time() < deadline:
        time.sleep(0.2)
    page.wait_for_selector('[data-testid="stMainBlockContainer"] h1', timeout=scaled_ms(120_000))
    time.sleep(0.6)
    page.wait_for_selector(IDLE, timeout=scaled_ms(120_000))
    for chart in page.locator('[data-testid="stVegaLiteChart"]').all():
        chart.locator("canvas, svg").first.wait_for(timeout=scaled_ms(30_000))
    time.sleep(0.8)  # a chart sets its height once drawn


def measure(page, where: str) -> dict:
    errors = page.locator('[data-testid="stException"]')
    assert errors.count() == 0, f"{where}: {errors.first.inner_text()[:300]}"
    h = page.evaluate(HEIGHTS)
    title = page.locator('[data-testid="stMainBlockContainer"] h1').first.inner_text()
    return {"where": where, "title": title, **h}


def next_enabled(page) -> bool:
    return page.get_by_role("button", name="Next").is_enabled()


def walk(page, key: str, name: str) -> list[dict]:
    """Press ``key`` until the button it presses is disabled; a measurement of every slide on the way."""
    out = [measure(page, f"{name}: {page.evaluate('location.search')}")]
    button = "Next" if key == "ArrowRight" else "Previous"
    while page.get_by_role("button", name=button).is_enabled():
        before = page.evaluate("location.href")
        page.keyboard.press(key)
        settle(page, before)
        out.append(measure(page, f"{name}: {page.evaluate('location.search')}"))
        assert len(out) <= LE.MAX_SLIDES
    return out


def too_tall(slides: list[dict]) -> list[dict]:
    return [s for s in slides if max(s["document"], s["main"]) > LIMIT]


@pytest.mark.parametrize("name", PRESENTED)
def test_every_slide_of_a_presenter_view_fits_1280x720(app_url, heights, name):
    with browser_page() as page:
        page.goto(f"{app_url}/{'' if name == 'home' else name}?present=1", wait_until="domcontentloaded")
        settle(page)
        sidebar = page.locator('[data-testid="stSidebar"]').bounding_box()
        assert sidebar is None or sidebar["x"] + sidebar["width"] <= 0, f"the sidebar is open: {sidebar}"
        slides = walk(page, "ArrowRight", name)
        heights[name] = slides
        page.screenshot(path=str(SHOTS / f"present-{name}-last.png"))
    assert not too_tall(slides), too_tall(slides)
    assert len(slides) >= {"home": 1, "code": 2, "norm_sets": 5, "algorithm": 11}.get(name, 3)


def test_the_default_lecture_goes_across_five_pages_and_back_on_the_arrow_keys(app_url, heights):
    lecture = LE.load(LE.path_of(LE.DEFAULT))
    with browser_page() as page:
        page.goto(f"{app_url}/lecture?slide=1", wait_until="domcontentloaded")
        settle(page)
        forward = walk(page, "ArrowRight", "lecture")
        backward = walk(page, "ArrowLeft", "lecture back")
    heights["lecture"] = forward
    assert [s["title"] for s in forward] == [s.title for s in lecture.slides]
    assert [s["title"] for s in backward] == [s.title for s in reversed(lecture.slides)]
    crossed = {s["from"] for s in forward}
    assert len(crossed) >= 5 and "" not in crossed, crossed
    assert backward[-1]["where"].endswith("?slide=1")
    assert not too_tall(forward), too_tall(forward)


@pytest.mark.parametrize(  # anchor None: the section of the slide shown
    "path, keys, anchor", [("practice?present=1", 4, None), ("algorithm?present=1&step=6", 2, "step")]
)
def test_leaving_the_presenter_view_lands_on_the_slide_just_shown(app_url, path, keys, anchor):
    """Deep in a long page: the heading of the slide that was on the screen, not the page's top or the old place."""
    with browser_page() as page:
        page.goto(f"{app_url}/{path}", wait_until="domcontentloaded")
        settle(page)
        for _ in range(keys):
            before = page.evaluate("location.href")
            page.keyboard.press("ArrowRight")
            settle(page, before)
        title = page.locator('[data-testid="stMainBlockContainer"] h1').first.inner_text()
        before = page.evaluate("location.href")
        anchor = anchor or re.search(r"section=([\w-]+)", before).group(1)
        assert anchor != "batch-size-1"  # a slide deep in the page
        page.get_by_text("Presenter view", exact=True).click()
        settle(page, before)
        time.sleep(2.5)  # the page scrolls once the charts above the heading have their height
        heading = page.locator(f'[id="{anchor}"]')
        box = heading.bounding_box()
        assert box is not None and 0 <= box["y"] <= 200, (title, box)
        assert page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollTop") > 500
