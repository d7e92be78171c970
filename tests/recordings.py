"""Recorded runs made in the test process, written as the runner writes a cache file: what the Activations
page opens and replays (tests/pages/test_page_activations.py, test_page_replay.py, test_browser_replay.py)."""

from pathlib import Path

import torch

from bnviz.runs import cache
from bnviz.runs.payload import data_fields as _data_fields
from bnviz.runs.version import code_version
from bnviz.train.trainer import train


def train_runs(exp, dataset) -> list[dict]:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as the runner does; two threads on a busy machine are many times slower
    try:
        return [
            {
                "arm": arm.label,
                "seed": seed,
                "config": cfg.to_dict(),
                "status": "done",
                "step": cfg.steps,
                "steps": cfg.steps,
                "records": list(train(cfg, dataset)),
                "wall_time": 1.0,
            }
            for arm, seed, cfg in exp.runs()
        ]
    finally:
        torch.set_num_threads(threads)


def write_result(folder: Path, exp, runs: list[dict], dataset, created: str, command: str = "test") -> None:
    payload = {
        "schema": cache.SCHEMA,
        "experiment": exp.name,
        "key": exp.key(),
        "status": "complete",
        "title": exp.title,
        "spec": exp.spec(),
        "runs": runs,
        "data": _data_fields(dataset.provenance),
        "command": command,
        "code_version": code_version(),
        "created": created,
        "wall_time": 1.0,
    }
    cache.write_json_atomic(cache.result_path(folder, exp.name, exp.key()), payload)
