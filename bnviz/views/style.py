"""One colour and one place in every legend per normalization kind, across the whole app.

An arm is known by its config's ``norm`` (see :data:`bnviz.norms.NORMS`), never by its label
text: a new normalization gets its own colour on every chart without touching chart code.
BN red and no BN blue, as the app has always drawn them. A normalization placed after the
nonlinearity (``norm_position="after"``) takes a darker shade of its kind's colour, so "BN" and
"BN after sigmoid" are told apart on one chart and still read as the same kind.
"""

from __future__ import annotations

import pandas as pd

# norm kind -> colour (Tableau 10, the colours the app's first charts used for no BN and BN)
NORM_COLORS = {
    "none": "#1f77b4",  # blue: the paper's baseline
    "bnviz": "#d62728",  # red: Batch Normalization, ours
    "torch": "#ff7f0e",  # orange: torch.nn.BatchNorm, the reference
    "layer": "#2ca02c",  # green: LayerNorm
    "group": "#9467bd",  # purple: GroupNorm
    "instance": "#17becf",  # cyan: InstanceNorm (GroupNorm with one channel per group)
    "renorm": "#8c564b",  # brown: Batch Renormalization
    "ghost": "#e377c2",  # pink: Ghost BN
    "noisy": "#bcbd22",  # olive: BN with added noise (Santurkar et al.)
}
# The nearest of Streamlit's named Markdown colours (":red[...]"), for arm names in text beside the charts.
NORM_TEXT_COLORS = {
    "none": "blue",
    "bnviz": "red",
    "torch": "orange",
    "layer": "green",
    "group": "violet",
    "instance": "blue",
    "renorm": "orange",
    "ghost": "violet",
    "noisy": "green",
}
# The same kind after the nonlinearity: its colour at 60% brightness (a lighter shade would fade on white)
AFTER_COLORS = {
    "bnviz": "#801718",
    "torch": "#994c08",
    "layer": "#1a601a",
    "group": "#593e71",
    "instance": "#0e727c",
    "renorm": "#54342d",
    "ghost": "#884774",
    "noisy": "#717114",
}
SPARE_COLORS = ("#7f7f7f", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5")
NORM_ORDER = tuple(NORM_COLORS)  # legends list arms in this order: baseline first, then BN, then the family


def norm_color(norm: str, position: str = "before") -> str:
    """The colour of a normalization kind (its darker shade after the nonlinearity); an unknown kind
    gets a spare colour of its own."""
    if position == "after" and norm in AFTER_COLORS:
        return AFTER_COLORS[norm]
    if norm in NORM_COLORS:
        return NORM_COLORS[norm]
    return SPARE_COLORS[sum(map(ord, norm)) % len(SPARE_COLORS)]


def norm_text_color(norm: str) -> str:
    return NORM_TEXT_COLORS.get(norm, "gray")


def norm_rank(norm: str) -> int:
    return NORM_ORDER.index(norm) if norm in NORM_ORDER else len(NORM_ORDER)


def arm_styles(df: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """arm label -> (norm kind, position), from a DataFrame with ``arm`` and ``norm`` columns (and
    ``position``, "before" where absent), in legend order: by kind, the paper's position first."""
    if not len(df) or "norm" not in df:
        return {}
    d = df.assign(position=df["position"] if "position" in df else "before")
    triples = d[["arm", "norm", "position"]].drop_duplicates("arm").itertuples(index=False)
    ordered = sorted(triples, key=lambda p: (norm_rank(p.norm), p.position != "before", str(p.arm)))
    return {p.arm: (p.norm, p.position) for p in ordered}


def arm_norms(df: pd.DataFrame) -> dict[str, str]:
    """arm label -> norm kind, in legend order (see :func:`arm_styles`)."""
    return {arm: norm for arm, (norm, _) in arm_styles(df).items()}


def arm_colors(df: pd.DataFrame) -> tuple[list[str], list[str]]:
    """(arms in legend order, their colours): the domain and range of a chart's colour scale."""
    styles = arm_styles(df)
    return list(styles), [norm_color(n, pos) for n, pos in styles.values()]
