"""``python -m perfscore``: the ``perfscore`` command, as ``python -m perfscore.cli`` runs it."""

import sys

from .cli import main

sys.exit(main())
