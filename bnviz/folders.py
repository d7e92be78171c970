"""Where bnviz looks for datasets: ``$BNVIZ_DATA_DIR``, else ``./data``.

Kept apart from :mod:`bnviz.data` (which imports torch) because the app's router shows this folder
on every page, including pages that never need torch.
"""

from __future__ import annotations

import os
from pathlib import Path

DATA_DIR_ENV = "BNVIZ_DATA_DIR"


def default_data_dir() -> Path:
    """$BNVIZ_DATA_DIR if set, else ./data (relative to the working directory)."""
    env = os.environ.get(DATA_DIR_ENV)
    return Path(env).expanduser() if env else Path("data")
