"""Run a student's code in a separate process with a CPU-time limit, a memory limit and a wall-clock timeout.

The code is the student's own, run on the machine that serves the app: never in the server's process.
:func:`run` writes it to a fresh temporary folder, starts ``grader_child.py`` there (which limits
itself with ``resource.setrlimit`` before it imports the student's file), waits at most ``timeout``
seconds, then kills the child's whole process group. Only the JSON file the child writes comes back.

:func:`is_loopback` decides whether the app may run student code at all: only when the server
listens on this machine alone (a classroom over the network must not run anyone's code here).
"""

from __future__ import annotations

import ipaddress
import json
import os
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from torch import Tensor

CHILD = Path(__file__).with_name("grader_child.py")
MAX_CODE_CHARS = 50_000  # a BN forward and backward fit in a few hundred; more is refused unread


@dataclass(frozen=True)
class Limits:
    timeout: float = 20.0  # wall-clock seconds before the child is killed
    cpu_seconds: int = 10  # RLIMIT_CPU: the kernel stops the child after this much CPU time
    memory_bytes: int = 1536 * 2**20  # RLIMIT_AS: allocations beyond this fail (PyTorch alone maps ~0.6 GB)


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Probe:
    """One batch the student's BN is run on: x ``(m, d)``, γ, β, ε and an upstream ∂ℓ/∂y."""

    name: str  # e.g. "your toy batch" or "random batch 2 (m = 8, d = 3, ε = 0.5)"
    x: Tensor
    gamma: Tensor
    beta: Tensor
    eps: float
    dy: Tensor


@dataclass(frozen=True)
class RunResult:
    status: str  # "ok" | "raised" | "memory" | "cpu" | "timeout" | "crashed"
    probes: list[dict] = field(default_factory=list)  # per probe run: y, cache, dx, dgamma, dbeta as the child wrote
    framework: str | None = None  # "NumPy" | "PyTorch"
    error: dict | None = None  # type, message, where (the student's frames) when the code raised
    printed: str = ""  # what the student's code printed (kept in part)
    message: str = ""  # for the student, when the run did not finish: what stopped it


def is_loopback(address: str | None) -> bool:
    """Whether a server bound to ``address`` answers this machine only (127.0.0.0/8, ::1, "localhost").

    An unset or empty address is not: Streamlit then listens on every interface."""
    if not address:
        return False
    if address.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def run(code: str, probes: list[Probe], limits: Limits | None = None) -> RunResult:
    """Run ``code`` (a module defining ``forward`` and ``backward``) on ``probes`` in a limited child process
    (``limits``: :data:`DEFAULT_LIMITS` if None)."""
    limits = limits or DEFAULT_LIMITS
    if len(code) > MAX_CODE_CHARS:
        return RunResult("crashed", message=f"The code is longer than {MAX_CODE_CHARS:,} characters; it was not run.")
    job = {
        "probes": [
            {"x": p.x.tolist(), "gamma": p.gamma.tolist(), "beta": p.beta.tolist(), "eps": p.eps, "dy": p.dy.tolist()}
            for p in probes
        ]
    }
    with tempfile.TemporaryDirectory(prefix="bnviz-grader-") as folder:
        folder = Path(folder)
        (folder / "my_bn.py").write_text(code, encoding="utf-8")
        job["code"] = str(folder / "my_bn.py")
        (folder / "job.json").write_text(json.dumps(job))
        out = folder / "result.json"
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        with open(folder / "output.txt", "wb") as log:
            child = subprocess.Popen(
                [
                    sys.executable,
                    "-I",
                    str(CHILD),
                    str(folder / "job.json"),
                    str(out),
                    str(limits.cpu_seconds),
                    str(limits.memory_bytes),
                ],
                cwd=folder,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: anything it starts is killed with it
            )
            timed_out = False
            try:
                child.wait(timeout=limits.timeout)
            except subprocess.TimeoutExpired:
                timed_out = True
            finally:
                _kill_group(child)
        return _result(child.returncode, timed_out, out, limits, (folder / "output.txt").read_bytes()[-2000:])


def _kill_group(child: subprocess.Popen) -> None:
    try:
        os.killpg(child.pid, signal.SIGKILL)  # the child's group: the child and whatever it started
    except ProcessLookupError:
        pass
    child.wait()


def _result(returncode: int, timed_out: bool, out: Path, limits: Limits, tail: bytes) -> RunResult:
    try:
        found = json.loads(out.read_text())
    except (OSError, ValueError):
        found = None
    if timed_out:
        return RunResult(
            "timeout",
            message=f"Your code was still running after {limits.timeout:g} s of wall-clock time and was stopped "
            "(an endless loop?). Nothing else was affected: fix it and run it again.",
        )
    if isinstance(found, dict) and found.get("status") in ("ok", "raised", "memory"):
        probes = [p for p in found.get("probes", []) if isinstance(p, dict)]
        message = ""
        if found["status"] == "memory":
            message = (
                f"Your code asked for more memory than its limit of {limits.memory_bytes / 2**20:,.0f} MB and was "
                "stopped (MemoryError). BN on a toy batch needs a few kilobytes: look for an array that grows without end."
            )
        error = found.get("error") if isinstance(found.get("error"), dict) else None
        return RunResult(found["status"], probes, found.get("framework"), error, str(found.get("printed", "")), message)
    if returncode in (-signal.SIGXCPU, -signal.SIGKILL) or returncode == 128 + signal.SIGXCPU:
        return RunResult(
            "cpu",
            message=f"Your code used its CPU-time limit of {limits.cpu_seconds} s and was stopped by the system "
            "(an endless loop?). Nothing else was affected: fix it and run it again.",
        )
    text = tail.decode("utf-8", "replace").strip()
    return RunResult(
        "crashed",
        message=f"The process running your code ended without a result (exit code {returncode})."
        + (f" Its last output: {text[-500:]}" if text else ""),
    )
