"""``python -m zaqar.bench``: the same as ``zaqar-bench``."""

import sys

from zaqar.bench.cli import main

sys.exit(main())
