"""`python -m curator.cli`: what the app and the demo start render loops with."""

import sys

from . import main

sys.exit(main())
