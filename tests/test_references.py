"""Every dotted ``bnviz.x.y`` name in the code and its docstrings and comments, the benchmarks, the tests, the
docs and the README names a module, or a module's attribute, that exists."""

import importlib
import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("bnviz/**/*.py", "pages/*.py", "benchmarks/*.py", "tests/**/*.py", "app.py", "README.md", "docs/*.md")
DOTTED = re.compile(r"(?<![\w./-])bnviz(?:\.[A-Za-z_]\w*)+")
MADE_BY_TESTS = {"bnviz.experiments.toy_norms"}  # a module a test writes, imports and removes


def references() -> list[tuple[str, int, str]]:
    """(file, line, dotted name) of every ``bnviz.`` name in :data:`SOURCES`."""
    found = []
    for pattern in SOURCES:
        for path in sorted(ROOT.glob(pattern)):
            if path == Path(__file__):  # this file's own examples of names that do not resolve
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                found += [(str(path.relative_to(ROOT)), number, m.group(0)) for m in DOTTED.finditer(line)]
    return found


def resolves(name: str) -> bool:
    """Each part of ``name`` a submodule of the package before it, or an attribute of the object before it."""
    parts = name.split(".")
    obj = importlib.import_module(parts[0])
    for i, part in enumerate(parts[1:], 2):
        if hasattr(obj, "__path__") and importlib.util.find_spec(".".join(parts[:i])) is not None:
            obj = importlib.import_module(".".join(parts[:i]))
        elif hasattr(obj, part):
            obj = getattr(obj, part)
        else:
            return False
    return True


def test_the_scan_finds_names_in_code_docstrings_and_docs():
    files = {path for path, _, _ in references()}
    assert {"README.md", "bnviz/train/trainer.py", "docs/performance.md", "benchmarks/live.py"} <= files
    assert resolves("bnviz.train.trainer.train") and resolves("bnviz.norms.NORMS")
    assert not resolves("bnviz.trainer.train") and not resolves("bnviz.train.trainer.nothing_of_that_name")


def test_every_dotted_bnviz_name_resolves():
    missing = [f"{path}:{line}: {name}" for path, line, name in references() if name not in MADE_BY_TESTS]
    missing = [m for m in missing if not resolves(m.rpartition(" ")[2])]
    assert not missing, "names of modules or attributes that do not exist:\n" + "\n".join(missing)
