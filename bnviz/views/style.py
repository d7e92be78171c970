"""One colour and one place in every legend per normalization kind, across the whole app.

An arm is known by its config's ``norm``, never by its label text, and each kind's colours are in its
row of :data:`bnviz.norms.NORMS`: a new normalization brings its own colour to every chart without
touching chart code. BN red and no BN blue, as the app has always drawn them. A normalization placed
after the nonlinearity (``norm_position="after"``) takes a darker shade of its kind's colour, so "BN"
and "BN after sigmoid" are told apart on one chart and still read as the same kind. Legends list the
kinds in the registry's order: the baseline first, then BN, then the family.
"""

from __future__ import annotations

import pandas as pd

from bnviz.norms import NORMS

SPARE_COLORS = ("#7f7f7f", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5")  # for kinds no longer registered


def norm_color(norm: str, position: str = "before") -> str:
    """The colour of a normalization kind (its darker shade after the nonlinearity); an unknown kind
    gets a spare colour of its own."""
    if norm not in NORMS:
        return SPARE_COLORS[sum(map(ord, norm)) % len(SPARE_COLORS)]
    return NORMS[norm].after_color if position == "after" else NORMS[norm].color


def norm_text_color(norm: str) -> str:
    return NORMS[norm].text_color if norm in NORMS else "gray"


def norm_rank(norm: str) -> int:
    kinds = list(NORMS)
    return kinds.index(norm) if norm in kinds else len(kinds)


def arm_styles(df: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """arm label -> (norm kind, position), from a DataFrame with ``arm`` and ``norm`` columns (and
    ``position``, "before" where absent), in legend order: by kind, the paper's position first."""
    if not len(df) or "norm" not in df:
        return {}
    rows = (~df["arm"].duplicated()).to_numpy().nonzero()[0]  # each arm's first row, without copying the table

    def column(name: str) -> list:
        return df[name].to_numpy()[rows].tolist() if name in df else ["before"] * len(rows)

    triples = zip(column("arm"), column("norm"), column("position"))
    ordered = sorted(triples, key=lambda t: (norm_rank(t[1]), t[2] != "before", str(t[0])))
    return {arm: (norm, position) for arm, norm, position in ordered}


def arm_norms(df: pd.DataFrame) -> dict[str, str]:
    """arm label -> norm kind, in legend order (see :func:`arm_styles`)."""
    return {arm: norm for arm, (norm, _) in arm_styles(df).items()}


def arm_colors(df: pd.DataFrame) -> tuple[list[str], list[str]]:
    """(arms in legend order, their colours): the domain and range of a chart's colour scale."""
    styles = arm_styles(df)
    return list(styles), [norm_color(n, pos) for n, pos in styles.values()]
