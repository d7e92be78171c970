"""Where the data came from: official files (by MD5), a non-official copy, or synthetic.

Every load records a Provenance, so results computed from a non-official copy (or from
synthetic stand-in data) are labelled as such wherever they are shown.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Provenance:
    source: str  # "official" | "non-official" | "synthetic"
    label: str  # human-readable, shown next to results
    sha256: str  # one digest over the files read (see _file_provenance) or the synthetic recipe
    files: dict = field(default_factory=dict)  # file name -> md5 hex (empty for synthetic)


_DIGESTS: dict[tuple[str, int, int], tuple[str, str]] = {}


def _hash_file(path: Path) -> tuple[str, str]:
    """(md5, sha256) hex of a file, read once in 1 MiB chunks."""
    md5, sha = hashlib.md5(usedforsecurity=False), hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            md5.update(chunk)
            sha.update(chunk)
    return md5.hexdigest(), sha.hexdigest()


def file_digests(path: Path) -> tuple[str, str]:
    """(md5, sha256) of a file, memoized per (path, size, mtime_ns) so reloading is free."""
    st = os.stat(path)
    key = (str(Path(path).resolve()), st.st_size, st.st_mtime_ns)
    if key not in _DIGESTS:
        _DIGESTS[key] = _hash_file(Path(path))
    return _DIGESTS[key]


def file_provenance(title: str, paths: list[Path], official_md5: dict) -> Provenance:
    """Official iff every file read has its official MD5. The combined sha256 is the sha256 of
    `sha256sum`-style lines "<hex>  <name>\\n" sorted by name, so it can be checked by hand."""
    md5s, shas = {}, {}
    for p in paths:
        md5s[p.name], shas[p.name] = file_digests(p)
    lines = "".join(f"{shas[n]}  {n}\n" for n in sorted(shas))
    official = all(official_md5.get(n) == m for n, m in md5s.items())
    return Provenance(
        source="official" if official else "non-official",
        label=f"{title}, official files" if official else f"{title}, files differ from the official release",
        sha256=hashlib.sha256(lines.encode()).hexdigest(),
        files=md5s,
    )
