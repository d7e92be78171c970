"""The classroom moments' presenter view in a real browser: every screen at 1280x720 with the sidebar closed fits
without scrolling, and ← → step. Screenshots go to tests/screenshots/moments-<moment>-<part>-1280x720.png.

Streamlit scrolls its main area, not the document, so both are measured: the document's scrollHeight and that
of the scrolling element, [data-testid="stMain"]. Skipped (with the reason) without Debian's chromium or playwright.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import pytest
from harness import scaled, scaled_ms

from benchmarks.browser import CHROMIUM, CHROMIUM_ARGS, IDLE, free_port, start_streamlit, stop, wait_until_serving
from bnviz.teach import moments as M

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "tests" / "screenshots"
FITS = 760  # px: a 720-pixel screen, and no more than a few pixels of margin below

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium)"),
]
playwright_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    """A real `streamlit run app.py` with an empty data folder: the networks train on synthetic data."""
    port = free_port()
    log = open(tmp_path_factory.mktemp("log") / "streamlit.log", "w")
    proc = start_streamlit("app.py", port, env={"BNVIZ_DATA_DIR": str(tmp_path_factory.mktemp("data"))}, log=log)
    url = f"http://127.0.0.1:{port}"
    if not wait_until_serving(url, timeout=scaled(60)):
        stop(proc)
        pytest.fail("streamlit did not start within 60 s")
    try:
        yield url
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def page(app_url):
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        tab = browser.new_page(viewport={"width": 1280, "height": 720})
        tab.set_default_timeout(scaled_ms(30_000))
        yield tab
        browser.close()


def settle(page) -> None:
    """Wait until the page has a title and its script has stopped (training a network can take a while)."""
    page.wait_for_selector('[data-testid="stMainBlockContainer"] h1', timeout=scaled_ms(240_000))
    time.sleep(0.5)
    page.wait_for_selector(IDLE, timeout=scaled_ms(240_000))
    with contextlib.suppress(playwright_api.TimeoutError):  # charts draw a moment after the script ends
        page.locator('[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg').first.wait_for(
            timeout=2000
        )
    time.sleep(1.0)


def heights(page) -> tuple[int, int]:
    return page.evaluate(
        "[document.documentElement.scrollHeight, document.querySelector('[data-testid=\"stMain\"]').scrollHeight]"
    )


def check_screen(page, name: str) -> None:
    errors = page.locator('[data-testid="stException"]')
    assert errors.count() == 0, f"{name}: {errors.first.inner_text()[:500]}"
    sidebar = page.locator('[data-testid="stSidebar"]').bounding_box()
    assert sidebar is None or sidebar["x"] + sidebar["width"] <= 0, f"{name}: the sidebar is open: {sidebar}"
    document, main = heights(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-1280x720.png"))
    assert document <= FITS and main <= FITS, f"{name}: the page is {document} / {main} px high"
    for label in ("Previous", "Next"):
        box = page.get_by_role("button", name=label).bounding_box()
        assert box and box["y"] >= 0 and box["y"] + box["height"] <= 720 and box["height"] >= 50, (name, label, box)


@pytest.mark.parametrize("moment, part", M.screens())
def test_every_screen_fits_1280x720_in_the_presenter_view(page, app_url, moment, part):
    page.goto(f"{app_url}/moments?moment={moment}&part={part}&present=1", wait_until="domcontentloaded")
    settle(page)
    check_screen(page, f"moments-{moment}-{part}")


def test_the_keys_step_between_screens_and_moments(page, app_url):
    page.goto(f"{app_url}/moments?moment=graph&part=6&present=1", wait_until="domcontentloaded")
    settle(page)
    page.keyboard.press("ArrowRight")
    settle(page)
    deadline = time.time() + scaled(30)
    while time.time() < deadline and "moment=closed-form" not in page.evaluate("location.href"):
        time.sleep(0.25)
    assert "moment=closed-form" in page.evaluate("location.href")
    assert page.locator("h1").filter(has_text=M.BY_SLUG["closed-form"].parts[0]).count() == 1
    page.keyboard.press("ArrowLeft")
    settle(page)
    assert page.locator("h1").filter(has_text=M.BY_SLUG["graph"].parts[5]).count() == 1


def test_the_graders_report_and_a_revealed_guess_fit_too(page, app_url):
    page.goto(f"{app_url}/moments?moment=grader&present=1", wait_until="domcontentloaded")
    settle(page)
    page.locator(".st-key-mom_start").click()
    page.get_by_role("option", name="Mistake: the path through μ_B is missing").click()
    settle(page)
    page.get_by_role("button", name="Check it against the paper").click()
    page.get_by_text("First difference: ∂ℓ/∂μ_B").wait_for(timeout=scaled_ms(60_000))
    settle(page)
    check_screen(page, "moments-grader-report")
    page.goto(f"{app_url}/moments?moment=predict&part=2&present=1&predict=1", wait_until="domcontentloaded")
    settle(page)
    box = page.get_by_label("Your guess")
    box.fill("3")  # not Enter: in the guess's form Enter submits it too, so Reveal would be gone before the click
    page.get_by_role("button", name="Reveal").click()
    page.get_by_text("You guessed 3").wait_for(timeout=scaled_ms(30_000))
    settle(page)
    check_screen(page, "moments-predict-revealed")
    page.goto(f"{app_url}/moments?moment=graph&part=5&present=1", wait_until="domcontentloaded")
    settle(page)
    page.get_by_text("Treat μ_B and σ²_B as constants").click()
    page.get_by_text("Without the paths through μ_B and σ²_B").wait_for(timeout=scaled_ms(30_000))
    settle(page)
    check_screen(page, "moments-graph-constants")
