"""The README's promises: its example runs, its two set-up commands are the ones CI runs, its links exist."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from harness import scaled

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


@pytest.mark.slow
def test_the_python_example_runs_as_written():
    (example,) = re.findall(r"```python\n(.*?)```", README, flags=re.S)
    out = subprocess.run([sys.executable, "-c", example], cwd=ROOT, capture_output=True, text=True, timeout=scaled(120))
    assert out.returncode == 0, out.stderr


def test_the_test_command_is_the_one_ci_runs():
    commands = re.findall(r"```bash\n(python3 -m venv .*?)\n```", README)
    assert len(commands) == 2 and commands[0].endswith("streamlit run app.py")
    quiet = commands[1].replace("pip install -r", "pip install -q -r")  # CI installs quietly, otherwise verbatim
    assert quiet in (ROOT / ".ci" / "run").read_text()


def test_every_local_link_exists():
    for target in re.findall(r"\]\(((?!https?:)[^)#]+)\)", README):
        assert (ROOT / target).exists(), target
