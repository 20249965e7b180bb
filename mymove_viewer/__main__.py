"""``python -m mymove_viewer``: the same as the ``mymove-viewer`` command."""

import sys

from .cli import main

sys.exit(main())
