"""`python -m queue_server.cli` runs the `motcua` command."""

import sys

from queue_server.cli import main

sys.exit(main())
