"""``python -m perfscore.cli``: the ``perfscore`` command."""

import sys

from . import main

sys.exit(main())
