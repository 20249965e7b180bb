"""Entry script for the PyInstaller bundle: the same as the ``mymove-viewer`` console script.

``mymove_viewer/__main__.py`` can't serve: it uses a relative import, and PyInstaller runs its
entry script as a top-level module.
"""

import sys

from mymove_viewer.cli import main

if __name__ == "__main__":
    sys.exit(main())
