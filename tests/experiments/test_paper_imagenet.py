"""The paper's ImageNet numbers (bnviz.experiments.paper_imagenet): plain, numeric, quoted data, not an experiment.

The tables were transcribed from Figures 3 and 4 of arXiv:1502.03167v3; the paper also states most of
these results in words (Sections 4.2.2 and 4.2.3, the abstract), so each test holds a transcribed number
to the paper's own prose about it: a mistyped number fails one of them.
"""

import io
import math

import pandas as pd

from bnviz import experiments
from bnviz.experiments import paper_imagenet as P
from bnviz.views.sections import Table


def row(name: str) -> P.SingleNetwork:
    return next(r for r in P.SINGLE_NETWORK if r.model == name)


def test_it_is_plain_data_not_an_experiment():
    assert not hasattr(P, "EXPERIMENT") and not hasattr(P, "analyze")
    assert "paper_imagenet" not in {e.package.rsplit(".", 1)[-1] for e in experiments.REGISTRY.values()}
    assert experiments.on_page("experiments") == ["mnist-fig1", "cifar10-cnn", "lr-sweep"]


def test_every_number_column_is_numeric_in_the_tables_and_their_csv():
    for df in (P.single_network_table(), P.ensemble_table()):
        numbers = df.drop(columns=[c for c in ("model", "what it is") if c in df])
        assert all(pd.api.types.is_numeric_dtype(numbers[c]) for c in numbers), numbers.dtypes
        back = pd.read_csv(io.StringIO(df.to_csv(index=False)))
        pd.testing.assert_frame_equal(back[numbers.columns], numbers, check_dtype=False)


def test_figure_3_agrees_with_what_section_4_2_2_says_in_words():
    inception, baseline, x5, x30, sigmoid = (
        row(m) for m in ("Inception", "BN-Baseline", "BN-x5", "BN-x30", "BN-x5-Sigmoid")
    )
    # "Inception reached the accuracy of 72.2% after 31·10^6 training steps"
    assert inception.max_accuracy == P.BASELINE_ACCURACY == 72.2 and inception.steps_to_baseline == 31.0
    # BN-Baseline: "we match the accuracy of Inception in less than half the number of training steps"
    assert baseline.steps_to_baseline < inception.steps_to_baseline / 2
    # "BN-x5 needs 14 times fewer steps than Inception to reach the 72.2% accuracy"
    assert math.floor(inception.steps_to_baseline / x5.steps_to_baseline) == 14
    # BN-x30 "causes the model to train somewhat slower initially, but ... reach a higher final accuracy ... 74.8%"
    assert x30.steps_to_baseline > x5.steps_to_baseline and x30.max_accuracy == 74.8
    assert x30.max_accuracy == max(r.max_accuracy for r in P.SINGLE_NETWORK)
    # "BN-x5-Sigmoid achieves the accuracy of 69.8%": below 72.2%, so no step count
    assert sigmoid.max_accuracy == 69.8 and math.isnan(sigmoid.steps_to_baseline)
    # learning rates: 0.0015; "increased by a factor of 5, to 0.0075"; "0.045 (30 times that of Inception)"
    assert inception.initial_lr == 0.0015
    assert math.isclose(x5.initial_lr / inception.initial_lr, 5) and math.isclose(
        x30.initial_lr / inception.initial_lr, 30
    )
    assert all(r.max_accuracy > P.BASELINE_ACCURACY for r in (baseline, x5, x30))


def test_figure_4_agrees_with_the_abstract_and_section_4_2_3():
    ensemble = next(r for r in P.ENSEMBLE if r.model == "BN-Inception ensemble")
    # abstract: "reaching 4.9% top-5 validation error (and 4.8% test error)"
    assert ensemble.top5_error == 4.9 and round(P.ENSEMBLE_TEST_TOP5_ERROR, 1) == 4.8
    # "For our ensemble, we used 6 networks"; "This improves upon the previous best result" (4.94%)
    assert ensemble.models == 6 and P.ENSEMBLE_TEST_TOP5_ERROR < P.PREVIOUS_BEST_TEST_TOP5_ERROR
    # every BN-Inception row beats the GoogLeNet ensemble's 6.67% except the single crop
    tops = {r.model: r.top5_error for r in P.ENSEMBLE}
    assert tops["BN-Inception single crop"] > tops["GoogLeNet ensemble"] > tops["BN-Inception multicrop"]
    assert min(tops.values()) == ensemble.top5_error


def test_the_sections_say_quoted_and_hold_the_two_tables():
    assert "Quoted from Ioffe & Szegedy (2015), not reproduced here" in P.BANNER
    single, ensemble = P.sections()
    assert "Figure 3" in single.title and "Figure 4" in ensemble.title and "4.9%" in ensemble.title
    tables = [b for s in (single, ensemble) for b in s.blocks if isinstance(b, Table)]
    assert [t.csv_name for t in tables] == ["paper-imagenet-single-networks", "paper-imagenet-ensemble"]
    pd.testing.assert_frame_equal(tables[0].df, P.single_network_table())
    pd.testing.assert_frame_equal(tables[1].df, P.ensemble_table())
    assert all(set(t.formats) <= set(t.df.columns) for t in tables)
