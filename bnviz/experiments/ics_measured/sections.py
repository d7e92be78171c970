"""ICS as sections: ‖G − G′‖₂ over training, then cos ∠(G, G′), each with its verdicts per layer and phase; test
accuracy; what it means."""

from __future__ import annotations

from bnviz.experiments.ics_measured.findings import G_DEFINED, MEASURES, ICSFindings, layer_name, phase_table
from bnviz.views import blocks, why_charts
from bnviz.views.sections import Chart, Details, Download, Section, Table, Text, Verdicts
from bnviz.views.verdicts import Verdict


def _band(f: ICSFindings, value: str):
    t = f.table.assign(layer=f.table["layer"].map(layer_name))
    return t.groupby(["arm", "norm", "layer", "step"])[[value]].mean().reset_index().rename(columns={value: "value"})


def _answer(found: tuple[Verdict, ...], measure: str) -> str:
    if not found:
        return "This result has no ICS probes of both arms above the first layer."
    held = sum(v.outcome == "supports" for v in found)
    against = sum(v.outcome == "contradicts" for v in found)
    return (
        f"Santurkar et al.'s reading ({measure} shows no less shift with BN) holds beyond the seed spread in {held} of "
        f"the {len(found)} layer-and-phase comparisons, the original paper's in {against}; the rest are mixed or "
        "within the seed spread."
    )


def measure_section(f: ICSFindings, value: str, title: str, found: tuple[Verdict, ...], log: bool) -> Section:
    band = _band(f, value).rename(columns={"value": value})
    axis = MEASURES[value] + (" (log scale)" if log else "")
    return Section(
        title,
        (
            Chart(
                why_charts.metric_by_layer(band, value, axis, log=log),
                band,
                f"{f.name}-ics-{value}",
                f"Download {MEASURES[value]} per arm, layer and step, mean over seeds (CSV)",
            ),
            Text(
                f"Mean over seeds at each probe step; step 0 is the untrained network. {G_DEFINED}. The verdicts "
                "compare the arms seed by seed, each phase as the median over its probes.",
                "caption",
            ),
            Verdicts(found),
            Details(
                "Every seed, early and late",
                (Table(phase_table(f.by_phase), csv=f.by_phase, csv_name=f"{f.name}-ics-phases"),),
            ),
        ),
        answer=_answer(found, MEASURES[value]),
    )


def sections(f: ICSFindings) -> list[Section]:
    caveats = tuple(v for v in f.verdicts if v not in f.l2 + f.cos)
    return [
        measure_section(f, "l2", "ICS as Definition 2.1 measures it: ‖G − G′‖₂ per layer", f.l2, log=True),
        measure_section(f, "cos", "The gradient's direction: cos ∠(G, G′) per layer", f.cos, log=False),
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
            (Verdicts(caveats), Download(f.table, f"{f.name}-ics", "Download every probe, every seed (CSV)")),
            answer=f.meaning,
        ),
    ]
