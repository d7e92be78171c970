"""A cached result in a few numbers: what ``python -m bnviz summary`` prints, as JSON."""

from __future__ import annotations

import pandas as pd

from bnviz.views import records

CHECKPOINTS = (1_000, 2_000, 5_000, 10_000, 20_000, 50_000)  # steps the summary reports, where a run reached them


def seed_means(runs: list[dict]) -> pd.DataFrame:
    """Test accuracy per eval step (rows) and arm (columns), averaged over seeds; diverged runs left out."""
    band = records.band(records.curves([r for r in runs if r["status"] != "diverged"]), "test_acc")
    return band.pivot(index="step", columns="arm", values="mean")


def summary(result: dict) -> dict:
    """Per arm: final test accuracy per seed (and mean), steps, status; plus data source and wall time."""
    arms = {}
    for run in result["runs"]:
        final = next((r for r in reversed(run["records"]) if "test/acc" in r), None)
        arm = arms.setdefault(
            run["arm"],
            {"norm": records.norm_of(run), "seeds": [], "final_test_acc": [], "steps": run["steps"], "status": []},
        )
        arm["seeds"].append(run["seed"])
        arm["final_test_acc"].append(
            None if final is None or run["status"] == "diverged" else round(final["test/acc"], 6)
        )
        arm["status"].append(run["status"])
    means = seed_means(result["runs"])
    for label, arm in arms.items():
        accs = [a for a in arm["final_test_acc"] if a is not None]
        arm["mean_final_test_acc"] = round(sum(accs) / len(accs), 6) if accs else None
        at = means[label].dropna() if label in means else pd.Series(dtype=float)
        arm["mean_test_acc_at_step"] = {
            str(c): round(float(at[c]), 6) for c in CHECKPOINTS if c <= arm["steps"] and c in at.index
        }
    return {
        "experiment": result["experiment"],
        "key": result["key"],
        "data": result["data"],
        "arms": arms,
        "wall_time_s": round(result["wall_time"], 1),
        "command": result["command"],
        "created": result.get("created"),
        "code_version": result["code_version"],
    }
