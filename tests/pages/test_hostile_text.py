"""Issue #23, item 3: every page, walked with hostile text (Markdown links, images, emphasis, HTML,
bare URLs, Streamlit colours, LaTeX) in every string field of the shipped results, in progress files
in every state, in file names, in a CIFAR-10 pickle's global name and in the data folder typed in the
sidebar: no link, image or emphasis from that text is ever rendered, and the text itself is shown."""

import json
from pathlib import Path

import markdown_safety
import pytest
from harness import APP, scaled
from markdown_safety import HOSTILE, MARKER
from streamlit.testing.v1 import AppTest

from bnviz import experiments
from bnviz.runs import owner

pytestmark = pytest.mark.slow  # every page, with every shipped result, several times

ROOT = Path(__file__).resolve().parents[2]
PAGES = [path for path, _, _ in __import__("pages._ui", fromlist=["PAGES"]).PAGES]
NAME_SAFE = "[l](http:evil.test) *EMPH1* _EMPH2_"  # hostile, and still a file name (no "/")


def hostile(i: int) -> str:
    return f"{HOSTILE} #{i}"


def result_with_hostile_text(path: Path, out: Path) -> None:
    """A shipped result with every free-text field hostile: it stays valid, so every page draws it."""
    r = json.loads(path.read_text())
    labels = {}
    for run in r["runs"]:
        run["arm"] = labels.setdefault(run["arm"], hostile(len(labels)))  # one label per arm, kept apart
    for arm in r.get("spec", {}).get("arms", []):
        arm["label"] = labels.get(arm["label"], hostile(99))
    r["title"] = r["command"] = r["created"] = HOSTILE
    r["key"] = f"{HOSTILE} {r['experiment']}"
    r["data"]["label"] = r["data"]["sha256"] = HOSTILE
    r["code_version"] = {k: HOSTILE if isinstance(v, str) else v for k, v in r["code_version"].items()}
    r["machine"] = {k: HOSTILE if isinstance(v, str) else v for k, v in r.get("machine", {}).items()}
    r["args"] = [HOSTILE, HOSTILE]
    r["request"] = {"name": HOSTILE, "steps": None, "seeds": None, "synthetic": False, "data_dir": HOSTILE}
    out.write_text(json.dumps(r))


def refused(template: dict, out: Path, change) -> None:
    """A copy of a result with one structural field hostile: the page lists it as ignored, quoting it."""
    r = json.loads(json.dumps(template))
    change(r)
    out.write_text(json.dumps(r))


def progress(folder: Path, key: str, **fields) -> None:
    exp = experiments.get("mnist-fig1").with_overrides(steps=100, seeds=[0], dataset="synthetic-mnist")
    runs = [
        {
            "arm": hostile(i),
            "seed": 0,
            "config": cfg.to_dict(),
            "status": "running",
            "step": 40,
            "steps": 100,
            "records": [{"step": 0, "status": "running", "test/acc": 0.1}, {"step": 40, "status": "running"}],
        }
        for i, (_, _, cfg) in enumerate(exp.runs())
    ]
    payload = {
        "schema": 1,
        "experiment": "mnist-fig1",
        "key": key,
        "pid": 1,
        "pid_start": "1",
        "status": "failed",
        "message": HOSTILE,
        "command": HOSTILE,
        "started": HOSTILE,
        "data": {"label": HOSTILE, "source": "synthetic", "sha256": HOSTILE},
        "request": {"name": "mnist-fig1", "steps": 100, "seeds": [0], "synthetic": False, "data_dir": HOSTILE},
        "runs": runs,
        **fields,
    }
    (folder / f"mnist-fig1-{key}.progress.json").write_text(json.dumps(payload))


@pytest.fixture
def hostile_folders(tmp_path, monkeypatch):
    cache_dir, data_dir = tmp_path / "cache", tmp_path / "data"
    cache_dir.mkdir()
    data_dir.mkdir()
    shipped = sorted((ROOT / "cache").glob("*.json"))
    for path in shipped:
        result_with_hostile_text(path, cache_dir / path.name)
    small = json.loads(next((ROOT / "cache").glob("noisy-bn-*.json")).read_text())  # a small shipped result
    changes = {
        "norm": lambda r: r["runs"][0]["config"].update(norm=HOSTILE),
        "dataset": lambda r: r["runs"][0]["config"].update(dataset=HOSTILE),
        "source": lambda r: r["data"].update(source=HOSTILE),
        "status": lambda r: r["runs"][0].update(status=HOSTILE),
        "record": lambda r: r["runs"][0]["records"][0].update(status=HOSTILE),
        "field": lambda r: r["runs"][0]["records"][0].update({HOSTILE: HOSTILE}),
    }
    for i, change in enumerate(changes.values()):
        refused(small, cache_dir / f"bn-position-{i:016d}.json", change)
    (cache_dir / f"mnist-fig1-{NAME_SAFE}.json").write_text("{")  # a broken file with a hostile name
    progress(cache_dir, "0000000000000001")  # failed, with a hostile message, arms, data label and request
    progress(cache_dir, "0000000000000002", status="stopped")
    progress(cache_dir, "0000000000000003", status=HOSTILE)  # invalid: the reason quotes it
    progress(cache_dir, "0000000000000004", runs=[], result_fallback=HOSTILE)  # no runs: its command is its label
    progress(cache_dir, "0000000000000005", status="running", **owner.identity())  # in flight: this process
    progress(cache_dir, "0000000000000006", status="running")  # pid 1 is no run of ours: crashed
    progress(cache_dir, NAME_SAFE, status="failed")  # a hostile file name
    (cache_dir / f"mnist-fig1-{NAME_SAFE}.log").write_text(HOSTILE)
    not_a_folder = tmp_path / f"data {NAME_SAFE} {HOSTILE.replace('/', '|')}"
    not_a_folder.write_text("")  # a data folder that is a file: the sidebar says so, quoting it
    monkeypatch.setenv("BNVIZ_CACHE_DIR", str(cache_dir))
    monkeypatch.setenv("BNVIZ_DATA_DIR", str(data_dir))
    return cache_dir, not_a_folder


def walk(at: AppTest, page: str) -> list[str]:
    at.switch_page(page)
    at.run()
    assert not at.exception, (page, [e.value for e in at.exception])
    return markdown_safety.markdown_sent(at)


def test_no_page_renders_markdown_from_files_or_widgets(hostile_folders):
    cache_dir, typed_folder = hostile_folders
    at = AppTest.from_file(APP, default_timeout=scaled(180))
    at.run()
    at.sidebar.text_input[0].set_value(str(typed_folder)).run()  # the sidebar's Data folder, typed
    sent = {page: walk(at, page) for page in PAGES}
    at.switch_page("pages/activations.py")
    at.run()
    at.button_group(key="act_source").set_value("Open a cached run").run()
    sent["activations, cached"] = markdown_safety.markdown_sent(at)
    at.button_group(key="act_source").set_value("Train live").run()
    at.toggle(key="act_synth_mlp").set_value(False).run()
    sent["activations, live on real data"] = markdown_safety.markdown_sent(at)
    problems = {page: markdown_safety.rendered(texts) for page, texts in sent.items()}
    assert not any(problems.values()), "\n".join(f"{p}: {x}" for p, v in problems.items() for x in v[:5])
    shown = {page: sum(MARKER in t for t in texts) for page, texts in sent.items()}
    for page in ("pages/experiments.py", "pages/practice.py", "pages/why.py", "activations, cached"):
        assert shown[page], f"{page} showed none of the hostile text: the test would prove nothing there"
    everything = "\n".join(t for texts in sent.values() for t in texts)
    for seen in ("ignored", "0000000000000003", "l\\]\\(http\\:evil\\.test\\)", "is a file"):
        assert seen in everything, seen


def test_a_cifar_pickle_naming_a_hostile_global_is_quoted_not_rendered(tmp_path, monkeypatch):
    import datagen

    folder = datagen.write_cifar10(tmp_path / "data", n_per_batch=26)

    # protocol 0's GLOBAL opcode: "c<module>\n<name>\n"; the restricted unpickler refuses it and quotes it
    (folder / "data_batch_1").write_bytes(b"c" + f"evil {HOSTILE}".encode() + b"\nrun\n.")
    (tmp_path / "cache").mkdir()
    monkeypatch.setenv("BNVIZ_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("BNVIZ_DATA_DIR", str(tmp_path / "data"))
    at = AppTest.from_file(APP, default_timeout=scaled(120))
    at.run()
    at.switch_page("pages/activations.py")
    at.run()
    at.selectbox(key="act_model").set_value("cnn").run()
    at.toggle(key="act_synth_cnn").set_value(False).run()
    at.button(key="act_start").click().run()
    assert not at.exception, [e.value for e in at.exception]
    texts = markdown_safety.markdown_sent(at)
    assert any("forbidden global" in t and MARKER in t for t in texts), texts
    assert not markdown_safety.rendered(texts)


def test_the_one_escaping_function_is_the_pages_own():
    from bnviz.views.markdown import literal
    from pages import _data

    assert _data.literal is literal
    assert not markdown_safety.rendered([literal(HOSTILE)])
    assert len(markdown_safety.rendered([HOSTILE])) >= len(markdown_safety.RENDERED)  # it finds each construct
