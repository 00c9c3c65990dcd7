"""zaqar-gc: remove expired messages now (the server also does this in the background)."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

from zaqar import bootstrap
from zaqar import conf as zaqar_conf


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO)
    conf = zaqar_conf.load(sys.argv[1:] if argv is None else argv)
    service = bootstrap.Bootstrap(conf)
    try:
        removed = service.storage.gc()
    finally:
        service.close()
    print(f"removed {removed} expired messages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
