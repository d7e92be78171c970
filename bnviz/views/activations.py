"""What the Activations page draws from runs, live or cached: slider stops, saturation, histograms,
one y-range for both arms, and the cached results it can open. Pure functions, no Streamlit."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from bnviz.runs.cache import Scan
from bnviz.train.models import MODELS
from bnviz.views import records


def slider_steps(runs: list[dict]) -> list[int]:
    """Probe steps every run has reached; a diverged run does not hold the others' slider back."""
    alive = [r for r in runs if r.get("status") != "diverged"] or runs
    return records.probe_steps(alive)


def saturation_at(stats: pd.DataFrame, step: int) -> dict[str, dict[str, float]]:
    """{layer: {arm: fraction saturated}} at one step, first seed of each arm."""
    d = stats[stats["step"] == step].sort_values("seed", kind="stable").drop_duplicates(["layer", "arm"])
    out: dict[str, dict[str, float]] = {}
    for layer, arm, share in zip(d["layer"], d["arm"], d["saturation"]):
        out.setdefault(layer, {})[arm] = float(share)
    return out


def histograms_at(runs: list[dict], layers: list[str], step: int, edges: list[float]) -> pd.DataFrame:
    """Every layer's histogram at one step (for the CSV beside the charts)."""
    frames = [records.histogram(runs, name, step, edges).assign(layer=name, step=step) for name in layers]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def percentile_domain(df: pd.DataFrame, pad: float = 0.05) -> list[float] | None:
    """One y-range for both arms' Figure 1(b,c) panels: from the lowest 15th to the highest 85th percentile."""
    if df.empty:
        return None
    lo, hi = float(df["p15"].min()), float(df["p85"].max())
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return None
    span = max(hi - lo, 1e-3)
    return [lo - pad * span, hi + pad * span]


def activation_of(config: dict) -> str:
    """ "sigmoid" or "relu": the nonlinearity whose input the model's probes record."""
    return config.get("activation") or MODELS[config["model"]].default_activation


def cached_choices(scan: Scan) -> list[dict]:
    """Cached results whose runs carry histograms (mnist-fig1, cifar10-cnn), newest first, for a selectbox."""
    out = []
    for experiment, entries in scan.results.items():
        for path, payload in entries:
            runs = payload.get("runs") or []
            if not runs or not records.layer_names(runs[0]["records"]):
                continue
            config = runs[0]["config"]
            seeds = sorted({r["seed"] for r in runs})
            steps = max(r["config"]["steps"] for r in runs)
            data = payload.get("data", {})
            out.append(
                {
                    "path": str(path),
                    "stem": Path(path).stem,  # the file's name without .json: what a link names it by
                    "mtime_ns": Path(path).stat().st_mtime_ns,
                    "experiment": experiment,
                    "key": payload.get("key", ""),
                    "command": payload.get("command", ""),
                    "wall_time": payload.get("wall_time", 0.0),
                    "title": payload.get("title", experiment),
                    "created": payload.get("created", ""),
                    "data": data,
                    "seeds": seeds,
                    "steps": steps,
                    "activation": activation_of(config),
                    "label": f"{experiment}: {steps:,} steps, seeds {', '.join(map(str, seeds))}, "
                    f"{data.get('source', 'unknown')} data ({payload.get('created', '')[:16].replace('T', ' ')})",
                }
            )
    return sorted(out, key=lambda e: e["created"], reverse=True)


def spread(layers: list[str], n: int) -> list[str]:
    """``n`` layers spread evenly from the first to the last (all of them when there are ``n`` or fewer)."""
    if len(layers) <= n:
        return list(layers)
    picks = sorted({round(i * (len(layers) - 1) / (n - 1)) for i in range(n)})
    return [layers[i] for i in picks]


def arm_styles(runs: list[dict]) -> dict[str, tuple[str, str]]:
    """arm -> (norm kind, position) of each run's config, in run order."""
    return {run["arm"]: (records.norm_of(run), records.position_of(run)) for run in runs}


def occupied_domain(df: pd.DataFrame, pad_bins: int = 2) -> list[float] | None:
    """The x-range of the bins any arm fills, padded by ``pad_bins`` bins, leaving out the first bin
    (for gradients: values under 10^-12 and exact zeros, far to the left of the rest); None if empty."""
    if df.empty:
        return None
    first, last = float(df["bin_left"].min()), float(df["bin_right"].max())
    filled = df[(df["count"] > 0) & (df["bin_left"] > first)]
    if filled.empty:
        return None
    width = float((filled["bin_right"] - filled["bin_left"]).iloc[0])
    lo, hi = float(filled["bin_left"].min()) - pad_bins * width, float(filled["bin_right"].max()) + pad_bins * width
    return [max(first, lo), min(last, hi)]


def first_bin_share(df: pd.DataFrame) -> dict[str, float]:
    """arm -> the fraction of its values in the first bin (for gradients: exact zeros and |g| < 10^-12)."""
    first = df["bin_left"].min() if len(df) else None
    out = {}
    for arm, d in df.groupby("arm", sort=False):
        total = d["count"].sum()
        out[arm] = float(d.loc[d["bin_left"] == first, "count"].sum() / total) if total else 0.0
    return out
