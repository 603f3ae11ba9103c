"""``python -m bench <scenario>``."""

import sys

from bench.cli import main

sys.exit(main())
