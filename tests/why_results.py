"""Hand-made results of the "Why does BN work?" experiments, for their analysis and page tests."""

from bnviz.experiments import depth_sigmoid, lr_depth
from bnviz.train.probes import HIST_BINS

STEPS = list(range(0, 1001, 100))


def payload(name, runs, source="synthetic"):
    return {
        "experiment": name,
        "key": "hand",
        "runs": runs,
        "data": {"label": "hand-made", "source": source, "sha256": "x"},
        "wall_time": 1.0,
        "command": "by hand",
        "code_version": {},
    }


def run(arm, config, accs, seed=0, status="done", probes=None, steps=STEPS):
    records = []
    for i, (s, a) in enumerate(zip(steps, accs)):
        r = {"step": s, "status": "running", "train/loss": 1.0, "test/acc": a, "test/loss": 1.0}
        if probes is not None:
            p50 = probes[i]
            r.update({"layer3/p15": p50 - 1, "layer3/p50": p50, "layer3/p85": p50 + 1})
            r["layer3/hist"] = [i % 3] * HIST_BINS
        records.append(r)
    return {
        "arm": arm,
        "seed": seed,
        "status": status,
        "steps": steps[-1],
        "config": {"dataset": "synthetic-mnist", **config},
        "records": records,
    }


def noisy_result(noisy_keeps_lead: bool, noisy_moves: bool):
    plain = [0.1, 0.5, 0.7, 0.8, 0.85, 0.88, 0.9, 0.91, 0.92, 0.93, 0.94]
    bn = [0.1, 0.9, 0.92, 0.93, 0.94, 0.95, 0.95, 0.96, 0.96, 0.96, 0.96]
    noisy = bn if noisy_keeps_lead else [a + 0.01 for a in plain]
    steady, drifting = [0.0] * 11, [0.1 * i for i in range(11)]  # no BN drifts 1.0 over the run
    jumpy = [(-1.5 if i % 2 else 1.5) for i in range(11)]  # noisy BN jumps 3.0 between probes
    runs = []
    for seed in (0, 1):
        runs.append(run("no BN", {"norm": "none"}, plain, seed, probes=drifting))
        runs.append(run("BN", {"norm": "bnviz"}, bn, seed, probes=steady))
        runs.append(run("noisy BN", {"norm": "noisy"}, noisy, seed, probes=jumpy if noisy_moves else steady))
    return payload("noisy-bn", runs)


def lr_result(no_bn_diverges_from: float | None, bn_at_small: float):
    runs = []
    for norm in ("none", "bnviz"):
        for lr in lr_depth.RATES:
            for seed in (0, 1, 2):
                diverged = norm == "none" and no_bn_diverges_from is not None and lr >= no_bn_diverges_from
                if norm == "none":
                    final = 0.95 if lr <= 0.3 else 0.5
                else:
                    final = bn_at_small if lr <= 0.3 else (0.98 if lr <= 3 else 0.1)
                accs = [0.1] + [final] * 10
                cfg = {"norm": norm, "lr": lr, "init_std": 0.14}
                runs.append(
                    run(
                        f"{norm} lr {lr}", cfg, accs[:2] if diverged else accs, seed, "diverged" if diverged else "done"
                    )
                )
    return payload("lr-depth", runs)


def depth_result(no_bn_fails_from: int | None, after_fails_from: int | None = None):
    runs = []
    for (norm, position), name in depth_sigmoid.VARIANTS.items():
        for depth in depth_sigmoid.DEPTHS:
            fails = {"no BN": no_bn_fails_from, "BN after the sigmoid": after_fails_from}.get(name)
            final = 0.11 if fails is not None and depth >= fails else 0.96
            cfg = {"norm": norm, "norm_position": position, "depth": depth, "lr": 0.3, "init_std": 0.1}
            for seed in (0, 1, 2):
                runs.append(run(f"{name}, depth {depth}", cfg, [0.1] + [final] * 10, seed))
    return payload("depth-sigmoid", runs)


def ics_result(bn_less: bool, bn_cos: float = 0.99):
    """ICS fields at every step: BN's ‖G − G'‖ a third of no BN's (``bn_less``) or three times it; no BN's cos 0.99."""
    runs = []
    for norm in ("none", "bnviz"):
        scale = 1.0 if norm == "none" else (1 / 3 if bn_less else 3.0)
        for seed in (0, 1):
            r = run("BN" if norm == "bnviz" else "no BN", {"norm": norm}, [0.1] + [0.9] * 10, seed)
            for rec in r["records"]:
                rec.update({"layer1/ics_l2": 0.0, "layer1/ics_cos": 1.0, "layer1/ics_grad_norm": 1.0})
                for layer in ("layer2", "layer3"):
                    cos = 0.99 if norm == "none" else bn_cos
                    rec.update({f"{layer}/ics_l2": 0.1 * scale, f"{layer}/ics_cos": cos, f"{layer}/ics_grad_norm": 1.0})
                rec["time/ics"] = 0.01
                rec["time/elapsed"] = rec["step"] / 100
            runs.append(r)
    return payload("ics", runs)


def landscape_result(bn_smoother_late_only: bool):
    """Landscape fields: BN half of no BN everywhere, or (``bn_smoother_late_only``) twice it early."""
    runs = []
    for norm in ("none", "bnviz"):
        for seed in (0, 1):
            r = run("BN" if norm == "bnviz" else "no BN", {"norm": norm}, [0.1] + [0.9] * 10, seed)
            for rec in r["records"]:
                early = rec["step"] <= 100
                factor = 1.0 if norm == "none" else (2.0 if early and bn_smoother_late_only else 0.5)
                for field in ("loss_range", "grad_predictiveness", "effective_beta"):
                    rec[f"landscape/{field}"] = factor
                rec["landscape/blew_up"] = int(norm == "none" and rec["step"] == 1000)
            runs.append(r)
    return payload("landscape", runs)
