"""The Code page's source, read from the package at run time: a function or class without its docstrings
(the page renders the equations they hold beside it), so that the text shown is the code that runs."""

from __future__ import annotations

import ast
import inspect
import textwrap


def source(obj) -> str:
    """``obj``'s source, dedented, with the docstring of it and of every function or class inside it removed."""
    text = textwrap.dedent(inspect.getsource(obj))
    lines = text.splitlines()
    drop: set[int] = set()
    for node in ast.walk(ast.parse(text)):
        body = getattr(node, "body", None)
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) or not body:
            continue
        first = body[0]
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
            drop.update(range(first.lineno - 1, first.end_lineno))
    return "\n".join(line for i, line in enumerate(lines) if i not in drop) + "\n"
