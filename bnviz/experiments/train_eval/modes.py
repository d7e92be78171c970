"""The trained networks tested each way: one row per run and test-time mode, cells over seeds, and the table a
reader sees. Pandas only."""

from __future__ import annotations

import pandas as pd

from bnviz.train.final_eval import ONE_CLASS_BATCHES, PREFIX, TEST_BATCHES
from bnviz.views import compare, grid


def modes() -> list[tuple[str, str]]:
    """(field key, label) of every test-time mode, in the order the page shows them."""
    out = [("running", "eval mode (running averages)"), ("population", "population statistics (Algorithm 2)")]
    out += [
        (f"batch_stats/{b}", f"eval() forgotten, test batches of {b:,}") for b in sorted(TEST_BATCHES, reverse=True)
    ]
    out += [(f"non_iid/{b}", f"one-class test batches of {b:,}") for b in sorted(ONE_CLASS_BATCHES, reverse=True)]
    return out


def network(norm: str, batches: str) -> str:
    """A trained network as a reader names it: ``BN, random training batches``."""
    return f"{compare.norm_name(norm)}, {batches} training batches"


def mode_frame(result: dict) -> pd.DataFrame:
    """One row per run and mode: the network, its norm and training batches, the mode's accuracy (None: cannot run)."""
    rows = []
    for run in result["runs"]:
        last = next((r for r in reversed(run["records"]) if any(k.startswith(PREFIX) for k in r)), None)
        if last is None or run["status"] == "diverged":
            continue
        config = run.get("config") or {}
        norm, batches = config.get("norm"), config.get("batches", "random")
        for key, label in modes():
            if f"{PREFIX}{key}/acc" in last:
                rows.append(
                    {
                        "network": network(norm, batches),
                        "norm": norm,
                        "batches": batches,
                        "seed": run["seed"],
                        "mode": key,
                        "tested with": label,
                        "acc": last[f"{PREFIX}{key}/acc"],
                    }
                )
    return pd.DataFrame(rows, columns=["network", "norm", "batches", "seed", "mode", "tested with", "acc"])


def mode_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """Mean, lowest and highest seed per (network, mode); a mode that could not run has mean NaN and 0 seeds."""
    c = grid.cells(
        frame.assign(acc=pd.to_numeric(frame["acc"])), ["network", "norm", "batches", "mode", "tested with"], "acc"
    )
    c["normalization"] = c["norm"].map(compare.norm_name)
    return c


def cell(cells, norm, batches, mode):
    c = grid.cell(cells, norm=norm, batches=batches, mode=mode)
    return c if c is not None and c["seeds"] > 0 else None


def mode_numbers(cells: pd.DataFrame) -> dict:
    return {
        f"{n} | {label}": None
        if pd.isna(m)
        else {"mean": round(m, 6), "lowest_seed": round(lo, 6), "highest_seed": round(hi, 6)}
        for n, label, m, lo, hi in zip(cells["network"], cells["tested with"], cells["mean"], cells["lo"], cells["hi"])
    }


def mode_table(cells: pd.DataFrame) -> pd.DataFrame:
    """One column per trained network, one row per way of testing: mean % and, in brackets, the seed range in points."""
    shown = pd.DataFrame({"tested with": [label for _, label in modes()]})
    for name in dict.fromkeys(cells["network"]):
        col = []
        for key, _ in modes():
            c = grid.cell(cells, network=name, mode=key)
            col.append("—" if c is None else "cannot run" if c["seeds"] == 0 else grid.compact(c))
        shown[name] = col
    return shown
