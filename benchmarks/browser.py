"""A real `streamlit run` and headless Debian Chromium: shared by tests/test_browser.py and benchmarks/app.py.

Playwright only drives the browser; it never downloads one (``executable_path`` is Debian's chromium).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the folder holding app.py
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# The app root's attribute while no script runs (Streamlit's own end-to-end tests wait on it): with the
# page's content in place, the run that drew it has finished and every widget answers.
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_streamlit(script: str, port: int, cwd: Path = ROOT, env: dict | None = None, log=None) -> subprocess.Popen:
    """`streamlit run script` on 127.0.0.1:port, headless; its output goes to ``log`` (default: nowhere)."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            script,
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--server.address",
            "127.0.0.1",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        stdout=log or subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )


def wait_until_serving(url: str, timeout: float = 60, poll: float = 0.3) -> bool:
    """Poll Streamlit's health endpoint until it answers (False after ``timeout`` seconds)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
            return True
        except OSError:
            time.sleep(poll)
    return False


def stop(proc: subprocess.Popen, timeout: float = 20) -> None:
    """SIGTERM (so a runner can end its own workers), then SIGKILL after ``timeout`` seconds; waits for it."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
    proc.wait()
