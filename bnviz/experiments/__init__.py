"""The experiments: one package each, found by this package.

A package ``bnviz/experiments/<name>/`` whose ``__init__`` defines ``EXPERIMENT`` (an
:class:`~bnviz.experiments.spec.Experiment`: its arms and seeds, its page, tab, place and the question
or claim it answers) is an experiment: the CLI lists and runs it, its page draws it, with no other
edit. A package of several experiments that share their findings and sections (the Activations page's
recorded presets) defines ``EXPERIMENTS``, a tuple of them, instead. Beside it, ``findings.py`` defines ``findings(result) -> Findings`` (tables, verdicts and advice;
pandas only) and ``sections.py`` defines ``sections(findings) -> list[Section]`` (charts and layout).
They are imported only when asked for, so ``python -m bnviz summary`` never loads a charting library.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass

from bnviz.experiments.spec import Arm, Experiment  # noqa: F401  (the names callers build experiments from)
from bnviz.views import summary as _summary
from bnviz.views.findings import Findings
from bnviz.views.sections import Section

_NOT_EXPERIMENTS = {"spec", "paper_imagenet"}  # the spec's types; the paper's ImageNet numbers, quoted (plain data)


@dataclass(frozen=True)
class Entry:
    """An experiment and the package that holds its findings and sections."""

    experiment: Experiment
    package: str  # e.g. "bnviz.experiments.mnist_fig1"

    def findings(self, result: dict) -> Findings:
        return importlib.import_module(f"{self.package}.findings").findings(result)

    def sections(self, findings: Findings) -> list[Section]:
        return importlib.import_module(f"{self.package}.sections").sections(findings)


def _discover() -> dict[str, Entry]:
    found = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_") or info.name in _NOT_EXPERIMENTS:
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        several = getattr(module, "EXPERIMENTS", None)
        if info.ispkg and (several or hasattr(module, "EXPERIMENT")):
            found += [Entry(exp, module.__name__) for exp in (several or (module.EXPERIMENT,))]
    found.sort(key=lambda e: (e.experiment.order, e.experiment.name))
    return {e.experiment.name: e for e in found}


REGISTRY: dict[str, Entry] = _discover()  # name -> entry, in page order
# A result of an experiment this bnviz does not know (renamed, or from a newer bnviz): its curves, no verdicts
FALLBACK = "bnviz.experiments._unknown"
EXPERIMENTS: dict[str, Experiment] = {name: e.experiment for name, e in REGISTRY.items()}


def get(name: str) -> Experiment:
    if name not in EXPERIMENTS:
        raise KeyError(f"unknown experiment {name!r}; choose one of {', '.join(EXPERIMENTS)}")
    return EXPERIMENTS[name]


def resolve(name: str, steps: int | None = None, seeds: list[int] | None = None, synthetic: bool = False) -> Experiment:
    """Experiment ``name`` at another length, seed list or on synthetic data (the CLI's and the run form's choices)."""
    return get(name).resolve(steps, seeds, synthetic)


def on_page(page: str) -> list[str]:
    """The experiments a page draws, in order: ``"experiments"`` (the paper's), ``"practice"``, ``"why"`` or
    ``"activations"`` (the Activations page's recorded presets)."""
    return [name for name, exp in EXPERIMENTS.items() if exp.page == page]


def findings(result: dict) -> Findings:
    """What a cached result shows: its experiment's findings, or the curves alone for an unknown experiment."""
    entry = REGISTRY.get(result.get("experiment"))
    if entry is not None:
        return entry.findings(result)
    return importlib.import_module(f"{FALLBACK}.findings").findings(result)


def sections(found: Findings) -> list[Section]:
    """The sections a page draws for ``found``: its experiment's own, or the curves of an unknown experiment."""
    entry = REGISTRY.get(found.experiment)
    if entry is not None:
        return entry.sections(found)
    return importlib.import_module(f"{FALLBACK}.sections").sections(found)


def summary(result: dict) -> dict:
    """``python -m bnviz summary``: every experiment's numbers, and its findings."""
    return {**_summary.summary(result), **findings(result).summary()}
