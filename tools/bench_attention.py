"""Attention benchmark (see flashsigmoid.benchmark); also `sigasr bench attention`."""

import sys

from flashsigmoid.benchmark import main

if __name__ == "__main__":
    sys.exit(main())
