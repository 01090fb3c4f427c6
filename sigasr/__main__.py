import sys

from sigasr.cli import main

sys.exit(main())
