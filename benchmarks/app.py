"""Benchmark 5: the pages in a real browser against a bare Streamlit hello page, and server times in AppTest.

In the browser (headless Debian Chromium), each round, one after another: a bare hello app, from
`streamlit run` until its page is interactive; bnviz from `streamlit run app.py` until Home is
interactive, then a click on the sidebar's link to the Activations page until that page is rendered; a
bare two-page st.navigation app, loaded and its second page clicked the same way; and bnviz from
`streamlit run` opened on the step-through page's URL. Every load is a fresh server process and a
fresh browser context (nothing cached), so a round is what a student sees on the first visit.

"Interactive" and "rendered": the page's title is drawn and Streamlit's script has finished (the app
root's ``data-test-script-state`` is ``notRunning``: no running indicator, every widget answers); on
the step-through page its chart is drawn too. Ratios are to the hello app's time in the same round.
Then server times in AppTest: each page's first render (warm caches) and a click on Next.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from benchmarks import browser as B
from benchmarks.harness import Table, Times

APP = str(Path(__file__).resolve().parent.parent / "app.py")  # AppTest resolves paths from the caller's folder

PAGES = [
    "pages/home.py",
    "pages/algorithm.py",
    "pages/norm_sets.py",
    "pages/activations.py",
    "pages/experiments.py",
    "pages/code.py",
]

HELLO = 'import streamlit as st\n\nst.title("Hello")\nst.write("A bare Streamlit page.")\n'
HELLO_TWO_PAGES = """import streamlit as st


def hello():
    st.title("Hello")
    st.write("A bare Streamlit page.")


def second():
    st.title("Second page")
    st.write("Another bare page.")


st.navigation([st.Page(hello, title="Hello", default=True), st.Page(second, title="Second page")]).run()
"""
HOME, ALGORITHM, ACTIVATIONS = (
    "Batch Normalization, step by step",
    "Algorithm 1, step by step",
    "Activations while training",
)
THINK = 1.0  # seconds between a page becoming interactive and the click: a reader's first glance, the same for both
TIMEOUT_MS = 120_000

# The page shows ``title`` in an h1, no script runs, and (if ``chart``) a Vega chart is drawn.
READY_JS = """([idle, title, chart]) => document.querySelector(idle) !== null
    && [...document.querySelectorAll('[data-testid="stMainBlockContainer"] h1')].some(h => h.innerText.trim() === title)
    && (!chart || document.querySelector('[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg') !== null)"""


def wait_ready(page, title: str, chart: bool = False) -> None:
    page.wait_for_function(READY_JS, arg=[B.IDLE, title, chart], polling="raf", timeout=TIMEOUT_MS)


def launch_to_ready(browser, script: str, cwd: Path, path: str, title: str, chart: bool = False, click=None):
    """Seconds from `streamlit run script` to ``path`` interactive; with ``click=(link text, title)``, also
    the seconds from clicking that sidebar link (THINK seconds later) to its page rendered."""
    port = B.free_port()
    url = f"http://127.0.0.1:{port}"
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    t0 = time.perf_counter()
    proc = B.start_streamlit(script, port, cwd=cwd)
    try:
        if not B.wait_until_serving(url, timeout=TIMEOUT_MS / 1000, poll=0.02):
            raise RuntimeError(f"streamlit run {script} did not start")
        page.goto(url + path, wait_until="commit")
        wait_ready(page, title, chart)
        load = time.perf_counter() - t0
        if click is None:
            return load, None
        link, target = click
        time.sleep(THINK)
        t1 = time.perf_counter()
        page.locator('[data-testid="stSidebarNav"]').get_by_text(link, exact=True).click()
        wait_ready(page, target)
        return load, time.perf_counter() - t1
    finally:
        context.close()
        B.stop(proc)


def browser_round(browser, hello_dir: Path) -> dict[str, float]:
    """One round: each contender once, in a fixed order (a background load hits them all alike)."""
    root = B.ROOT
    t = {}
    t["hello: start to interactive"], _ = launch_to_ready(browser, "hello.py", hello_dir, "/", "Hello")
    t["Home: start to interactive"], t["Activations: click to rendered"] = launch_to_ready(
        browser, "app.py", root, "/", HOME, click=(ACTIVATIONS, ACTIVATIONS)
    )
    _, t["hello: click to second page"] = launch_to_ready(
        browser, "two_pages.py", hello_dir, "/", "Hello", click=("Second page", "Second page")
    )
    t["step-through: start to interactive"], _ = launch_to_ready(browser, "app.py", root, "/algorithm", ALGORITHM, True)
    return t


def run_browser(quick: bool) -> list[str]:
    if B.CHROMIUM is None:
        return ["(browser benchmark skipped: Debian's chromium is not installed: apt-get install chromium)"]
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return ["(browser benchmark skipped: the playwright package is not installed: pip install playwright)"]
    rounds = 3 if quick else 7
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        hello_dir = Path(tmp)
        (hello_dir / "hello.py").write_text(HELLO)
        (hello_dir / "two_pages.py").write_text(HELLO_TWO_PAGES)
        browser = p.chromium.launch(executable_path=B.CHROMIUM, args=B.CHROMIUM_ARGS)
        try:
            browser_round(browser, hello_dir)  # warm-up: the OS file cache, chromium's first start
            samples = [browser_round(browser, hello_dir) for _ in range(rounds)]
        finally:
            browser.close()
    table = Table()
    for bench, reference, names in (
        (
            "`streamlit run` to interactive",
            "hello: start to interactive",
            ["Home: start to interactive", "step-through: start to interactive"],
        ),
        ("sidebar click to rendered", "hello: click to second page", ["Activations: click to rendered"]),
    ):
        times = Times({name: statistics.median(s[name] for s in samples) for name in [reference, *names]})
        times.samples = {name: [s[name] for s in samples] for name in times}
        table.add(bench, times, reference, "ms", target="< 2x")
    return [f"real browser, {rounds} rounds (a fresh server and browser context each):", table.markdown()]


def first_render(page: str) -> float:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    t0 = time.perf_counter()
    at.switch_page(page).run()
    elapsed = time.perf_counter() - t0
    assert not at.exception, f"{page}: {at.exception}"
    return elapsed


def run_server(quick: bool) -> list[str]:
    lines = []
    repeats = 2 if quick else 5
    for page in PAGES:
        first_render(page)  # warms st.cache_data / st.cache_resource in this process
        t = statistics.median(first_render(page) for _ in range(repeats))
        lines.append(f"| first render, {page} | {t * 1e3:,.0f} ms | < 2,000 ms |")
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("pages/algorithm.py").run()
    samples = []
    for _ in range(repeats * 2):
        button = next(b for b in at.button if "Next" in b.label)
        t0 = time.perf_counter()
        button.click().run()
        samples.append(time.perf_counter() - t0)
    lines.append(f"| step-through page, click Next | {statistics.median(samples) * 1e3:,.0f} ms | < 100 ms |")
    return ["| app (AppTest) | median server time | target |", "|---|---:|---|", *lines]


def run(quick: bool) -> list[str]:
    return [*run_browser(quick), "", *run_server(quick)]
