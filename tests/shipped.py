"""The shipped results (cache/) in a folder of the test's own, for page tests that read real results.

``shipped_cache(folder)`` copies them there and adds a second, older mnist-fig1 result under another key,
so that a page has a result to pick besides the default."""

import json
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OTHER_KEY = "0000000000000000"


def shipped_cache(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted((ROOT / "cache").glob("*.json")):
        shutil.copy(path, folder / path.name)
    fig1 = next((ROOT / "cache").glob("mnist-fig1-*.json"))
    other = json.loads(fig1.read_text()) | {"key": OTHER_KEY, "created": "2026-01-01T00:00:00+00:00"}
    (folder / f"mnist-fig1-{OTHER_KEY}.json").write_text(json.dumps(other))
    return folder
