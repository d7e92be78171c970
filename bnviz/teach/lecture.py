"""A lecture is a plain TOML file of slides, each a page of the app in a given state, with speaker notes.

A lecturer edits, reorders or writes one without code (``lectures/bn.toml`` is the default)::

    title = "Batch Normalization in 50 minutes"

    [[slide]]
    page = "algorithm"          # which page: see PAGES
    state = { step = 3 }        # that page's URL state, as its link would carry it
    title = "Normalize"         # the slide's title
    minutes = 2                 # optional: how long to spend on it
    notes = "What to say."      # optional: speaker notes, shown beneath the slide

:func:`load` never raises on a bad file: every problem names the file, the entry and the field, the
entries without problems are kept, and the page that shows the lecture says what was left out.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

LECTURES_ENV = "BNVIZ_LECTURES_DIR"  # a folder of lecture files other than the repository's lectures/
DEFAULT = "bn"  # lectures/bn.toml: the default 50-minute BN lecture
NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")  # a lecture's name in a link: its file's stem
PAGES = ("home", "algorithm", "moments", "norm_sets", "activations", "experiments", "practice", "why", "code")
FIELDS = ("page", "state", "title", "minutes", "notes")
MAX_BYTES = 200_000  # a lecture file larger than this is refused unread
MAX_SLIDES = 200


@dataclass(frozen=True)
class Slide:
    page: str  # one of PAGES
    title: str
    state: dict[str, str] = field(default_factory=dict)  # the page's URL parameters, as text
    minutes: float | None = None
    notes: str = ""
    entry: int = 0  # its place in the file, from 1: what a message about it names


@dataclass(frozen=True)
class Lecture:
    path: Path
    title: str
    slides: tuple[Slide, ...]
    problems: tuple[str, ...] = ()  # one sentence each, naming the file, the entry and the field

    @property
    def minutes(self) -> float:
        return sum(s.minutes or 0 for s in self.slides)


def folder() -> Path:
    """Where lecture files are: $BNVIZ_LECTURES_DIR, or the repository's lectures/."""
    return Path(os.environ.get(LECTURES_ENV) or Path(__file__).resolve().parents[2] / "lectures")


def available() -> list[str]:
    """The names of the lecture files in :func:`folder`, the default first."""
    names = sorted(p.stem for p in folder().glob("*.toml") if NAME.fullmatch(p.stem))
    return sorted(names, key=lambda n: n != DEFAULT)


def path_of(name: str) -> Path:
    """The file of lecture ``name`` (a file stem: no folder can be named through it)."""
    if not NAME.fullmatch(name):
        raise ValueError("a lecture's name is letters, digits, - and _")
    return folder() / f"{name}.toml"


def load(path: Path) -> Lecture:
    """The lecture in ``path``: its good slides, and a sentence for every problem."""
    name = path.name
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            return Lecture(path, name, (), (f"{name}: {size:,} bytes, more than {MAX_BYTES:,}; not read.",))
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Lecture(path, name, (), (f"{name}: no such file.",))
    except (OSError, UnicodeDecodeError) as e:
        return Lecture(path, name, (), (f"{name}: cannot be read ({e}).",))
    except tomllib.TOMLDecodeError as e:
        return Lecture(path, name, (), (f"{name}: not valid TOML ({e}). Fix it and reload the page.",))
    return parse(data, path)


def parse(data: dict, path: Path) -> Lecture:
    name = path.name
    problems = []
    title = data.get("title", name)
    if not isinstance(title, str) or not title.strip():
        problems.append(f"{name}: the field 'title' at the top must be text.")
        title = name
    for key in data:
        if key not in ("title", "slide"):
            problems.append(f"{name}: unknown field '{key}' at the top (a lecture has 'title' and [[slide]] entries).")
    entries = data.get("slide", [])
    if not isinstance(entries, list):
        problems.append(f"{name}: 'slide' must be a list of [[slide]] entries.")
        entries = []
    if len(entries) > MAX_SLIDES:
        problems.append(f"{name}: {len(entries)} slides; only the first {MAX_SLIDES} are read.")
    slides = []
    for i, entry in enumerate(entries[:MAX_SLIDES], 1):
        slide, wrong = _slide(entry, i)
        problems.extend(f"{name}, slide {i}: {w}" for w in wrong)
        if slide is not None:
            slides.append(slide)
    if not slides and not problems:
        problems.append(f"{name}: no [[slide]] entries.")
    return Lecture(path, title, tuple(slides), tuple(problems))


def _slide(entry, i: int) -> tuple[Slide | None, list[str]]:
    """A slide, or None and what is wrong with it (field by field)."""
    if not isinstance(entry, dict):
        return None, ["an entry must be a table of fields ([[slide]])."]
    wrong = [f"unknown field '{key}' (a slide has {', '.join(FIELDS)})." for key in entry if key not in FIELDS]
    page = entry.get("page")
    if page not in PAGES:
        wrong.append(f"field 'page' must be one of {', '.join(PAGES)}, not {_quoted(page)}.")
    title = entry.get("title")
    if not isinstance(title, str) or not title.strip():
        wrong.append("field 'title' must be non-empty text.")
    state = entry.get("state", {})
    if not isinstance(state, dict):
        wrong.append("field 'state' must be a table, e.g. state = { step = 3 }.")
        state = {}
    for key, value in state.items():
        if not isinstance(value, str | int | float) or isinstance(value, float) and not math.isfinite(value):
            wrong.append(f"field 'state.{key}' must be text or a number.")
    minutes = entry.get("minutes")
    if minutes is not None and (not isinstance(minutes, int | float) or isinstance(minutes, bool) or minutes < 0):
        wrong.append("field 'minutes' must be a number of minutes, 0 or more.")
    notes = entry.get("notes", "")
    if not isinstance(notes, str):
        wrong.append("field 'notes' must be text.")
    if wrong:
        return None, wrong
    text = {str(k): _text(v) for k, v in state.items()}
    return Slide(page, title.strip(), text, minutes, notes.strip(), i), []


def _text(value) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _quoted(value) -> str:
    text = repr(value) if not isinstance(value, str) else f"'{value}'"
    return text if len(text) <= 40 else text[:39] + "…"
