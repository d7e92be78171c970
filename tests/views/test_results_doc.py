"""docs/results.md, docs/practice.md and docs/replays.md are generated from the cache's findings: every arm with its seed
range, every verdict with its symbol, the meaning; an experiment without a result says how to make one."""

import json
from pathlib import Path

import pytest
from payloads import AHEAD, payload

from bnviz import experiments
from bnviz.cli import main
from bnviz.views import results_doc

ROOT = Path(__file__).resolve().parents[2]


def cached(folder: Path, result: dict) -> None:
    exp = experiments.get(result["experiment"])
    full = result | {
        "schema": 1,
        "key": exp.key(),
        "status": "complete",
        "command": "python -m bnviz run mnist-fig1 --data-dir DIR",
        "code_version": {"bnviz_sha256": "feedc0de", "git": "abc1234"},
        "wall_time": 12.0,
        "created": "2026-12-07T00:00:00+00:00",
        "data": {"label": "MNIST, official files", "source": "official", "sha256": "x"},
    }
    (folder / f"{exp.name}-{exp.key()}.json").write_text(json.dumps(full))


def test_a_cached_result_becomes_its_section_with_arms_tables_verdicts_and_meaning(tmp_path):
    cached(tmp_path, payload(AHEAD))
    text = results_doc.render("results.md", tmp_path)
    assert "Every result below was made at training code `feedc0de`." in text
    section = text.split("## MNIST Figure 1 (`mnist-fig1`)")[1].split("\n## ")[0]
    assert "python -m bnviz run mnist-fig1 --data-dir DIR" in section
    assert "| no BN | 97.10% | seeds 97.00–97.20% | 50,000 |" in section
    assert "**Test accuracy at the checkpoints**" in section
    assert "- ✓ BN has the higher test accuracy throughout training (Figure 1(a)): our runs support this" in section
    assert "**What this means.** As in Figure 1(a)" in section
    assert "*Not cached: run `python -m bnviz run cifar10-cnn --data-dir DIR`.*" in text


def test_the_practice_doc_holds_the_practice_experiments_only(tmp_path):
    text = results_doc.render("practice.md", tmp_path)
    names = [n for n in experiments.EXPERIMENTS if f"(`{n}`)" in text]
    assert names == experiments.on_page("practice")


def test_the_cli_writes_both_docs(tmp_path, capsys):
    cached(tmp_path, payload(AHEAD))
    assert main(["summary", "--write-docs", str(tmp_path / "docs"), "--cache-dir", str(tmp_path)]) == 0
    assert sorted(p.name for p in (tmp_path / "docs").iterdir()) == ["practice.md", "replays.md", "results.md"]
    assert "wrote" in capsys.readouterr().out


@pytest.mark.slow
def test_the_committed_docs_are_what_the_shipped_cache_generates():
    for file in results_doc.DOCS:
        assert (ROOT / "docs" / file).read_text() == results_doc.render(file, ROOT / "cache"), (
            f"docs/{file} is stale: run python -m bnviz summary --write-docs docs"
        )
