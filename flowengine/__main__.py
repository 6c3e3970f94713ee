"""``python -m flowengine``: the ``flowengine`` command."""

import sys

from .cli import main

sys.exit(main())
