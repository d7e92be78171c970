"""Where bnviz looks for datasets: ``$BNVIZ_DATA_DIR``, else ``./data``.

Kept apart from :mod:`bnviz.data` (which imports torch) because the app's router shows this folder
on every page, including pages that never need torch.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

DATA_DIR_ENV = "BNVIZ_DATA_DIR"


def default_data_dir() -> Path:
    """$BNVIZ_DATA_DIR if set, else ./data (relative to the working directory)."""
    env = os.environ.get(DATA_DIR_ENV)
    return Path(env).expanduser() if env else Path("data")


def data_dir_problem(folder) -> str | None:
    """Why ``folder`` cannot be a data folder, as a sentence (None if it can, or does not exist yet: then
    each dataset's "file missing" message says what to put there). A name too long for the system, a
    loop of links or a NUL character would otherwise surface as an OSError, RuntimeError or ValueError."""
    text = str(folder)
    shown = text if len(text) <= 80 else text[:77] + "..."
    if "\0" in text:
        return f"the data folder {shown!r} holds a NUL character, which no file name can; type the folder again"
    try:
        info = os.stat(text)
    except FileNotFoundError:
        return None
    except OSError as e:
        why = {
            errno.ENAMETOOLONG: f"its name is too long ({len(text):,} characters; a system allows about 255 per "
            "folder name and 4,096 in all)",
            errno.ELOOP: "it is a loop of symbolic links",
            errno.ENOTDIR: "a part of its path is a file, not a folder",
        }.get(e.errno, f"it cannot be read ({e.strerror or e})")
        return f"the data folder {shown!r} cannot be used: {why}; choose another folder"
    if not stat.S_ISDIR(info.st_mode):
        return f"the data folder {shown!r} is a file, not a folder; choose the folder that holds the datasets"
    return None
