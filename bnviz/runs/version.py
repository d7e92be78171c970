"""The code version a result records: a hash over every file that decides a run's numbers.

Those are all the files of :mod:`bnviz.norms`, :mod:`bnviz.data` and :mod:`bnviz.train`, found
by glob, so a new module there is in the hash without anyone listing it. The pages, the runner
and the views beside them do not change a number, so they are left out.
"""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import torch

PACKAGE = Path(__file__).resolve().parent.parent  # bnviz/
TRAINING_PACKAGES = ("norms", "data", "train")


def training_files() -> list[Path]:
    """Every Python file of the training packages, in a fixed order."""
    return sorted(p for pkg in TRAINING_PACKAGES for p in (PACKAGE / pkg).rglob("*.py"))


def code_hash() -> str:
    """sha256 over each training file's path (relative to bnviz/) and bytes, first 16 hex digits."""
    h = hashlib.sha256()
    for path in training_files():
        h.update(path.relative_to(PACKAGE).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:16]


def code_version() -> dict:
    """The hash of the code that trains, the git commit, and whether those files differ from it."""
    files = [str(p) for p in training_files()]
    try:

        def git(*args):
            return subprocess.run(["git", *args], cwd=PACKAGE, capture_output=True, text=True, timeout=5).stdout.strip()

        commit = git("rev-parse", "--short", "HEAD") or None
        dirty = bool(git("status", "--porcelain", "--", *files)) if commit else None
    except (OSError, subprocess.SubprocessError):
        commit, dirty = None, None
    return {"bnviz_sha256": code_hash(), "git": commit, "modified_since_commit": dirty, "torch": torch.__version__}
