"""A preset's recording replayed in Chromium at 1280x720: chosen with one click, played at the fastest
speed to its last step, whose histograms are drawn. The time it took is printed, not asserted (the
benchmark's job); the recording is a short synthetic one made in the test process."""

from __future__ import annotations

import time

import pytest
from harness import scaled, scaled_ms
from recordings import train_runs, write_result

from benchmarks.browser import CHROMIUM, CHROMIUM_ARGS, IDLE, free_port, start_streamlit, stop, wait_until_serving
from bnviz import data, experiments
from bnviz.live import presets
from bnviz.views import replay

PRESET = "replay-paper-mlp"
STEPS = 200

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium)"),
]
playwright_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    """`streamlit run app.py` on a cache holding a 200-step synthetic recording of the paper's-MLP preset."""
    cache_folder = tmp_path_factory.mktemp("cache")
    exp = experiments.get(PRESET).with_overrides(steps=STEPS, seeds=[0], dataset="synthetic-mnist")
    dataset = data.load("synthetic-mnist")
    write_result(cache_folder, exp, train_runs(exp, dataset), dataset, "2026-01-01T00:00:00+00:00")
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


def status(page) -> str:
    texts = page.locator('[data-testid="stCaptionContainer"]').all_inner_texts()
    return next((t for t in texts if t.startswith(("Playing", "Paused"))), "")


def wait_for_end(page) -> None:
    deadline = time.monotonic() + scaled(120)
    while not status(page).startswith(f"Paused · step {STEPS} of {STEPS}"):
        assert time.monotonic() < deadline, f"the replay did not reach its end: {status(page)!r}"
        time.sleep(0.2)


def test_a_preset_replays_to_its_last_step_at_the_fastest_speed_and_draws_its_histograms(app_url):
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.set_default_timeout(scaled_ms(60_000))
        try:
            page.goto(f"{app_url}/activations")
            page.wait_for_selector(IDLE, timeout=scaled_ms(120_000))
            page.get_by_text(presets.BY_NAME[PRESET].label, exact=True).click()
            page.wait_for_function(
                "() => [...document.querySelectorAll('[data-testid=\"stCaptionContainer\"]')]"
                ".some(c => c.innerText.startsWith('Playing'))",
                timeout=scaled_ms(60_000),
            )
            assert page.get_by_text("A replay of a recorded run").count() == 1
            page.get_by_text(f"{replay.SPEEDS[-1]}×", exact=True).click()
            wait_for_end(page)
            page.get_by_role("button", name="Play").click()  # at the end, Play starts over from step 0
            started = time.monotonic()
            page.wait_for_function(
                "() => [...document.querySelectorAll('[data-testid=\"stCaptionContainer\"]')]"
                ".some(c => c.innerText.startsWith('Playing'))",
                timeout=scaled_ms(60_000),
            )
            wait_for_end(page)
            print(f"the whole replay at {replay.SPEEDS[-1]}x: {time.monotonic() - started:.1f} s")
            page.wait_for_selector(IDLE, timeout=scaled_ms(60_000))
            assert page.get_by_role("button", name="Play").count() == 1  # paused at the end
            for layer in ("layer1", "layer2", "layer3"):
                assert page.get_by_text(f"{layer} at step {STEPS}").count() == 1
            charts = page.locator('[data-testid="stVegaLiteChart"]')
            for i in range(3):  # the three layers' input histograms at the last step, drawn
                charts.nth(i).locator("canvas, svg").first.wait_for(timeout=scaled_ms(30_000))
            assert page.locator('[data-testid="stException"]').count() == 0
        finally:
            browser.close()
