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


def depth_result(no_bn_fails_from: int | None, after_fails_from: int | None = None, after_acc: float = 0.96):
    """Every placement, depth and rate of depth-sigmoid: BN before the sigmoid at 95% up to lr 3 and 93% at lr 9; BN
    after it at ``after_acc`` up to lr 0.9 and diverged from lr 3; no normalization at 96% up to lr 0.9 (stalled at 11%
    from depth ``no_bn_fails_from``), its loss exploding at lr 3 and diverged at 9. Seeds 0.2 points apart."""
    runs = []
    for (norm, position), name in depth_sigmoid.PLACEMENTS.items():
        for depth in depth_sigmoid.DEPTHS:
            for lr in depth_sigmoid.RATES:
                fails = {"no normalization": no_bn_fails_from, "BN after the sigmoid": after_fails_from}.get(name)
                failed = fails is not None and depth >= fails
                status, loss = "done", 0.3
                if name == "BN before the sigmoid":
                    final = 0.95 if lr <= 3 else 0.93
                elif name == "BN after the sigmoid":
                    final = 0.11 if failed else after_acc
                    status = "diverged" if lr >= 3 else "done"
                else:
                    final = 0.11 if failed else 0.96
                    if lr == 3:
                        final, loss = 0.1, 40.0
                    status = "diverged" if lr >= 9 else "done"
                if final < 0.2 and loss < 2:
                    loss = 2.31
                cfg = {"norm": norm, "norm_position": position, "depth": depth, "lr": lr, "init_std": 0.1}
                for seed in (0, 1, 2):
                    accs = [0.1] + [final + 0.002 * seed] * 10
                    r = run(
                        f"{name}, depth {depth}, lr {lr:g}",
                        cfg,
                        accs[:2] if status == "diverged" else accs,
                        seed,
                        status,
                    )
                    for rec in r["records"]:
                        rec["train/loss"] = loss
                    runs.append(r)
    return payload("depth-sigmoid", runs)


def ics_result(bn_less: bool, bn_cos: float = 0.99, late_mixed: bool = False):
    """ICS fields at every step, three seeds: BN's ‖G − G′‖ a third of no BN's (``bn_less``) or three times it, each
    seed 1% apart; no BN's cos 0.99, BN's ``bn_cos``. ``late_mixed``: from step 500 on, seed 1 goes the other way."""
    runs = []
    for norm in ("none", "bnviz"):
        for seed in (0, 1, 2):
            r = run("BN" if norm == "bnviz" else "no BN", {"norm": norm}, [0.1] + [0.9] * 10, seed)
            for rec in r["records"]:
                flip = late_mixed and seed == 1 and rec["step"] >= 500
                scale = 1.0 if norm == "none" else (1 / 3 if bn_less != flip else 3.0)
                rec.update({"layer1/ics_l2": 0.0, "layer1/ics_cos": 1.0, "layer1/ics_grad_norm": 1.0})
                for layer in ("layer2", "layer3"):
                    cos = 0.99 if norm == "none" else (bn_cos if not flip else 1.0 - (bn_cos - 0.99) - 0.01)
                    l2 = 0.1 * scale * (1 + 0.01 * seed)
                    rec.update({f"{layer}/ics_l2": l2, f"{layer}/ics_cos": cos, f"{layer}/ics_grad_norm": 1.0})
                rec["time/ics"] = 0.01
                rec["time/elapsed"] = rec["step"] / 100
            runs.append(r)
    return payload("ics", runs)


def landscape_result(bn_smoother_late_only: bool, with_losses: bool = True):
    """Landscape fields, three seeds: BN's gradient change and β half of no BN's everywhere, or (``bn_smoother_late_only``)
    twice them early. Along −g (``with_losses``): no BN's loss rises 0.2 above L(θ) at the largest step and drops 0.1;
    BN's only drops, by 0.3, so its range (0.3) is larger than no BN's (0.2) though it never overshoots."""
    runs = []
    for norm in ("none", "bnviz"):
        for seed in (0, 1, 2):
            r = run("BN" if norm == "bnviz" else "no BN", {"norm": norm, "lr": 0.3}, [0.1] + [0.9] * 10, seed)
            for rec in r["records"]:
                early = rec["step"] <= 100
                factor = 1.0 if norm == "none" else (2.0 if early and bn_smoother_late_only else 0.5)
                factor *= 1 + 0.01 * seed
                for field in ("grad_predictiveness", "effective_beta"):
                    rec[f"landscape/{field}"] = factor
                loss = 1.0
                losses = (
                    [loss - 0.3 * (i + 1) / 8 for i in range(8)]
                    if norm == "bnviz"
                    else [0.9, 0.95, 1.0, 1.05, 1.1, 1.15, 1.18, 1.2]
                )
                rec["landscape/loss"] = loss
                rec["landscape/loss_range"] = max([loss, *losses]) - min([loss, *losses])
                if with_losses:
                    rec["landscape/losses"] = losses
                    rec["landscape/step_sizes"] = [0.15 * (i + 1) for i in range(8)]
                rec["landscape/blew_up"] = int(norm == "none" and rec["step"] == 1000)
            runs.append(r)
    return payload("landscape", runs)
