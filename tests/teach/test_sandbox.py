"""Student code in the real child process (bnviz.teach.sandbox): a CPU-time limit, a memory limit and a wall-clock
timeout, code that raises, prints or exits, and the command line's `python -m bnviz check`."""

import os
import subprocess
import sys
import time

import pytest
from harness import ROOT, scaled

from bnviz import cli
from bnviz.teach import grader as G
from bnviz.teach import grader_examples as E
from bnviz.teach import sandbox as SB

pytestmark = pytest.mark.slow  # every test starts a child process
PROBES = G.random_probes(0)


def limits(timeout: float = 60, cpu_seconds: int = 60) -> SB.Limits:
    return SB.Limits(timeout=scaled(timeout), cpu_seconds=cpu_seconds)


def test_the_papers_code_runs_and_passes_in_the_child():
    run = SB.run(E.PAPER_NUMPY, PROBES, limits())
    assert run.status == "ok" and run.framework == "NumPy" and len(run.probes) == len(PROBES)
    assert G.grade(PROBES, run).passed


def test_a_loop_that_never_ends_is_killed_at_the_wall_clock_timeout():
    code = "import time\n\ndef forward(x, gamma, beta, eps):\n    while True:\n        time.sleep(0.05)\n\ndef backward(dy, c):\n    pass\n"
    start = time.monotonic()
    run = SB.run(code, PROBES, limits(timeout=3))
    assert run.status == "timeout" and "wall-clock" in run.message
    assert time.monotonic() - start < scaled(3) + scaled(30)  # it waited for the timeout, not for the loop


def test_a_busy_loop_is_stopped_by_the_cpu_limit():
    run = SB.run("while True:\n    pass\n", PROBES, limits(timeout=120, cpu_seconds=1))
    assert run.status == "cpu" and "CPU-time limit of 1 s" in run.message


def test_allocating_without_bound_stops_at_the_memory_limit():
    code = "blocks = []\nwhile True:\n    blocks.append(bytearray(50 * 2**20))\n"
    run = SB.run(code, PROBES, SB.Limits(timeout=scaled(60), cpu_seconds=60, memory_bytes=512 * 2**20))
    assert run.status == "memory" and "512 MB" in run.message


def test_code_that_raises_reports_its_own_lines_only():
    code = E.PAPER_NUMPY.replace(
        "    m = x.shape[0]\n    mu", "    m = x.shape[0]\n    raise ValueError('not yet')\n    mu"
    )
    run = SB.run(code, PROBES, limits())
    assert run.status == "raised" and run.error["type"] == "ValueError" and run.error["message"] == "not yet"
    assert 'File "my_bn.py", line 6, in forward' in run.error["where"] and "grader_child" not in run.error["where"]
    assert run.probes == [{}]  # stopped in the first probe's forward
    assert not G.grade(PROBES, run).passed


def test_prints_are_kept_and_a_flood_of_them_is_cut():
    code = E.PAPER_NUMPY.replace(
        "    m = x.shape[0]\n    mu", "    m = x.shape[0]\n    print('shape', x.shape)\n    mu", 1
    )
    run = SB.run(code, PROBES, limits())
    assert run.status == "ok" and run.printed.splitlines()[:2] == ["shape (5, 4)", "shape (8, 3)"]
    assert G.grade(PROBES, run).passed
    flood = SB.run("for i in range(10**5):\n    print('x' * 100)\n", PROBES, limits())
    assert len(flood.printed) < 5000 and "more characters not kept" in flood.printed


@pytest.mark.parametrize(
    "code, kind",
    [("import sys\nsys.exit(3)\n", "SystemExit"), ("def forward(:\n", "SyntaxError"), ("x = 1\n", "NameError")],
)
def test_exits_syntax_errors_and_missing_functions_are_reported(code, kind):
    run = SB.run(code, PROBES, limits())
    assert run.status == "raised" and run.error["type"] == kind


def test_whatever_the_code_started_dies_with_it(tmp_path):
    marker = tmp_path / "pid"
    code = (
        f"import subprocess\np = subprocess.Popen(['sleep', '300'])\nopen({str(marker)!r}, 'w').write(str(p.pid))\n"
        "import time\nwhile True:\n    time.sleep(0.1)\n"
    )
    run = SB.run(code, PROBES, limits(timeout=3))
    assert run.status == "timeout"
    pid = int(marker.read_text())
    deadline = time.monotonic() + scaled(10)
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.1)
    assert not _alive(pid)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"  # a zombie is dead, waiting for its parent to collect it
    except FileNotFoundError:
        return False


def test_the_child_cannot_see_the_servers_environment(monkeypatch):
    monkeypatch.setenv("BNVIZ_SECRET_FOR_TEST", "s3cret")
    code = "import os\nprint(sorted(os.environ))\n"
    run = SB.run(code, PROBES, limits())
    assert "BNVIZ_SECRET_FOR_TEST" not in run.printed


def test_check_on_the_command_line(tmp_path, capsys):
    good, bad = tmp_path / "good.py", tmp_path / "bad.py"
    good.write_text(E.PAPER_NUMPY)
    bad.write_text(E.EXAMPLES[3][2])  # the path through σ²_B missing
    assert cli.main(["check", str(good)]) == 0
    assert "agrees with the paper's, on every batch" in capsys.readouterr().out
    assert cli.main(["check", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "First difference: ∂ℓ/∂σ²_B" in out and "no term through σ²_B" in out
    assert cli.main(["check", str(tmp_path / "missing.py")]) == 1
    assert "cannot read" in capsys.readouterr().err


def test_python_m_bnviz_check_in_a_fresh_process(tmp_path):
    path = tmp_path / "my_bn.py"
    path.write_text(E.EXAMPLES[2][2])  # the unbiased variance
    out = subprocess.run(
        [sys.executable, "-m", "bnviz", "check", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=scaled(120),
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert out.returncode == 1 and "First difference: σ²_B" in out.stdout and "unbiased variance" in out.stdout
