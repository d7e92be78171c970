"""The normalizer cube's state as a URL query, so that "GroupNorm, 2 groups, entry (1, 2, 0, 0)" is a link.

``?kind=group&groups=2&entry=1_2_0_0&n=3&c=4&h=2&w=2&seed=0&present=1``

Only what differs from the page's defaults is written. :func:`parse` never raises: what it cannot use
falls back to its default and is named in a message, as the step-through page's links do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

from bnviz.teach.norm_sets import KINDS
from bnviz.teach.query import Reader, read_choice, read_flag, read_int

SIZES = {"n": (1, 6, 3), "c": (1, 8, 4), "h": (1, 4, 2), "w": (1, 4, 2)}  # the page's number inputs: lo, hi, default
SEED_RANGE = (0, 10_000)
KEYS = ("kind", "n", "c", "h", "w", "groups", "seed", "entry", "present")
WHAT = {"n": "examples N", "c": "channels C", "h": "height H", "w": "width W"}


def divisors(c: int) -> list[int]:
    """GroupNorm's choices of groups for ``c`` channels."""
    return [g for g in range(1, c + 1) if c % g == 0]


def default_groups(c: int) -> int:
    return divisors(c)[min(1, len(divisors(c)) - 1)]


def default_entry(n: int, c: int) -> tuple[int, int, int, int]:
    return (min(1, n - 1), min(2, c - 1), 0, 0)


@dataclass(frozen=True)
class CubeState:
    kind: str = "bnviz"
    n: int = 3
    c: int = 4
    h: int = 2
    w: int = 2
    groups: int | None = None  # None: default_groups(c)
    seed: int = 0
    entry: tuple[int, int, int, int] | None = None  # None: default_entry(n, c)
    present: bool = False

    @property
    def shape(self) -> tuple[int, int, int, int]:
        return (self.n, self.c, self.h, self.w)

    def the_groups(self) -> int:
        return default_groups(self.c) if self.groups is None else self.groups

    def the_entry(self) -> tuple[int, int, int, int]:
        return default_entry(self.n, self.c) if self.entry is None else self.entry


def state_of(kind, shape, groups, seed, entry, present=False) -> CubeState:
    """The page's values as a :class:`CubeState`, with None where a value is its default (a shorter link)."""
    n, c, h, w = (int(v) for v in shape)
    entry = tuple(int(v) for v in entry)
    return CubeState(
        kind=kind,
        n=n,
        c=c,
        h=h,
        w=w,
        groups=None if int(groups) == default_groups(c) else int(groups),
        seed=int(seed),
        entry=None if entry == default_entry(n, c) else entry,
        present=bool(present),
    )


def to_params(state: CubeState) -> dict[str, str]:
    out = {}
    for f in fields(CubeState):
        value = getattr(state, f.name)
        if value == f.default:
            continue
        if f.name == "entry":
            out["entry"] = "_".join(map(str, value))
        elif f.name == "present":
            out["present"] = "1"
        else:
            out[f.name] = str(value)
    return out


def parse(params: Mapping[str, str]) -> tuple[CubeState, list[str]]:
    """The state a link asks for, and one short message per part of it that was ignored (and why)."""
    r = Reader(params, KEYS)
    r.take("kind", lambda s: read_choice(s, KINDS, "the normalizer"))
    for key, (lo, hi, _) in SIZES.items():
        r.take(key, lambda s, lo=lo, hi=hi, key=key: read_int(s, lo, hi, f"{WHAT[key]} is {lo} to {hi}"))
    n, c, h, w = (r.found.get(k, SIZES[k][2]) for k in SIZES)
    r.take("groups", lambda s: _groups(s, c))
    r.take("seed", lambda s: read_int(s, *SEED_RANGE, f"the seed is a whole number from 0 to {SEED_RANGE[1]:,}"))
    r.take("entry", lambda s: _entry(s, (n, c, h, w)))
    r.take("present", read_flag)
    state = CubeState(
        kind=r.found.get("kind", "bnviz"),
        n=n,
        c=c,
        h=h,
        w=w,
        groups=r.found.get("groups"),
        seed=r.found.get("seed", 0),
        entry=r.found.get("entry"),
        present=r.found.get("present", False),
    )
    return state, r.ignored


def _groups(text: str, c: int) -> int:
    g = read_int(text, 1, c, f"GroupNorm's groups divide the {c} channels")
    if c % g:
        raise ValueError(f"GroupNorm's groups divide the {c} channels: {', '.join(map(str, divisors(c)))}")
    return g


def _entry(text: str, shape: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    parts = [p for p in text.replace(",", "_").split("_") if p]
    if len(parts) != 4:
        raise ValueError("an entry is four indices: example_channel_row_column")
    return tuple(
        read_int(p, 0, size - 1, f"indices run from 0 to one less than {shape}") for p, size in zip(parts, shape)
    )
