"""What the first pages import: Home (and the router before every page) opens without torch, pandas or
Altair, and the step-through page without sympy. Each is a second or so of a page's first open on a
2-core machine (benchmarks/app.py), so a stray module-level import shows up here, not only there."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from harness import scaled

pytestmark = pytest.mark.slow  # fresh interpreters

ROOT = Path(__file__).resolve().parents[2]
PYTHONPATH = os.pathsep.join([str(ROOT), str(ROOT / "tests")])  # the scripts below use harness.scaled
HEAVY = ("torch", "pandas", "pyarrow", "altair", "sympy")

# In a fresh interpreter: Home through app.py, then the step-through page and every one of its steps.
PROBE = """
import json, sys
from streamlit.testing.v1 import AppTest
from harness import scaled

def heavy():
    return sorted(m for m in HEAVY if m in sys.modules)

at = AppTest.from_file("app.py", default_timeout=scaled(120))
at.run()
assert not at.exception, at.exception
seen = {"home": heavy()}
at.switch_page("pages/algorithm.py").run()
while not at.exception and not (nxt := next(b for b in at.button if "Next" in b.label)).disabled:
    nxt.click().run()
assert not at.exception, at.exception
seen["algorithm"] = heavy()
seen["bnviz"] = sorted(m for m in sys.modules if m.startswith("bnviz."))
print(json.dumps(seen))
"""


@pytest.fixture(scope="module")
def imported():
    out = subprocess.run(
        [sys.executable, "-c", f"HEAVY = {HEAVY!r}\n{PROBE}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=scaled(300),
        env={**os.environ, "PYTHONPATH": PYTHONPATH, "BNVIZ_NO_WARM_UP": "1"},  # what Home needs itself
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


WARMED = """
import sys, time
from streamlit.testing.v1 import AppTest
from harness import scaled
at = AppTest.from_file("app.py", default_timeout=scaled(120))
at.run()
assert not at.exception, at.exception
deadline = time.monotonic() + scaled(120)
while "bnviz.train.trainer" not in sys.modules and time.monotonic() < deadline:
    time.sleep(0.05)
print(sorted(m for m in ("torch", "pandas", "altair", "bnviz.train.trainer") if m in sys.modules))
"""


def test_after_home_is_drawn_the_other_pages_imports_load_in_the_background():
    env = {k: v for k, v in os.environ.items() if k != "BNVIZ_NO_WARM_UP"}
    out = subprocess.run(
        [sys.executable, "-c", WARMED],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=scaled(300),
        env={**env, "PYTHONPATH": PYTHONPATH},
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == str(["altair", "bnviz.train.trainer", "pandas", "torch"])


def test_home_and_the_router_import_no_torch_pandas_or_altair(imported):
    assert imported["home"] == []


def test_the_step_through_page_imports_torch_but_not_sympy(imported):
    # torch.autograd.backward(gradient=...) imports sympy on first use; the page's walk avoids that call
    assert imported["algorithm"] == ["altair", "pandas", "pyarrow", "torch"]


def test_the_step_through_page_loads_no_dataset_or_training_code(imported):
    assert not [m for m in imported["bnviz"] if m.startswith(("bnviz.data", "bnviz.train", "bnviz.live"))]
