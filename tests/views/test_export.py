"""Figures for slides: PNG and SVG with the title, caption and data source drawn in."""

import pytest

from bnviz.experiments.lr_sweep import heatmap
from bnviz.views import charts, export, records


def small_chart():
    runs = [
        {
            "arm": arm,
            "seed": 0,
            "config": {"norm": norm},
            "records": [
                {"step": s, "test/acc": a, "train/loss": 1.0, "test/loss": 1.0} for s, a in ((0, 0.1), (100, 0.8))
            ],
        }
        for arm, norm in (("no BN", "none"), ("BN", "bnviz"))
    ]
    return charts.accuracy(records.band(records.curves(runs), "test_acc"), title="Test accuracy")


def test_svg_carries_the_title_caption_and_data_source():
    svg = export.chart_file(small_chart(), "svg", "Figure 1(a)", "mean over seeds", "MNIST, official files").decode()
    assert svg.lstrip().startswith("<svg") and "Figure 1(a)" in svg
    assert "mean over seeds" in svg and "Data: MNIST, official files" in svg


def test_png_is_a_png_at_twice_the_size():
    png = export.chart_file(small_chart(), "png", "Figure 1(a)")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5_000


def test_an_unknown_format_is_refused():
    with pytest.raises(ValueError, match="png, svg"):
        export.chart_file(small_chart(), "pdf", "x")


def test_labels_leave_the_chart_itself_alone():
    chart = small_chart()
    labelled = export.with_labels(chart, "T", "c", "s").to_dict()
    assert labelled["title"]["text"] == "T" and labelled["title"]["subtitle"] == ["c", "Data: s"]
    assert chart.to_dict()["title"] == "Test accuracy"
    assert labelled["width"] == export.WIDTH  # a file has no container to stretch to: a fixed width


def test_a_faceted_chart_keeps_its_own_panel_sizes():
    import pandas as pd

    table = pd.DataFrame(
        [
            {
                "norm": n,
                "BN": n != "none",
                "lr": lr,
                "init_std": 0.1,
                "seed": 0,
                "acc": 0.9,
                "acc_min": 0.9,
                "acc_max": 0.9,
                "seeds": 1,
                "steps_to_90": 500,
                "outcome": "trains",
            }
            for n in ("none", "bnviz")
            for lr in (0.3, 3.0)
        ]
    )
    labelled = export.with_labels(heatmap.sweep_heatmap(table), "Sweep").to_dict()
    assert "width" not in labelled and labelled["title"]["text"] == "Sweep"
    assert export.chart_file(heatmap.sweep_heatmap(table), "svg", "Sweep").decode().lstrip().startswith("<svg")
