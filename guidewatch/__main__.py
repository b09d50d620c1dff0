"""Allow `python -m guidewatch`."""

import sys

from guidewatch.cli import main

sys.exit(main())
