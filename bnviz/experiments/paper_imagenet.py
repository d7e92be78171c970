"""The paper's headline ImageNet results, quoted from Ioffe & Szegedy (2015), not reproduced by bnviz.

Plain data, and the sections the Experiments page draws from it. Not an experiment: it defines no
``EXPERIMENT``, so nothing here is trained, cached or given a verdict. Training Inception on ImageNet
(31 million steps of the baseline) is far beyond a laptop CPU; these numbers are the paper's own.

Every number below was checked against the paper's text: arXiv:1502.03167v3 as rendered in HTML by
ar5iv (https://ar5iv.labs.arxiv.org/html/1502.03167; read in a stored copy whose header names
http://arxiv.org/abs/1502.03167v3), namely Figure 3 (the table of steps to 72.2% and maximum accuracy),
Section 4.2 and 4.2.2 (the setting, the learning rates and the claims in words), Figure 4 and Section
4.2.3 (the ensemble); a bilingual transcription of the paper's text agrees on each of them. The labels
are the paper's: in arXiv v3 both tables are figures, Figure 3 and Figure 4 (Figure 2 is the curves).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from bnviz.views.sections import Section, Table, Text

TAB = "The paper's ImageNet results (quoted, not reproduced)"
SOURCE = "Ioffe & Szegedy (2015), arXiv:1502.03167v3, Section 4.2, Figures 3 and 4 (quoted, not reproduced)"
BASELINE_ACCURACY = 72.2  # Inception's maximum validation accuracy, the bar every network is timed to


@dataclass(frozen=True)
class SingleNetwork:
    """One row of Figure 3, with its learning rate from Section 4.2.2."""

    model: str
    what: str  # Section 4.2.2's description, shortened
    initial_lr: float  # Section 4.2.2; NaN where the paper gives no number ("same as Inception", "like BN-x5")
    steps_to_baseline: float  # Figure 3, "Steps to 72.2%", in millions of training steps; NaN: blank in the paper
    max_accuracy: float  # Figure 3, "Max accuracy": single-crop top-1 validation accuracy, in percent


NAN = math.nan
SINGLE_NETWORK = (
    SingleNetwork("Inception", "the baseline network", 0.0015, 31.0, 72.2),
    SingleNetwork("BN-Baseline", "Inception, BN before each nonlinearity", NAN, 13.3, 72.7),
    SingleNetwork("BN-x5", "BN, Section 4.2.1's changes, 5x the rate", 0.0075, 2.1, 73.0),
    SingleNetwork("BN-x30", "like BN-x5, 30x Inception's rate", 0.045, 2.7, 74.8),
    SingleNetwork("BN-x5-Sigmoid", "like BN-x5, sigmoid instead of ReLU", NAN, NAN, 69.8),
)


@dataclass(frozen=True)
class Ensemble:
    """One row of Figure 4 (validation set, 50,000 images)."""

    model: str
    resolution: int  # input size in pixels
    crops: int  # crops per image at inference
    models: int  # networks averaged
    top1_error: float  # in percent; NaN where Figure 4 has "-"
    top5_error: float  # in percent


ENSEMBLE = (  # the BN-Inception rows and the original GoogLeNet ensemble they improve on
    Ensemble("GoogLeNet ensemble", 224, 144, 7, NAN, 6.67),
    Ensemble("BN-Inception single crop", 224, 1, 1, 25.2, 7.82),
    Ensemble("BN-Inception multicrop", 224, 144, 1, 21.99, 5.82),
    Ensemble("BN-Inception ensemble", 224, 144, 6, 20.1, 4.9),
)
ENSEMBLE_TEST_TOP5_ERROR = 4.82  # Figure 4's footnote: the test server, 100,000 images
PREVIOUS_BEST_TEST_TOP5_ERROR = 4.94  # Section 4.2.3: He et al. (2015), as evaluated by the ILSVRC server


def single_network_table() -> pd.DataFrame:
    """Figure 3 and Section 4.2.2: one row per network, numeric columns (NaN where the paper gives no number),
    accuracies in percent as the paper prints them."""
    return pd.DataFrame(
        {
            "model": [r.model for r in SINGLE_NETWORK],
            "what it is": [r.what for r in SINGLE_NETWORK],
            "initial learning rate": [r.initial_lr for r in SINGLE_NETWORK],
            "steps to 72.2% (millions)": [r.steps_to_baseline for r in SINGLE_NETWORK],
            "max accuracy (top-1, %)": [r.max_accuracy for r in SINGLE_NETWORK],
        }
    )


def ensemble_table() -> pd.DataFrame:
    """Figure 4's rows for BN-Inception and the GoogLeNet ensemble, errors in percent as the paper prints them."""
    return pd.DataFrame(
        {
            "model": [r.model for r in ENSEMBLE],
            "resolution (px)": [r.resolution for r in ENSEMBLE],
            "crops": [r.crops for r in ENSEMBLE],
            "models": [r.models for r in ENSEMBLE],
            "top-1 error (%)": [r.top1_error for r in ENSEMBLE],
            "top-5 error (%)": [r.top5_error for r in ENSEMBLE],
        }
    )


BANNER = (
    "**Quoted from Ioffe & Szegedy (2015), not reproduced here.** Nothing in this tab was trained or measured "
    "by bnviz: these are the paper's own ImageNet numbers (arXiv:1502.03167v3, Section 4.2), for context "
    "beside our small-scale runs."
)


def sections() -> list[Section]:
    """What the Experiments page draws under :data:`BANNER`: Figure 3 and Figure 4, with the paper's words."""
    single = Section(
        "Single networks: steps to Inception's best accuracy (Figure 3)",
        (
            Text(
                "Inception, the paper's variant of the Inception network, trained with SGD and momentum on "
                f"mini-batches of 32, reached its best single-crop validation accuracy, {BASELINE_ACCURACY:g}%, "
                "after 31 million training steps. Each batch-normalized variant is timed to that same accuracy. "
                "BN-x5 adds Section 4.2.1's changes to BN: a higher learning rate, no Dropout, an L2 weight "
                "regularization 5 times weaker, a learning-rate decay 6 times faster, no Local Response "
                "Normalization, more thorough shuffling and fewer photometric distortions.",
                "markdown",
            ),
            Text(
                "In the paper's words: BN-Baseline gets there *in less than half the number of training steps*; "
                "*BN-x5 needs 14 times fewer steps than Inception to reach the 72.2% accuracy*; BN-x30 *reaches "
                "74.8% after 6·10⁶ steps, i.e. 5 times fewer steps than required by Inception to reach 72.2%*. "
                "BN-x5-Sigmoid never reaches 72.2% (its best is 69.8%), but *without Batch Normalization, "
                "Inception with sigmoid never achieves better than 1/1000 accuracy*.",
                "markdown",
            ),
            Table(
                single_network_table(),
                csv_name="paper-imagenet-single-networks",
                formats={
                    "initial learning rate": "%g",
                    "steps to 72.2% (millions)": "%.1f",
                    "max accuracy (top-1, %)": "%.1f%%",
                },
            ),
            Text(
                "None: a cell the paper leaves empty, or a learning rate it gives in words only "
                "(BN-Baseline: *same as Inception*; BN-x5-Sigmoid: *like BN-x5*).",
                "caption",
            ),
        ),
    )
    ensemble = Section(
        "The ensemble: 4.9% top-5 validation error (Figure 4)",
        (
            Text(
                "Six networks, each based on BN-x30, their class probabilities averaged over 144 crops per image: "
                f"{ENSEMBLE[-1].top5_error:g}% top-5 error on the 50,000 validation images and "
                f"{ENSEMBLE_TEST_TOP5_ERROR:g}% on the 100,000 test images (the ILSVRC server), against the "
                f"previous best reported test error of {PREVIOUS_BEST_TEST_TOP5_ERROR:g}% (He et al., 2015).",
                "markdown",
            ),
            Table(
                ensemble_table(),
                csv_name="paper-imagenet-ensemble",
                formats={"top-1 error (%)": "%g%%", "top-5 error (%)": "%g%%"},
            ),
            Text(f"None: a dash in the paper. Source: {SOURCE}.", "caption"),
        ),
    )
    return [single, ensemble]
