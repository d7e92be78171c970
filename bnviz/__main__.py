"""``python -m bnviz``; see :mod:`bnviz.cli`."""

import sys

if __name__ == "__main__":
    try:  # the imports take seconds (torch): a Ctrl-C meanwhile ends quietly, as it does later
        from bnviz.cli import main
    except KeyboardInterrupt:
        print("bnviz: error: interrupted", file=sys.stderr)
        sys.exit(130)
    sys.exit(main())
