"""Running the training step fast: torch.compile where it pays, eager where it cannot."""

from __future__ import annotations

import shutil
import warnings
from collections.abc import Callable

import torch


class CompileOrEager:
    """Call ``torch.compile(fn)``; if compiling fails (no C++ compiler, an unsupported op), warn
    once and call the eager ``fn`` from then on. A model inside ``fn`` keeps its parameters, so
    training goes on where it was."""

    def __init__(self, fn: Callable):
        self.fn = fn
        self.error: str | None = None
        self._fn = torch.compile(fn) if compiler_available() else fn
        if self._fn is fn:
            self.error = "no C++ compiler found (gcc/g++/cc); running eager"

    def __call__(self, *args, **kwargs):
        if self._fn is not self.fn:
            try:
                return self._fn(*args, **kwargs)
            except Exception as e:  # inductor raises many types; any of them means "run eager"
                self.error = f"torch.compile failed ({type(e).__name__}: {e}); running eager"
                warnings.warn(self.error, RuntimeWarning, stacklevel=2)
                self._fn = self.fn
        return self._fn(*args, **kwargs)


def compiler_available() -> bool:
    return any(shutil.which(c) for c in ("g++", "c++", "gcc", "cc", "clang++"))


def compile_or_eager(fn: Callable) -> CompileOrEager:
    return CompileOrEager(fn)
