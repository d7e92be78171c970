"""``python -m bnviz``; see :mod:`bnviz.cli`."""

import os
import sys

if __name__ == "__main__":
    try:  # the imports take seconds (torch): a Ctrl-C meanwhile ends quietly, as it does later
        from bnviz.cli import main
    except KeyboardInterrupt:
        print("bnviz: error: interrupted", file=sys.stderr, flush=True)
        # Not sys.exit: a Ctrl-C that lands in code run by exec() (as a dataclass or a namedtuple is made) leaves
        # CPython's "unhandled KeyboardInterrupt" flag set even though it was handled here, and under `python -m`
        # the process then kills itself with SIGINT at exit, whatever code was asked for. Nothing has started yet.
        os._exit(130)
    sys.exit(main())
