"""`python -m bot ...` is the same as `podium ...`."""

import sys

from bot.cli import main

sys.exit(main())
