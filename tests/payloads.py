"""Hand-made cache payloads: test accuracy per arm, seed and step, as a result file holds it."""


def payload(
    acc: dict, steps=(0, 1_000, 5_000, 10_000, 20_000, 50_000), source="official", lr=0.3, experiment="mnist-fig1"
) -> dict:
    """A cache payload whose test accuracy is ``acc[arm][seed][i]`` at ``steps[i]``."""
    runs = []
    for arm, seeds in acc.items():
        for seed, values in enumerate(seeds):
            records = [
                {"step": s, "status": "running", "train/loss": 0.5, "test/acc": a, "test/loss": 0.4}
                for s, a in zip(steps, values)
            ]
            runs.append(
                {
                    "arm": arm,
                    "seed": seed,
                    "status": "done",
                    "steps": steps[-1],
                    "records": records,
                    "config": {"lr": lr, "norm": "none" if arm == "no BN" else "bnviz", "dataset": "mnist"},
                }
            )
    return {"experiment": experiment, "key": "k", "runs": runs, "data": {"label": "MNIST", "source": source}}


AHEAD = {  # BN ahead at every step; final means: no BN 0.971, BN 0.978
    "no BN": [[0.10, 0.80, 0.90, 0.95, 0.96, 0.970], [0.10, 0.82, 0.92, 0.95, 0.96, 0.972]],
    "BN": [[0.09, 0.90, 0.95, 0.96, 0.972, 0.977], [0.09, 0.92, 0.95, 0.96, 0.974, 0.979]],
}
