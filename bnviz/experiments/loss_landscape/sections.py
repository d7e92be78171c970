"""The landscape as sections: the rise and the drop of the loss along the gradient, then the gradient's
predictiveness and effective β (Santurkar et al.'s Figure 4), each with its verdicts per phase; test accuracy; what it means."""

from __future__ import annotations

from bnviz.experiments.loss_landscape.findings import G_DEFINED, MEASURES, LandscapeFindings, phase_table
from bnviz.views import blocks, why_charts
from bnviz.views.sections import Chart, Details, Download, Section, Table, Text, Verdicts
from bnviz.views.verdicts import Verdict


def _band(f: LandscapeFindings, measures: list[str]):
    long = f.table.melt(id_vars=["arm", "norm", "seed", "step"], value_vars=measures, var_name="field")
    long["metric"] = long["field"].map(MEASURES)
    return long.groupby(["arm", "norm", "metric", "step"])["value"].mean().reset_index()


def _held(found: tuple[Verdict, ...]) -> str:
    tested = [v for v in found if v.outcome != "context"]
    held = [v.claim.split(" in training")[0].lower() for v in tested if v.outcome == "supports"]
    if not tested:
        return ""
    if len(held) == len(tested):
        return f"holds in every seed, beyond the seed spread, {' and '.join(held)} in training"
    return f"holds beyond the seed spread in {len(held)} of the {len(tested)} phases"


def along_section(f: LandscapeFindings) -> Section:
    title = "Along the gradient: a rise above L(θ) (overshoot) or a drop below it (progress)?"
    measures = ["rise", "drop"]
    band = _band(f, measures)
    held = _held(f.along)
    answer = (
        f'Santurkar et al.\'s "the loss varies less along the gradient with BN", read as overshoot, {held}.'
        if held
        else "This result cannot tell a rise along the gradient from a drop (see below)."
    )
    return Section(
        title,
        (
            Chart(
                why_charts.metric_over_steps(
                    band, "Along −g, mean over seeds (nats)", [MEASURES[m] for m in measures], log=False
                ),
                band,
                f"{f.name}-rise-drop",
                "Download the rise and drop per arm and step, mean over seeds (CSV)",
                stretch=False,
            ),
            Text(
                f"{G_DEFINED}. Rise: max over η of L(θ − ηg) − L(θ), 0 when no step size lifts the loss above where it "
                "was; drop: L(θ) minus the lowest L(θ − ηg), the progress the best of those steps would make. Their "
                "Figure 4(a) shades the range max − min, which adds the two.",
                "caption",
            ),
            Verdicts(f.along),
            Details(
                "Every seed, early and late",
                (Table(phase_table(f.by_phase), csv=f.by_phase, csv_name=f"{f.name}-phases"),),
            ),
        ),
        answer=answer,
    )


def gradient_section(f: LandscapeFindings) -> Section:
    measures = ["grad_predictiveness", "effective_beta"]
    band = _band(f, measures)
    supported = sum(v.outcome == "supports" for v in f.gradient)
    return Section(
        "The gradient a step away: predictiveness and effective β (Santurkar et al.'s Figure 4(b, c))",
        (
            Chart(
                why_charts.metric_over_steps(
                    band, "Smaller is smoother (log scale, mean over seeds)", [MEASURES[m] for m in measures]
                ),
                band,
                f"{f.name}-gradient",
                "Download both per arm and step, mean over seeds (CSV)",
                stretch=False,
            ),
            Text(
                f"{G_DEFINED}. Gradient change: the largest ‖∇L(θ − ηg) − g‖ over the step sizes; effective β: the "
                "largest of those changes divided by the distance moved, η‖g‖.",
                "caption",
            ),
            Verdicts(f.gradient),
        ),
        answer=f"BN's gradient is more predictive and its effective β smaller beyond the seed spread in {supported} "
        f"of the {len(f.gradient)} comparisons (two measures, early and late).",
    )


def sections(f: LandscapeFindings) -> list[Section]:
    notes = tuple(v for v in f.verdicts if v not in f.along + f.gradient)
    return [
        along_section(f),
        gradient_section(f),
        Section(
            "Test accuracy",
            (
                blocks.accuracy_chart(f.curves, f.name),
                blocks.headline_cards(f.finals),
                Details("Every seed", (blocks.seed_table(f.finals, f.name),)),
            ),
        ),
        Section(
            "What this means",
            (Verdicts(notes), Download(f.table, f"{f.name}-landscape", "Download every probe, every seed (CSV)")),
            answer=f.meaning,
        ),
    ]
