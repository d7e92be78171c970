"""Ioffe & Szegedy (2015), arXiv:1502.03167v3: every section and figure with its title, checked against the paper's
text, and the words by which a sentence that quotes one shows which it means.

A page, a doc or a docstring that writes "Section 4.2.2" or "Figure 1(a)" must name one that exists and is the
one meant: ``tests/test_paper_citations.py`` finds every such quote and checks that its nearby words match the
section's title or one of its ``about`` words (a quote of another paper, named nearby, is that paper's).
"""

from __future__ import annotations

from dataclasses import dataclass

ARXIV = "1502.03167"


@dataclass(frozen=True)
class Part:
    number: str  # "4.2.2", or "1" for Figure 1
    title: str  # as the paper prints it (a figure: the gist of its caption)
    about: tuple[str, ...] = ()  # lowercase words a sentence quoting it uses; the title's words count too
    panels: str = ""  # a figure's lettered panels, e.g. "abc" for Figure 1(a), 1(b, c)


SECTIONS: dict[str, Part] = {
    p.number: p
    for p in (
        Part("1", "Introduction", ("saturat", "covariate shift", "sigmoid", "vanish", "mini-batch")),
        Part(
            "2",
            "Towards Reducing Internal Covariate Shift",
            (
                "covariate shift",
                "whiten",
                "batch mean",
                "explanation",
                "bias",
                "undo",
                "gradient step",
                "warning",
                "u + b",
            ),
        ),
        Part(
            "3",
            "Normalization via Mini-Batch Statistics",
            (
                "algorithm 1",
                "backward",
                "chain rule",
                "chain-rule",
                "∂ℓ",
                "equations",
                "gradient",
                "γ",
                "β",
                "identity",
                "normaliz",
                "x̂",
                "pure",
            ),
        ),
        Part(
            "3.1",
            "Training and Inference with Batch-Normalized Networks",
            ("algorithm 2", "inference", "running", "population", "eval", "unbiased", "moving average"),
        ),
        Part(
            "3.2",
            "Batch-Normalized Convolutional Networks",
            (
                "before the nonlinearity",
                "before each nonlinearity",
                "before the sigmoid",
                "before every",
                "nonlinearity",
                "placement",
                "position",
                "convolution",
                "feature map",
                "bias",
                "wu",
                "n*h*w",
                "per channel",
                "bn2d",
            ),
        ),
        Part(
            "3.3",
            "Batch Normalization enables higher learning rates",
            (
                "learning rate",
                "higher rate",
                "larger rate",
                "larger step",
                "scale",
                "saturat",
                "ε",
                "identit",
                "jacobian",
            ),
        ),
        Part(
            "3.4", "Batch Normalization regularizes the model", ("regulariz", "dropout", "generaliz", "deterministic")
        ),
        Part("4", "Experiments", ("imagenet", "inception", "mnist", "bounds", "experiment")),
        Part(
            "4.1",
            "Activations over time",
            ("mnist", "3x100", "sigmoid", "batch 60", "figure 1", "n_bn^tr", "trains", "distribution", "784"),
        ),
        Part("4.2", "ImageNet classification", ("imagenet", "inception", "quoted", "setting", "learning rates")),
        Part(
            "4.2.1",
            "Accelerating BN Networks",
            ("higher learning rate", "dropout", "l2", "shuffl", "photometric", "local response", "changes", "decay"),
        ),
        Part(
            "4.2.2",
            "Single-Network Classification",
            (
                "sigmoid",
                "1/1000",
                "69.8",
                "bn-x5",
                "bn-x30",
                "bn-baseline",
                "learning rate",
                "72.2",
                "description",
                "per network",
                "figure 3",
            ),
        ),
        Part("4.2.3", "Ensemble Classification", ("ensemble", "4.9", "4.94", "4.82", "top-5", "he et al")),
        Part("5", "Conclusion", ("saturating", "recurrent", "domain adaptation")),
    )
}

FIGURES: dict[str, Part] = {
    p.number: p
    for p in (
        Part(
            "1",
            "MNIST: test accuracy (a) and a sigmoid's input distribution over training (b, c), with and without BN",
            (
                "mnist",
                "accuracy",
                "percentile",
                "sigmoid",
                "distribution",
                "input",
                "y-range",
                "3x100",
                "head-to-head",
                "ahead",
                "gap",
                "moved",
                "drift",
                "stable",
                "y-axis",
                "baseline",
                "terms",
                "bn higher",
                "numbers printed",
                "same things",
            ),
            panels="abc",
        ),
        Part(
            "2",
            "Single crop validation accuracy of Inception and its batch-normalized variants, vs. steps",
            ("curves", "inception", "validation"),
        ),
        Part(
            "3",
            "Steps to reach Inception's 72.2% and the maximum accuracy of each network",
            ("72.2", "steps", "max", "table", "single network", "row", "figure 4"),
        ),
        Part(
            "4",
            "Batch-Normalized Inception comparison with previous state of the art",
            ("ensemble", "top-5", "error", "4.9", "validation", "table", "figure 3", "footnote"),
        ),
        Part("5", "The Inception variant used (Appendix)", ("appendix", "architecture")),
    )
}

# A quote near one of these names belongs to that paper, not to Ioffe & Szegedy 2015: its numbers are not checked
# against the tables above (we hold no checked table of theirs).
OTHER_PAPERS = {
    "Santurkar et al. 2018 (arXiv:1805.11604)": ("santurkar", "1805.11604", "help optimization"),
    "Bjorck et al. 2018 (arXiv:1806.02375)": ("bjorck", "1806.02375"),
    "Wu & He 2018 (arXiv:1803.08494)": ("wu & he", "1803.08494", "group normalization"),
    "Ioffe 2017, Batch Renorm (arXiv:1702.03275)": ("renorm", "1702.03275"),
    "Hoffer et al. 2017 (arXiv:1705.08741)": ("hoffer", "1705.08741", "ghost"),
}
THIS_PAPER = ("ioffe", "1502.03167", "the paper", "szegedy")


def section(number: str) -> Part | None:
    return SECTIONS.get(number)


def figure(number: str) -> Part | None:
    return FIGURES.get(number)
