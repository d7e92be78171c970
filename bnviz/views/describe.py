"""A cached result or a run in progress, in words: where its numbers come from, how long it took."""

from __future__ import annotations

from pathlib import Path


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "unknown"
    m, s = divmod(round(seconds), 60)
    h, m = divmod(m, 60)
    return f"{h} h {m} min" if h else f"{m} min {s} s" if m else f"{s} s"


def _seeds(seeds) -> str:
    return ", ".join(map(str, seeds))


def describe(path, result: dict, exp=None) -> dict:
    """What the page says about a cached result: where its numbers come from, in one line and as a choice label."""
    runs = result["runs"]
    steps = max((r["steps"] for r in runs), default=0)
    fewest = min((r["steps"] for r in runs), default=0)
    length = f"{fewest:,} to {steps:,} steps" if fewest != steps else f"{steps:,} steps"  # arms of several lengths
    seeds = sorted({r["seed"] for r in runs})
    created = (result.get("created") or "unknown date")[:16].replace("T", " ")
    code = result.get("code_version") or {}
    git = (
        f", git {code['git']}{' + local changes' if code.get('modified_since_commit') else ''}"
        if code.get("git")
        else ""
    )
    machine = result.get("machine") or {}
    cores, workers = machine.get("cores"), machine.get("workers")
    where = f" on {cores} cores" if cores else ""
    if cores and workers and workers < cores:  # a run given fewer processes than cores took longer than it had to
        where += f", {workers} worker{'s' if workers != 1 else ''}"
    stacked = max((r.get("trained_with") or 1 for r in runs), default=1)
    if stacked > 1:  # bnviz.train.seed_stack: records equal to seed-by-seed runs up to float32 rounding
        where += f", up to {stacked} seeds trained as one model"
    default = exp is not None and result["key"] == exp.key()
    line = (
        f"{length} · seeds {_seeds(seeds)} · wall time {_duration(result.get('wall_time'))}"
        f"{where} · code {code.get('bnviz_sha256', 'unknown')}{git} · created {created} UTC"
    )
    if exp is not None and not default:
        line += (
            f" · not the default configuration ({exp.steps:,} steps, seeds {_seeds(exp.seeds)}, "
            f"{exp.arms[0].config.dataset} data)"
        )
    try:
        mtime_ns = Path(path).stat().st_mtime_ns
    except OSError:
        mtime_ns = 0
    data = result.get("data") or {}
    return {
        "path": str(path),
        "mtime_ns": mtime_ns,
        "key": result["key"],
        "default": default,
        "label": data.get("label", "unknown data"),
        "source": data.get("source", "unknown"),
        "dataset": runs[0]["config"]["dataset"] if runs else "",
        "command": result.get("command") or "(not recorded)",
        "line": line,
        "choice": f"{data.get('label', 'unknown data')} · {steps:,} steps · seeds {_seeds(seeds)} · {created}"
        + (" · default config" if default else ""),
    }


def job_label(progress: dict) -> str:
    """A run in progress or ended, in a few words: its length, seeds and data."""
    runs = progress.get("runs") or []
    if not runs:
        return f"`{progress['command']}`" if progress.get("command") else "this experiment"
    steps = max(r["steps"] for r in runs)
    data = (progress.get("data") or {}).get("label", "")
    return f"{steps:,} steps, seeds {_seeds(sorted({r['seed'] for r in runs}))}" + (f", {data}" if data else "")
