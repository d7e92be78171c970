"""``python -m bnviz``; see :mod:`bnviz.cli`."""

import sys

from bnviz.cli import main

if __name__ == "__main__":
    sys.exit(main())
