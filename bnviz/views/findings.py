"""What an experiment's runs show, before any chart: :class:`Findings`, plain data that the page draws
(through its experiment's ``sections``), ``python -m bnviz summary`` prints and the results docs are
generated from. pandas only: building findings imports no charting library.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from bnviz.views import compare, records
from bnviz.views.verdicts import Verdict


@dataclass(frozen=True)
class Findings:
    """The common part of every experiment's findings; an experiment subclasses it with its own tables.

    ``meaning`` ("What this means", or "What to do in your own code") says only what the verdicts
    support. ``numbers`` are JSON-ready headline numbers for the summary; ``tables`` small tables with
    the column names a reader sees, for the docs and the page.
    """

    experiment: str
    name: str  # "<experiment>-<key>": the stem of every download's file name
    synthetic: bool  # trained on the synthetic stand-in: every verdict shows how the check works, nothing more
    curves: pd.DataFrame  # records.curves: test accuracy and loss, training loss, per run and eval step
    finals: pd.DataFrame  # compare.final_accuracy: one row per run
    verdicts: tuple[Verdict, ...] = ()
    meaning: str = ""
    numbers: Mapping = field(default_factory=dict)
    tables: Mapping[str, pd.DataFrame] = field(default_factory=dict)

    def summary(self) -> dict:
        """The findings in ``python -m bnviz summary``'s JSON."""
        return {
            "verdicts": [v.to_dict() for v in self.verdicts],
            "meaning": self.meaning,
            **self.numbers,
            # through pandas' JSON writer: numpy numbers and booleans become plain JSON values
            "tables": {title: json.loads(t.to_json(orient="records")) for title, t in self.tables.items()},
        }


def common(result: dict, fields: tuple[str, ...] = ()) -> dict:
    """The fields of :class:`Findings` every experiment fills the same way, as keyword arguments;
    ``fields`` are config fields the per-run table keeps (e.g. ``("batch_size",)``)."""
    return {
        "experiment": result["experiment"],
        "name": f"{result['experiment']}-{result['key']}",
        "synthetic": (result.get("data") or {}).get("source") == "synthetic",
        "curves": records.curves(result["runs"]),
        "finals": compare.final_accuracy(result, fields),
    }
