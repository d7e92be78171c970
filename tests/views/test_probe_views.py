"""Views of the probes: training- or eval-mode records, x̂ beside y, how far Figure 1(b,c)'s distribution
moved (bnviz.views.drift), and the charts beside them. Hand-made records with numbers checked by hand."""

import pandas as pd
import pytest

from bnviz.views import drift, probe_charts, probe_modes, records


def pct_frame(arm, rows, seed=0):
    """rows: (step, p15, p50, p85)."""
    norm = "none" if arm == "no BN" else "bnviz"
    return pd.DataFrame(
        [{"arm": arm, "norm": norm, "seed": seed, "step": s, "p15": a, "p50": b, "p85": c} for s, a, b, c in rows]
    )


PLAIN = [(0, -0.5, 0.0, 0.5), (10, -1.0, 0.5, 2.0), (50, -1.0, 1.5, 3.0), (100, -2.0, 1.0, 4.0)]
BN = [(0, -1.0, 0.0, 1.0), (10, -1.0, 0.1, 1.0), (50, -1.5, 0.3, 2.0), (100, -1.5, 0.2, 2.5)]


def test_split_step_is_the_probe_nearest_the_early_fraction():
    assert drift.split_step([0, 1, 2, 5, 10, 20, 50, 100]) == 10
    assert drift.split_step([0, 40, 60, 100], 0.5) == 40  # a tie goes to the earlier step
    assert drift.split_step([0, 100, 200]) == 100  # strictly inside, even if far from 10%
    assert drift.split_step([0, 100]) is None


def test_drift_measures_median_and_band_early_and_late():
    (d,) = drift.drift(pct_frame("no BN", PLAIN))
    assert d.steps == (0, 10, 100)
    assert d.median == (0.0, 0.5, 1.0) and d.width == (1.0, 3.0, 6.0)
    assert (d.early_shift, d.late_shift) == (0.5, 0.5)
    assert (d.early_ratio, d.late_ratio) == (3.0, 2.0)
    assert (d.farthest, d.farthest_step) == (1.5, 50)


def test_sentences_compare_the_arms_with_their_numbers():
    pct = pd.concat([pct_frame("no BN", PLAIN), pct_frame("BN", BN)])
    early, late, farthest = drift.sentences(pct)
    assert early == (
        "From step 0 to 10 the median moved 0.50 without BN and 0.10 with BN (less with BN); the band "
        "went from 1.00 to 3.00 wide (×3.00) without BN and from 2.00 to 2.00 (×1.00) with BN."
    )
    assert late.startswith("From step 10 to 100 the median moved 0.50 without BN and 0.10 with BN (less with BN)")
    assert "from 2.00 to 4.00 (×2.00) with BN" in late, "the BN band widened: the sentence says so"
    assert farthest == (
        "At its farthest the median was 1.50 from its start without BN (step 50) and 0.30 with BN (step 50)."
    )


def test_sentences_say_more_with_bn_when_bn_moved_more():
    swapped = pd.concat([pct_frame("no BN", BN), pct_frame("BN", PLAIN)])
    assert all("(more with BN)" in s for s in drift.sentences(swapped)[:2])


def test_sentences_with_one_arm_too_few_probes_or_unequal_steps():
    (one,) = drift.sentences(pct_frame("BN", BN))
    assert one.startswith("BN: the median went +0.00 → +0.10 → +0.20 at steps 0 → 10 → 100")
    assert drift.sentences(pct_frame("BN", BN[:2])) == [
        "Too few probes yet to say how this distribution moves (it takes three)."
    ]
    (unequal,) = drift.sentences(pd.concat([pct_frame("no BN", PLAIN[:3]), pct_frame("BN", BN)]))
    assert "probed up to different steps" in unequal


def test_sentences_use_each_arms_first_seed():
    pct = pd.concat([pct_frame("no BN", PLAIN, seed=1), pct_frame("no BN", BN, seed=0), pct_frame("BN", BN)])
    assert "moved 0.10 without BN and 0.10 with BN (the same distance)" in drift.sentences(pct)[0]


def run(norm, recs, arm=None):
    return {"arm": arm or ("no BN" if norm == "none" else "BN"), "seed": 0, "config": {"norm": norm}, "records": recs}


NEW_BN = {
    "step": 5,
    "layer1/hist": [1],
    "layer1/p50": 0.0,
    "layer1/x_hat_p50": 0.1,
    "layer1/grad_norm": 2.0,
    "layer1/eval/hist": [2],
    "layer1/eval/p50": 3.0,
    "layer1/eval/x_hat_p50": 4.0,
    "test/acc": 0.5,
}


def test_eval_view_puts_the_eval_fields_under_the_layer_for_bn_runs_only():
    plain = run("none", [{"step": 5, "layer1/hist": [1], "layer1/p50": 7.0}])
    runs = [plain, run("bnviz", [NEW_BN])]
    assert probe_modes.view(runs, "train") == runs
    out_plain, out_bn = probe_modes.view(runs, "eval")
    assert out_plain is plain
    assert out_bn["records"] == [
        {
            "step": 5,
            "layer1/hist": [2],
            "layer1/p50": 3.0,
            "layer1/x_hat_p50": 4.0,
            "layer1/grad_norm": 2.0,
            "test/acc": 0.5,
        }
    ]
    assert runs[1]["records"][0] == NEW_BN, "the input is not changed"
    assert records.layer_names(runs[1]["records"]) == ["layer1"], "eval fields add no layer"
    with pytest.raises(ValueError, match="mode must be"):
        probe_modes.view(runs, "inference")


def test_results_cached_before_training_mode_probes_have_only_eval_mode():
    legacy = run("bnviz", [{"step": 0, "test/acc": 0.1}, {"step": 5, "layer1/hist": [1], "layer1/p50": 0.0}])
    plain = run("none", [{"step": 5, "layer1/hist": [1], "layer1/p50": 0.0}])
    assert probe_modes.recorded_modes([plain, legacy]) == ("eval",)
    assert probe_modes.recorded_modes([plain, run("bnviz", [NEW_BN])]) == ("train", "eval")
    assert probe_modes.recorded_modes([plain, run("bnviz", [])]) == ("train", "eval"), (
        "a live run before its first probe"
    )
    assert probe_modes.recorded_modes([plain]) == ("train", "eval")


def test_x_hat_percentiles_pair_x_hat_with_y():
    rec = {
        "step": 3,
        "layer2/p15": -2.0,
        "layer2/p50": 0.5,
        "layer2/p85": 3.0,
        "layer2/x_hat_p15": -1.0,
        "layer2/x_hat_p50": 0.0,
        "layer2/x_hat_p85": 1.0,
    }
    df = probe_modes.x_hat_percentiles([run("none", [{"step": 3, "layer2/p50": 1.0}]), run("bnviz", [rec])], "layer2")
    assert df.to_dict("records") == [
        {"arm": "BN", "seed": 0, "step": 3, "value": "x̂", "p15": -1.0, "p50": 0.0, "p85": 1.0},
        {"arm": "BN", "seed": 0, "step": 3, "value": "y", "p15": -2.0, "p50": 0.5, "p85": 3.0},
    ]
    assert probe_modes.x_hat_percentiles([run("bnviz", [{"step": 0, "layer2/p50": 1.0}])], "layer2").empty


def test_grad_norm_chart_skips_steps_without_a_gradient_and_uses_a_log_scale():
    stats = pd.DataFrame(
        [
            {"arm": "BN", "norm": "bnviz", "seed": 0, "step": s, "layer": "layer1", "grad_norm": g}
            for s, g in ((0, None), (1, 0.5), (2, 0.25))
        ]
    )
    spec = probe_charts.grad_norms(stats).to_dict()
    lines, names = spec["layer"]  # each line named by its layer at its last point: dashes alone are hard to tell
    assert lines["encoding"]["y"]["scale"]["type"] == "log" and lines["encoding"]["shape"]["field"] == "layer"
    assert names["mark"]["type"] == "text" and names["encoding"]["text"]["field"] == "layer"
    values = next(iter(spec["datasets"].values()))
    assert [v["step"] for v in values] == [1, 2]


def test_update_ratio_chart_has_a_line_per_arm_and_layer_and_a_dashed_rule_at_minus_3():
    stats = pd.DataFrame(
        [
            {"arm": arm, "norm": norm, "seed": 0, "step": s, "layer": layer, "update_ratio": r}
            for arm, norm in (("no BN", "none"), ("BN", "bnviz"))
            for layer in ("layer1", "layer2")
            for s, r in ((0, None), (10, -2.5), (20, -3.1))
        ]
    )
    spec = probe_charts.update_ratios(stats).to_dict()
    lines, names, rule = spec["layer"]
    assert names["mark"]["type"] == "text" and names["encoding"]["text"]["field"] == "layer"
    assert lines["encoding"]["strokeDash"]["field"] == "layer" and lines["encoding"]["color"]["field"] == "arm"
    assert len(spec["datasets"][lines["data"]["name"]]) == 8, "step 0 (no update yet) is left out"
    assert rule["mark"]["type"] == "rule" and rule["mark"]["strokeDash"]
    assert (
        spec["datasets"][rule["data"]["name"]] == [{"y": probe_charts.UPDATE_RATIO_RULE}]
        and probe_charts.UPDATE_RATIO_RULE == -3
    )


def test_step_axis_is_linear_or_symlog_on_every_layer_with_an_x():
    stats = pd.DataFrame([{"arm": "BN", "norm": "bnviz", "seed": 0, "step": 5, "layer": "l", "update_ratio": -3.0}])
    assert probe_charts.update_ratios(stats).to_dict()["layer"][0]["encoding"]["x"].get("scale") is None
    log = probe_charts.step_axis(probe_charts.update_ratios(stats), [0, 2000], log=True).to_dict()
    x = log["layer"][0]["encoding"]["x"]
    assert x["scale"] == {"domain": [0, 2000], "type": "symlog"} and x["axis"]["values"] == [0, 1, 10, 100, 1000]
    assert "x" not in log["layer"][-1]["encoding"], "the rule keeps no x"
    linear = probe_charts.step_axis(probe_charts.update_ratios(stats), [0, 2000]).to_dict()["layer"][0]["encoding"]["x"]
    assert linear["scale"] == {"domain": [0, 2000], "type": "linear"} and "values" not in linear.get("axis", {})


def test_an_arm_normalized_after_the_nonlinearity_takes_a_darker_shade_of_its_kinds_colour():
    from bnviz.views.style import arm_colors, arm_styles

    df = pd.DataFrame(
        {
            "arm": ["BN after sigmoid", "LN", "BN", "no BN"],
            "norm": ["bnviz", "layer", "bnviz", "none"],
            "position": ["after", "before", "before", "before"],
        }
    )
    assert arm_colors(df) == (["no BN", "BN", "BN after sigmoid", "LN"], ["#1f77b4", "#d62728", "#801718", "#2ca02c"])
    assert arm_styles(df.drop(columns="position"))["BN after sigmoid"] == ("bnviz", "before")  # cached runs


def test_histogram_outline_closes_each_arms_last_bin_and_shares_a_y_range():
    from bnviz.views import charts

    df = pd.DataFrame(
        [
            {"arm": arm, "norm": norm, "bin_left": b, "bin_right": b + 1, "count": c, "density": c / 10}
            for arm, norm, counts in (("no BN", "none", (1, 4, 5)), ("BN", "bnviz", (5, 5, 0)))
            for b, c in zip(range(3), counts)
        ]
    )
    spec = charts.histogram(df, y_max=0.6).to_dict()
    fill, line, hover = spec["layer"]
    outline = spec["datasets"][fill["data"]["name"]]
    closing = [r for r in outline if r["bin_left"] == 3]
    assert sorted((r["arm"], r["density"]) for r in closing) == [("BN", 0.0), ("no BN", 0.5)]
    assert line["mark"]["interpolate"] == "step-after" and line["encoding"]["y"]["scale"]["domain"] == [0, 0.6]
    assert hover["encoding"]["x2"]["field"] == "bin_right" and len(spec["datasets"][hover["data"]["name"]]) == 6


def test_histogram_spec_is_the_histogram_chart_with_its_data_put_in():
    from bnviz.views import charts

    df = pd.DataFrame(
        [
            {"arm": arm, "norm": norm, "bin_left": b, "bin_right": b + 1, "count": c, "density": c / 10}
            for arm, norm, counts in (("no BN", "none", (1, 4)), ("BN", "bnviz", (5, 0)))
            for b, c in zip(range(2), counts)
        ]
    )
    for options in ({}, {"y_max": 0.6, "x_domain": [0.5, 2.0], "x_title": "g", "height": 180}):
        altair = charts.histogram(df, **options).to_dict()
        spec = charts.histogram_spec(df, **options)
        for ours, theirs in zip(spec["layer"], altair["layer"]):
            rows = spec["datasets"][ours["data"]["name"]].to_dict("records")
            assert rows == altair["datasets"][theirs["data"]["name"]]
            assert {k: v for k, v in ours.items() if k != "data"} == {k: v for k, v in theirs.items() if k != "data"}
        assert {k: v for k, v in spec.items() if k not in ("layer", "datasets")} == {
            k: v for k, v in altair.items() if k not in ("layer", "datasets")
        }
    other = df.assign(density=df["density"] * 2)
    assert charts.histogram_spec(other)["datasets"]["bins"]["density"].tolist() == other["density"].tolist()


def end_labels(ends: dict[str, float]) -> dict[str, float]:
    """Each arm's end label on the accuracy chart as Vega draws it (vl-convert's SVG): label -> its y in pixels."""
    import re

    import vl_convert as vlc

    rows = [
        {"arm": arm, "step": step, "mean": acc, "lo": acc - 0.002, "hi": acc + 0.002, "seeds": 3}
        for arm, end in ends.items()
        for step, acc in ((0, 0.1), (1000, 0.9), (2000, end))
    ]
    svg = vlc.vegalite_to_svg(probe_charts.accuracy_close(pd.DataFrame(rows)).to_json())
    found = re.findall(r'<text[^>]*transform="translate\([-\d.]+,([-\d.]+)\)"[^>]*>(\d+\.\d%)</text>', svg)
    return {text: float(y) for y, text in found}


def test_two_arms_that_end_close_write_their_accuracy_apart():
    """97.7% and 97.5% both sat above their lines, 6 px apart in 12 px type: one is now above, one below."""
    labels = end_labels({"no BN": 0.975, "BN": 0.977})
    assert set(labels) == {"97.5%", "97.7%"}
    assert labels["97.5%"] - labels["97.7%"] >= 12  # the better arm's label above, a line of type apart
    far = end_labels({"no BN": 0.90, "BN": 0.99})
    assert far["90.0%"] > far["99.0%"]


@pytest.mark.parametrize("y_title", ["Input to the sigmoid", "Input to the ReLU"])
def test_the_percentile_bands_y_axis_reads_the_title_given_and_nothing_else(y_title):
    """The CNN's units feed a ReLU: Vega draws one y-axis title, the one given, not the bands' field names."""
    import re

    import vl_convert as vlc

    from bnviz.views import charts

    svg = vlc.vegalite_to_svg(charts.percentile_bands(pct_frame("BN", BN), "BN", y_title=y_title).to_json())
    titles = re.findall(r'role-axis-title"[^>]*><text[^>]*transform="([^"]*)"[^>]*>([^<]*)<', svg)
    assert [text for transform, text in titles if "rotate(-90)" in transform] == [y_title]  # the y-axis's
