"""Hand-built results for the "BN in practice" experiments: runs whose final accuracies a test chooses."""

from __future__ import annotations

from bnviz.experiments import batch_size as bs
from bnviz.experiments import bn_momentum as bm
from bnviz.experiments import bn_position as bp

STEPS = 100  # length of the hand-built momentum runs


def run(arm: str, config: dict, seed: int, accs: list[float], steps: int = 100, extra=None) -> dict:
    """One finished run whose test accuracy goes through ``accs`` at evenly spaced eval steps."""
    step_list = [round(i * steps / (len(accs) - 1)) for i in range(len(accs))] if len(accs) > 1 else [steps]
    records = []
    for i, (s, a) in enumerate(zip(step_list, accs)):
        r = {"step": s, "status": "done" if s == steps else "running", "train/loss": 1.0 / (i + 1), "test/acc": a}
        r["test/loss"] = 1 - a
        if extra:
            r.update(extra(s, i))
        records.append(r)
    return {"arm": arm, "seed": seed, "status": "done", "steps": steps, "config": config, "records": records}


def result(name: str, runs: list[dict], source: str = "synthetic") -> dict:
    return {
        "schema": 1,
        "experiment": name,
        "key": "hand00000000000",
        "status": "complete",
        "runs": runs,
        "data": {
            "label": "synthetic MNIST-shaped data" if source == "synthetic" else "MNIST, official files",
            "source": source,
            "sha256": "x",
        },
        "wall_time": 1.0,
        "command": "by hand",
        "created": "2026-01-01T00:00:00+00:00",
        "code_version": {"bnviz_sha256": "hand"},
    }


def batch_result(final, sizes=bs.SIZES, seeds=(0, 1, 2), source="synthetic", models=bs.MODELS):
    """Every arm of the experiment, its final accuracy ``final(model, norm, size, seed)``."""
    runs = []
    for a in bs.EXPERIMENT.arms:
        c = a.config
        if c.batch_size not in sizes or c.model not in models:
            continue
        for seed in seeds:
            acc = final(c.model, c.norm, c.batch_size, seed)
            r = run(a.label, c.replace(seed=seed).to_dict(), seed, [0.1, (0.1 + acc) / 2, acc], c.steps)
            if c.norm == "bnviz" and c.batch_size == 2 and c.model == "mlp":
                r["records"][-1]["train/loss"] = 2.10 + seed / 100  # BN over two examples: near chance
            runs.append(r)
    return result("batch-size", runs, source)


def small_batch_trouble(model, norm, size, seed):
    """MLP: BN and Batch Renorm fall apart at batch 2 and 4, LN and GN do not. CNN: BN falls behind at batch 2 only;
    GN ahead of it there; at batch 4 Batch Renorm between BN and GN."""
    noise = seed / 1000
    if model == "mnist-cnn":
        if size == 2:
            return {"bnviz": 0.90, "group": 0.96, "renorm": 0.93}.get(norm, 0.96) + noise
        if size == 4:
            return {"bnviz": 0.95, "group": 0.97, "renorm": 0.96}.get(norm, 0.97) + noise
        return 0.97 + noise
    if norm in ("bnviz", "ghost") and size < 8:
        return 0.40 + noise
    if norm == "renorm" and size < 8:
        return 0.80 + noise
    return 0.95 + noise


def momentum_result(acc, lag=lambda m, step: 0.05):
    """Every convention, seeds 0-2, eval every 10 steps; ``acc(momentum, step, seed)`` and ``lag(momentum, step)``."""
    runs = []
    for a in bm.EXPERIMENT.arms:
        m = a.config.norm_momentum
        for seed in (0, 1, 2):
            accs = [acc(m, s, seed) for s in range(0, STEPS + 1, 10)]

            def extra(step, i, m=m):
                return {f"{layer}/running_{k}_lag": lag(m, step) for layer in bm.LAYERS for k in ("mean", "std")}

            cfg = a.config.replace(seed=seed, steps=STEPS, eval_every=10).to_dict()
            runs.append(run(a.label, cfg, seed, accs, STEPS, extra))
    return result("bn-momentum", runs)


def slow_early_cumulative_late(m, step, seed):
    noise = seed / 1000
    if m == 0.01 and step <= 10:
        return 0.30 + noise
    if m is None and step >= 80:
        return 0.85 + noise
    return 0.95 + noise


def position_result(final):
    """Every arm, seeds 0-2; ``final(activation, kind, lr, seed)`` is the final accuracy, or "diverges" (a non-finite
    loss) or "explodes" (a finite training loss far above chance)."""
    runs = []
    for a in bp.EXPERIMENT.arms:
        c = a.config
        k = bp.kind(c.norm, c.norm_position, c.bias)
        for seed in (0, 1, 2):
            acc = final(c.activation, k, round(c.lr, 6), seed)
            if acc == "diverges":
                r = run(a.label, c.replace(seed=seed).to_dict(), seed, [0.1, 0.1], c.steps)
                r["status"] = r["records"][-1]["status"] = "diverged"
            elif acc == "explodes":
                r = run(a.label, c.replace(seed=seed).to_dict(), seed, [0.1, 0.098], c.steps)
                r["records"][-1]["train/loss"] = 60.0
            else:
                r = run(a.label, c.replace(seed=seed).to_dict(), seed, [0.1, acc - 0.05, acc], c.steps)
            runs.append(r)
    return result("bn-position", runs)


def after_ahead_before_wider(g, k, lr, seed):
    """Sigmoid: BN after ends ahead at its best rate (0.9) but diverges from lr 3, where BN before trains on;
    ReLU: level; no BN explodes at lr 9."""
    noise = seed / 1000
    if k == "none":
        return "explodes" if lr == 9 else 0.90 + noise + (0.02 if g == "relu" else 0)
    if g == "sigmoid" and k == "after":
        return "diverges" if lr >= 3 else {0.1: 0.95, 0.3: 0.964, 0.9: 0.968}[lr] + noise
    if g == "sigmoid":
        return (
            {0.1: 0.93, 0.3: 0.949, 0.9: 0.955, 3.0: 0.962, 9.0: 0.95}[lr]
            + noise
            + (0.0005 if k == "before+bias" else 0)
        )
    return 0.97 + noise + (0.0005 if k == "after" else 0)


def eval_result(acc):
    """Every arm of train-vs-eval, seeds 0-2; ``acc(norm, batches, mode, seed)`` is a mode's accuracy (None: cannot run)."""
    from bnviz.experiments import train_eval as te
    from bnviz.experiments.train_eval.modes import modes

    runs = []
    for a in te.EXPERIMENT.arms:
        c = a.config
        for seed in (0, 1, 2):
            final = {f"final/{key}/acc": acc(c.norm, c.batches, key, seed) for key, _ in modes()}
            if c.norm == "none" or c.norm == "layer":
                final.pop("final/population/acc")

            def extra(step, i, final=final, steps=c.steps):
                return final if step == steps else {}

            r = run(
                a.label, c.replace(seed=seed).to_dict(), seed, [0.1, 0.5, final["final/running/acc"]], c.steps, extra
            )
            runs.append(r)
    return result("train-vs-eval", runs)


def eval_trouble(norm, batches, mode, seed):
    """BN: forgetting eval() hurts at small test batches, one-class test batches ruin it; one-class training ruins BN."""
    noise = seed / 1000
    if norm in ("none", "layer"):
        return (0.40 if batches == "one-class" and norm == "none" else 0.88 if norm == "layer" else 0.93) + noise
    if batches == "one-class":
        return {"bnviz": 0.10, "renorm": 0.33}[norm] + noise
    if mode == "batch_stats/1":
        return None
    return {"batch_stats/8": 0.90, "non_iid/8": 0.15, "non_iid/64": 0.16, "non_iid/1000": 0.17}.get(mode, 0.95) + noise
