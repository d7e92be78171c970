"""Running the training step fast: torch.compile where it pays, eager where it cannot."""
from __future__ import annotations

import shutil
import warnings

import torch
from torch import nn


class CompileOrEager:
    """Call ``torch.compile(model)``; if compiling fails (no C++ compiler, an unsupported op),
    warn once and run the eager model from then on. Parameters are shared, so training goes on."""

    def __init__(self, model: nn.Module):
        self.model = model
        self.error: str | None = None
        self._fn = torch.compile(model) if compiler_available() else model
        if self._fn is model:
            self.error = "no C++ compiler found (gcc/g++/cc); running eager"

    @property
    def is_compiled(self) -> bool:
        return self._fn is not self.model

    def __call__(self, *args, **kwargs):
        if self._fn is not self.model:
            try:
                return self._fn(*args, **kwargs)
            except Exception as e:  # inductor raises many types; any of them means "run eager"
                self.error = f"torch.compile failed ({type(e).__name__}: {e}); running eager"
                warnings.warn(self.error, RuntimeWarning, stacklevel=2)
                self._fn = self.model
        return self._fn(*args, **kwargs)


def compiler_available() -> bool:
    return any(shutil.which(c) for c in ("g++", "c++", "gcc", "cc", "clang++"))


def compile_or_eager(model: nn.Module) -> CompileOrEager:
    return CompileOrEager(model)
