"""The paper's experiments: recorded runs from the cache, and training new ones in the background."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from bnviz.runs import cache
from bnviz.views import charts
from bnviz.views import compare
from bnviz import experiments
from bnviz.runs import jobs
from bnviz.views import records
from bnviz.cli import resolve
from bnviz.runs.runner import summary
from pages._ui import cache_dir, csv_download, require_router, data_badge, data_dir, real_data_available

require_router()

TABS = {"mnist-fig1": "MNIST Figure 1", "cifar10-cnn": "CIFAR-10 CNN", "lr-sweep": "Learning rate x init"}
NAMES = {"mnist": "MNIST", "cifar10": "CIFAR-10"}
ICON = {True: ":green[:material/check_circle:]", False: ":red[:material/cancel:]", None: ":gray[:material/info:]"}


# ------------------------------------------------------------------ loading (cached on path and mtime)
@st.cache_data(show_spinner=False, max_entries=8)
def _scan(folder: str, fingerprint: tuple) -> tuple[dict, list]:
    """Per experiment, newest first: the metadata of each cached result; and the files that were ignored."""
    found = cache.scan(Path(folder))
    listing = {name: [compare.describe(path, p, experiments.EXPERIMENTS.get(name)) for path, p in entries]
               for name, entries in found.results.items()}
    return listing, found.problems


@st.cache_data(show_spinner="Reading the cached result…", max_entries=32)
def _view(name: str, path: str, mtime_ns: int) -> dict:
    """Every DataFrame and sentence a tab draws, derived once per file version."""
    result = cache.load_result(Path(path))
    curves = records.curves(result["runs"])
    v = {"curves": curves, "acc": records.band(curves, "test_acc"), "loss": records.band(curves, "train_loss"),
         "summary": summary(result)}
    if name == "mnist-fig1":
        layers = records.layer_names(result["runs"][0]["records"])
        v["layer"] = layers[-1] if layers else None
        v["pct"] = records.percentiles(result["runs"], v["layer"]) if layers else pd.DataFrame()
        v["table"], v["verdicts"] = compare.comparison_table(result), compare.verdicts(result)
    if name == "lr-sweep":
        v["sweep"] = records.sweep_table(result).assign(lr=lambda d: d["lr"].round(6))  # 3 x 0.3 is 0.8999999999999999
        v["rate"], v["init"] = compare.rate_findings(v["sweep"]), compare.init_findings(v["sweep"])
    return v


def _cached() -> tuple[dict, list]:
    folder = cache_dir()
    files = [p for p in folder.glob("*.json") if not p.name.endswith(".progress.json")] if folder.is_dir() else []
    fingerprint = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(files) if p.exists())
    return _scan(str(folder), fingerprint)


# ------------------------------------------------------------------ drawing a cached result
def _provenance(meta: dict) -> None:
    data_badge(meta["label"], meta["source"])
    if meta["source"] == "non-official" and meta["dataset"] == "cifar10":
        st.caption("This copy of CIFAR-10 was JPEG re-encoded, so test accuracy runs a little below what the "
                   "official files give.")
    st.caption(meta["line"])
    st.code(meta["command"], language="bash")


def _verdicts(items: list[compare.Verdict]) -> None:
    st.markdown("  \n".join(f"{ICON[v.holds]} {v.text}" for v in items))


def _mnist(v: dict, meta: dict, tag: str) -> None:
    st.subheader("Figure 1(a): test accuracy")
    paper = st.toggle("The paper's y-range (70% to 100%)", value=True, key=f"axes-{tag}")
    if paper and len(v["acc"]) and v["acc"]["lo"].min() < 0.7:
        st.caption("Some points lie below 70%: they are drawn on the bottom edge. Switch the toggle off for the full range.")
    st.altair_chart(charts.fit_width(charts.accuracy(v["acc"], paper_axes=paper, title="Test accuracy, mean and min-max over seeds")),
                    width="stretch")
    csv_download(v["curves"], f"{tag}-curves.csv", "Download test accuracy and loss per seed (CSV)")

    st.subheader(f"Figure 1(b, c): the input to one sigmoid of the last hidden layer ({v['layer']})")
    st.caption("The 15th, 50th and 85th percentiles over a fixed probe batch (first seed). Without BN the "
               "distribution drifts while the layers below learn; with BN it stays put.")
    pct = v["pct"]
    if pct.empty:
        st.info("This result has no percentile probes (it was run without them).")
    else:
        first = pct[pct["seed"] == pct.groupby("arm")["seed"].transform("min")]
        lo, hi = float(first["p15"].min()), float(first["p85"].max())
        pad = 0.05 * (hi - lo or 1.0)
        cols = st.columns(2)
        for col, arm, letter in zip(cols, ("no BN", "BN"), "bc"):
            col.altair_chart(charts.fit_width(charts.percentile_bands(pct, arm, [lo - pad, hi + pad], f"({letter}) {arm}")),
                            width="stretch")
        csv_download(pct, f"{tag}-percentiles.csv", "Download the percentiles (CSV)")

    st.subheader("Training loss")
    st.altair_chart(charts.fit_width(charts.loss(v["loss"], title="Mean over seeds")), width="stretch")
    csv_download(v["loss"], f"{tag}-train-loss.csv", "Download the training loss, mean over seeds (CSV)")

    st.subheader("Ours, the paper, and a student's reproduction")
    st.caption(f"{compare.NO_NUMBERS} The student reported {compare.pct(compare.STUDENT['no BN'])} without BN and "
               f"{compare.pct(compare.STUDENT['BN'])} with BN after {compare.STUDENT_STEPS:,} steps. "
               "Ours: mean over seeds, lowest to highest seed in brackets.")
    st.dataframe(v["table"], hide_index=True)
    csv_download(v["table"], f"{tag}-comparison.csv", "Download the comparison table (CSV)")
    _verdicts(v["verdicts"])


def _finals(v: dict) -> None:
    arms = v["summary"]["arms"]
    cols = st.columns(len(arms))
    plain = arms.get("no BN", {}).get("mean_final_test_acc")
    for col, (arm, s) in zip(cols, sorted(arms.items(), key=lambda a: a[0].startswith("BN"))):
        acc = s["mean_final_test_acc"]
        delta = compare.points(acc - plain) + " vs no BN" if arm != "no BN" and acc is not None and plain is not None else None
        col.metric(f"{arm}: final test accuracy", compare.pct(acc), delta, border=True,
                   help="Mean over seeds " + ", ".join(map(str, s["seeds"])) + ": " +
                        ", ".join(compare.pct(a) for a in s["final_test_acc"]) + f" after {s['steps']:,} steps")


def _cifar(v: dict, meta: dict, tag: str) -> None:
    _finals(v)
    st.altair_chart(charts.fit_width(charts.accuracy(v["acc"], title="Test accuracy (whole test set, eval mode)")), width="stretch")
    st.altair_chart(charts.fit_width(charts.loss(v["loss"])), width="stretch")
    csv_download(v["curves"], f"{tag}-curves.csv", "Download test accuracy and loss per seed (CSV)")


def _sweep(v: dict, meta: dict, tag: str) -> None:
    st.altair_chart(charts.sweep_heatmap(v["sweep"]))
    st.markdown("**1. Higher learning rates** (Section 3.3: BN permits higher rates)")
    _verdicts(v["rate"])
    st.markdown("**2. Init scale** (Section 3.3: BN makes training insensitive to the scale of the weights)")
    _verdicts(v["init"])
    table = v["sweep"].assign(BN=v["sweep"]["BN"].map({True: "BN", False: "no BN"}),
                              steps_to_90=[("never" if pd.isna(s) else f"{int(s):,}") for s in v["sweep"]["steps_to_90"]])
    st.dataframe(table, hide_index=True, height=35 * (len(table) + 1) + 3, column_config={
        "BN": "arm", "init_std": "init std", "steps_to_90": "steps to 90%", "final_test_acc":
        st.column_config.NumberColumn("final test acc.", format="percent", help="empty: the run diverged")})
    csv_download(v["sweep"], f"{tag}-sweep.csv", "Download the sweep table (CSV)")


DRAW = {"mnist-fig1": _mnist, "cifar10-cnn": _cifar, "lr-sweep": _sweep}


def _result(name: str, entries: list[dict]) -> None:
    key = f"pick-{name}"
    paths = [e["path"] for e in entries]
    if st.session_state.get(key) not in paths:
        st.session_state[key] = next((e["path"] for e in entries if e["default"]), paths[0])
    if len(entries) > 1:
        st.selectbox("Cached result", paths, key=key, format_func=lambda p: next(e["choice"] for e in entries if e["path"] == p))
    meta = next(e for e in entries if e["path"] == st.session_state[key])
    _provenance(meta)
    try:
        view = _view(name, meta["path"], meta["mtime_ns"])
    except Exception as e:  # a file that changed or broke after the scan: say so, never a traceback
        st.warning(f"{Path(meta['path']).name} could not be drawn ({type(e).__name__}: {e}). Delete it or run the experiment again.")
        return
    DRAW[name](view, meta, f"{name}-{meta['key']}")


# ------------------------------------------------------------------ training in the background
def _launch(name: str, key: str, args: list[str]) -> None:
    launched = st.session_state.get("launched", {}).get(name)
    if jobs.status(name, key, cache_dir()).active or (launched and launched[0] == key and jobs.pid_alive(launched[1])):
        st.warning("This configuration is already training (see above); a second copy would only slow it down.")
        return
    process = jobs.start(args, name, key, cache_dir())
    st.session_state.setdefault("launched", {})[name] = (key, process.pid)
    st.session_state["toast"] = ("Training started in the background; its progress shows at the top of this tab.", ":material/play_arrow:")
    st.rerun()


@st.fragment(run_every=2)
def _live(name: str, key: str, pid: int | None = None) -> None:
    """Progress of a run in its own process, redrawn every 2 s from its progress file."""
    job = jobs.status(name, key, cache_dir())
    if not job.active and not (job.state == "none" and jobs.pid_alive(pid)):
        st.rerun()  # finished, stopped or crashed: redraw the whole page
    if job.state == "none":
        st.progress(0.0, text="Starting the training process…")
        return
    p, runs = job.progress or {}, (job.progress or {}).get("runs") or []
    note = f", {job.message}" if job.message else ""
    st.progress(job.fraction(), text=f"Training {compare.job_label(p)}: {job.fraction():.0%} ({job.state}{note})")
    st.caption(" · ".join(f"{r['arm']} seed {r['seed']}: {r['step']:,} of {r['steps']:,} steps ({r['status']})" for r in runs))
    acc = records.band(records.curves(runs), "test_acc") if runs else pd.DataFrame()
    if len(acc):
        st.altair_chart(charts.fit_width(charts.accuracy(acc, title="Test accuracy so far")), width="stretch")
    if st.button("Stop this run", key=f"stop-{key}", icon=":material/stop:"):
        jobs.stop(job)
        st.rerun()


def _just_launched(name: str) -> None:
    """The run this session started: waiting for its progress file, finished, or gone without a trace."""
    key, pid = st.session_state.get("launched", {}).get(name, (None, None))
    if key is None:
        return
    state = jobs.status(name, key, cache_dir()).state
    if state == "none" and jobs.pid_alive(pid):
        _live(name, key, pid)
        return
    if state in ("starting", "running"):
        return  # its progress file speaks for it (below)
    st.session_state["launched"].pop(name)
    if state == "complete":
        st.session_state[f"pick-{name}"] = str(cache.result_path(cache_dir(), name, key))
        st.session_state["toast"] = ("The run finished; its result is shown below.", ":material/check_circle:")
    elif state == "none":
        log = jobs.log_path(cache_dir(), name, key)
        tail = log.read_text(errors="replace").strip().splitlines()[-3:] if log.exists() else []
        st.error(f"The training process ended before it reported any progress (log: {log.name} in the cache folder). "
                 "Its last words are below; fix what they say and start it again.")
        if tail:
            st.code("\n".join(tail), language=None)


def _job_panel(name: str) -> None:
    """Every run of this experiment not (yet) in the cache: live progress, or why it ended."""
    _just_launched(name)
    for key, job in jobs.unfinished(name, cache_dir()):
        if job.active:
            _live(name, key)
            continue
        what = compare.job_label(job.progress or {})
        if job.state == "stopped":
            st.warning(f"A run ({what}) was stopped at {job.fraction():.0%}. A stopped run is not a result; "
                       "start it again to finish it.")
        else:  # the first line only: the runner's message may carry a traceback, which belongs in the log
            log = jobs.log_path(cache_dir(), name, key)
            where = f" The full story is in {log.name} in the cache folder." if log.exists() and job.state == "failed" else ""
            reason = (job.message or "no reason recorded").strip().splitlines()[0]
            st.error(f"A run ({what}) {job.state}: {reason}.{where} Fix that, then start it again.")
        args = compare.rerun_args(job.progress or {})
        row = st.container(horizontal=True)
        if args and row.button("Run it again", key=f"again-{key}", icon=":material/replay:"):
            _launch(name, key, args)
        if row.button("Dismiss", key=f"dismiss-{key}", icon=":material/close:",
                      help="Forget this unfinished run: its progress file and log are deleted. Cached results stay."):
            jobs.dismiss(name, key, cache_dir())
            st.rerun()


def _run_form(name: str) -> None:
    exp = experiments.get(name)
    dataset = exp.arms[0].config.dataset
    real = real_data_available(dataset)
    if not real:
        st.info(f"The real {NAMES[dataset]} files are not in the data folder ({data_dir()}). Put them there in "
                "torchvision's layout, point the sidebar's *Data folder* at them, or run "
                f"`python -m bnviz download {dataset}`. Until then you can train on synthetic data of the same "
                "shape, labelled as synthetic everywhere.")
    with st.form(f"run-{name}"):
        cols = st.columns(3)
        steps = cols[0].number_input("Training steps", 1, 200_000, exp.steps, step=100)
        n_seeds = cols[1].number_input("Seeds (0, 1, …)", 1, 5, len(exp.seeds))
        options = (["real", "synthetic"] if real else ["synthetic"])
        source = cols[2].radio("Data", options, format_func=lambda o: f"real {NAMES[dataset]}" if o == "real" else "synthetic (offline demo)")
        st.caption(f"{len(exp.arms)} runs per seed; they train in their own process on every core and keep going "
                   "while you browse other pages or reload.")
        go = st.form_submit_button("Run", type="primary", icon=":material/play_arrow:")
    if go:
        seeds = list(range(int(n_seeds)))
        target = resolve(name, int(steps), seeds, source == "synthetic")
        if jobs.status(name, target.key(), cache_dir()).state == "complete":
            st.info("This configuration is already in the cache: choose it in *Cached result* below.")
        else:
            args = jobs.command(name, steps if steps != exp.steps else None, seeds if tuple(seeds) != exp.seeds else None,
                                source == "synthetic", str(data_dir().resolve()) if source == "real" else None)
            _launch(name, target.key(), args)


def _tab(name: str) -> None:
    st.caption(experiments.get(name).about)
    _job_panel(name)
    entries = _cached()[0].get(name, [])
    if entries:
        with st.expander("Train another configuration"):
            _run_form(name)
        _result(name, entries)
    else:
        st.info(f"Nothing is cached for {TABS[name]} yet. Train it here, or from a terminal: "
                f"`python -m bnviz run {name}`.")
        _run_form(name)


st.title("The paper's experiments")
st.markdown("The comparisons behind the paper's claims, each run with and without BN on this computer and "
            "stored in the cache; every number below is read from those runs. Where the paper or a reproduction "
            "reports something, it sits beside ours with a verdict computed from the data.")
for problem in _cached()[1]:
    st.warning(f"Ignored a cache file: {problem}")
for tab, name in zip(st.tabs(list(TABS.values())), TABS):
    with tab:
        _tab(name)
if "toast" in st.session_state:
    text, icon = st.session_state.pop("toast")
    st.toast(text, icon=icon)
