"""``python -m ops COMMAND``: see ops/cli.py."""

import sys

from ops.cli import main

sys.exit(main())
