"""The experiments: one module each, found by this package, each holding its spec and its analysis.

A module of this package that defines ``EXPERIMENT`` (an :class:`~bnviz.experiments.spec.Experiment`),
``TAB`` (its short name on the page), ``ORDER`` (its place) and ``analyze(result) -> [Section]`` is
an experiment: the CLI lists and runs it, the Experiments page draws it, with no other edit. It
may also define ``summarize(result) -> dict``, extra fields for ``python -m bnviz summary``;
``PAGE``, the page that draws it (``"experiments"``, the paper's, unless it says ``"practice"``:
"BN in practice", or ``"why"``: "Why does BN work?"); and ``QUESTION``, the practical question it
answers, in one sentence.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

from bnviz.experiments.spec import Arm, Experiment  # noqa: F401  (the names callers build experiments from)
from bnviz.views import analysis
from bnviz.views import summary as _summary
from bnviz.views.sections import Section, Text

_NOT_EXPERIMENTS = {"spec", "paper_imagenet"}  # the spec's types; the paper's ImageNet numbers, quoted (plain data)


def _discover() -> dict[str, ModuleType]:
    found = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_") or info.name in _NOT_EXPERIMENTS:
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "EXPERIMENT"):
            found.append(module)
    found.sort(key=lambda m: (getattr(m, "ORDER", 1000), m.EXPERIMENT.name))
    return {m.EXPERIMENT.name: m for m in found}


REGISTRY: dict[str, ModuleType] = _discover()  # name -> module, in page order
EXPERIMENTS: dict[str, Experiment] = {name: m.EXPERIMENT for name, m in REGISTRY.items()}


def get(name: str) -> Experiment:
    if name not in EXPERIMENTS:
        raise KeyError(f"unknown experiment {name!r}; choose one of {', '.join(EXPERIMENTS)}")
    return EXPERIMENTS[name]


def resolve(name: str, steps: int | None = None, seeds: list[int] | None = None, synthetic: bool = False) -> Experiment:
    """Experiment ``name`` at another length, seed list or on synthetic data (the CLI's and the run form's choices)."""
    return get(name).resolve(steps, seeds, synthetic)


def on_page(page: str) -> list[str]:
    """The experiments a page draws, in order: ``"experiments"`` (the paper's), ``"practice"`` or ``"why"``."""
    return [name for name, m in REGISTRY.items() if getattr(m, "PAGE", "experiments") == page]


def question(name: str) -> str:
    """The practical question an experiment answers (empty if it states none)."""
    return getattr(REGISTRY.get(name), "QUESTION", "")


def tab(name: str) -> str:
    return getattr(REGISTRY[name], "TAB", name) if name in REGISTRY else name


def analyze(result: dict) -> list[Section]:
    """The sections the page draws for a cached result: its experiment's own, or a generic view."""
    module = REGISTRY.get(result.get("experiment"))
    if module is not None:
        return module.analyze(result)
    name = f"{result.get('experiment')}-{result.get('key')}"
    return [
        Section(
            "Test accuracy",
            (
                Text("No analysis is registered for this experiment; its curves:", "caption"),
                analysis.finals(result),
                analysis.accuracy_chart(result, name),
            ),
        ),
        analysis.loss_section(result, name),
    ]


def summary(result: dict) -> dict:
    """``python -m bnviz summary``: every experiment's numbers, plus its own extras."""
    out = _summary.summary(result)
    module = REGISTRY.get(result.get("experiment"))
    if module is not None and hasattr(module, "summarize"):
        out.update(module.summarize(result))
    return out
