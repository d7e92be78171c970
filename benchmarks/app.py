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
import subprocess
import sys
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
# A lecturer who talks over Home first: long enough for Home's background warm-up (pages/_warm_up.py), whose
# own time this benchmark measures too ("warm-up" below), to have finished on the project's machine.
THINK_WARM = 12.0
TIMEOUT_MS = 120_000
LOADS = ["Home: start to interactive", "step-through: start to interactive"]
CHART, ACTIVATIONS_CLICK = "step-through: start to its chart drawn", "Activations: click to rendered"
FIRST_CHART = "Activations: click to its first chart drawn"
WARM_CHART = f"Activations, clicked {THINK_WARM:.0f} s after Home: click to its first chart drawn"
AGAIN_CHART = "Activations, clicked again from Home in the same tab: click to its first chart drawn"
WARM_UP = "Home's background warm-up: imports and the cache read, in a fresh process"
ARROW = "step-through presenter view: → key to the next step drawn"
ARROWS = 6  # presses per round, each timed; the round keeps their median

# The page shows ``title`` in an h1 and no script runs; CHART_JS: a Vega chart is drawn.
READY_JS = """([idle, title]) => document.querySelector(idle) !== null
    && [...document.querySelectorAll('[data-testid="stMainBlockContainer"] h1')].some(h => h.innerText.trim() === title)"""
CHART_JS = (
    """() => document.querySelector('[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg')"""
)
# The page titled ``title`` shows a drawn Vega chart that is not the previous page's (stale) one.
TITLED_CHART_JS = """([title]) => [...document.querySelectorAll('[data-testid="stMainBlockContainer"] h1')]
        .some(h => h.innerText.trim() === title)
    && [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
        .some(c => c.closest('[data-stale="true"]') === null && c.querySelector('canvas, svg') !== null)"""
# The h1 is no longer ``before``, no script runs, and every Vega chart on the page is drawn.
STEPPED_JS = """([idle, before]) => {
    const h = document.querySelector('[data-testid="stMainBlockContainer"] h1');
    const charts = [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')];
    return h !== null && h.innerText.trim() !== before && document.querySelector(idle) !== null
        && charts.length > 0 && charts.every(c => c.querySelector('canvas, svg') !== null);
}"""


def wait_ready(page, title: str) -> None:
    page.wait_for_function(READY_JS, arg=[B.IDLE, title], polling="raf", timeout=TIMEOUT_MS)


def arrow_presses(page) -> float:
    """The median seconds from a → key press in a presenter view to the next step's title, idle, charts drawn."""
    times = []
    for _ in range(ARROWS):
        time.sleep(THINK)
        before = page.locator('[data-testid="stMainBlockContainer"] h1').first.inner_text().strip()
        t0 = time.perf_counter()
        page.keyboard.press("ArrowRight")
        page.wait_for_function(STEPPED_JS, arg=[B.IDLE, before], polling="raf", timeout=TIMEOUT_MS)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def launch(
    browser,
    script: str,
    cwd: Path,
    path: str,
    title: str,
    chart: bool = False,
    click=None,
    arrows=False,
    think=THINK,
    again=False,
):
    """Seconds from `streamlit run script` to ``path`` interactive ("interactive") and, with ``chart``, to
    its first chart drawn ("chart"); with ``click=(link text, title)``, the seconds from clicking that
    sidebar link, ``think`` seconds after, to its page rendered ("click") and, with ``chart``, to its first
    chart drawn ("click chart"); with ``again``, back to the first page, THINK seconds there, and the same click
    in the same tab to its first chart drawn ("again chart"); with ``arrows``, the median of ARROWS → presses
    ("arrow")."""
    port = B.free_port()
    url = f"http://127.0.0.1:{port}"
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    t = {}
    t0 = time.perf_counter()
    proc = B.start_streamlit(script, port, cwd=cwd)
    try:
        if not B.wait_until_serving(url, timeout=TIMEOUT_MS / 1000, poll=0.02):
            raise RuntimeError(f"streamlit run {script} did not start")
        page.goto(url + path, wait_until="commit")
        wait_ready(page, title)
        t["interactive"] = time.perf_counter() - t0
        if chart and not click:
            page.wait_for_function(CHART_JS, polling="raf", timeout=TIMEOUT_MS)
            t["chart"] = time.perf_counter() - t0
        if click:
            link, target = click
            time.sleep(think)
            t1 = time.perf_counter()
            page.locator('[data-testid="stSidebarNav"]').get_by_text(link, exact=True).click()
            if chart:
                page.wait_for_function(TITLED_CHART_JS, arg=[target], polling="raf", timeout=TIMEOUT_MS)
                t["click chart"] = time.perf_counter() - t1
            wait_ready(page, target)
            t["click"] = time.perf_counter() - t1
        if click and again:
            page.locator('[data-testid="stSidebarNav"]').get_by_text("Home", exact=True).click()
            wait_ready(page, title)
            time.sleep(THINK)
            t1 = time.perf_counter()
            page.locator('[data-testid="stSidebarNav"]').get_by_text(link, exact=True).click()
            page.wait_for_function(TITLED_CHART_JS, arg=[target], polling="raf", timeout=TIMEOUT_MS)
            t["again chart"] = time.perf_counter() - t1
        if arrows:
            t["arrow"] = arrow_presses(page)
        return t
    finally:
        context.close()
        B.stop(proc)


def browser_round(browser, hello_dir: Path) -> dict[str, float]:
    """One round: each contender once, in a fixed order (a background load hits them all alike)."""
    hello = launch(browser, "hello.py", hello_dir, "/", "Hello")
    home = launch(browser, "app.py", B.ROOT, "/", HOME, chart=True, click=(ACTIVATIONS, ACTIVATIONS))
    warm = launch(
        browser, "app.py", B.ROOT, "/", HOME, chart=True, click=(ACTIVATIONS, ACTIVATIONS), think=THINK_WARM, again=True
    )
    two = launch(browser, "two_pages.py", hello_dir, "/", "Hello", click=("Second page", "Second page"))
    step = launch(browser, "app.py", B.ROOT, "/algorithm", ALGORITHM, chart=True)
    present = launch(
        browser, "app.py", B.ROOT, "/algorithm?present=1", "Step 1 · the mini-batch mean μ_B", chart=True, arrows=True
    )
    return {
        "hello: start to interactive": hello["interactive"],
        LOADS[0]: home["interactive"],
        LOADS[1]: step["interactive"],
        CHART: step["chart"],
        "hello: click to second page": two["click"],
        ACTIVATIONS_CLICK: home["click"],
        FIRST_CHART: home["click chart"],
        WARM_CHART: warm["click chart"],
        AGAIN_CHART: warm["again chart"],
        WARM_UP: warm_up_seconds(),
        ARROW: present["arrow"],
    }


def side_by_side(samples: list[dict[str, float]], reference: str, names: list[str]) -> Times:
    """Medians over the rounds, each round's times kept for the spread of its ratios."""
    times = Times({name: statistics.median(s[name] for s in samples) for name in [reference, *names]})
    times.samples = {name: [s[name] for s in samples] for name in times}
    return times


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
    hello, click = "hello: start to interactive", "hello: click to second page"
    table = Table()
    table.add("`streamlit run` to interactive", side_by_side(samples, hello, LOADS), hello, "ms", "< 2x")
    table.add("`streamlit run` to a chart drawn (context)", side_by_side(samples, hello, [CHART]), hello, "ms")
    table.add("sidebar click to rendered", side_by_side(samples, click, [ACTIVATIONS_CLICK]), click, "ms", "< 2x")
    table.add(
        "sidebar click to a chart drawn",
        side_by_side(samples, click, [FIRST_CHART, WARM_CHART, AGAIN_CHART]),
        click,
        "ms",
        "<= 500 ms",
    )
    table.add(
        f"what the first click waits for (context; must end within {THINK_WARM:.0f} s for the row above)",
        side_by_side(samples, click, [WARM_UP]),
        click,
        "ms",
    )
    table.add(
        f"a key in a presenter view (median of {ARROWS} presses a round)",
        side_by_side(samples, click, [ARROW]),
        click,
        "ms",
        "<= 300 ms",
    )
    return [f"real browser, {rounds} rounds (a fresh server and browser context each):", table.markdown()]


def warm_up_seconds() -> float:
    """Seconds that Home's warm-up takes in a fresh Python process (its imports, then the cache folder's scan)."""
    code = (
        "import sys, time; sys.path.insert(0, '.'); t = time.perf_counter(); from pages import _warm_up; "
        "_warm_up._import_all(_warm_up.WARM_UP); print(time.perf_counter() - t)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=B.ROOT, capture_output=True, text=True, check=True)
    return float(out.stdout.split()[-1])


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
