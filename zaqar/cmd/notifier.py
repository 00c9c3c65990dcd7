"""zaqar-notifier: deliver subscriptions' notifications (webhooks and mail) until stopped.

Run one or more beside the API servers, on the same configuration: they share the work
through leases in the storage, and any of them may be killed at any time.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Sequence

from zaqar import bootstrap
from zaqar import conf as zaqar_conf
from zaqar.notification.notifier import Notifier
from zaqar.storage import loading

LOG = logging.getLogger("zaqar.notifier")


async def _serve(notifier: Notifier) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    LOG.info("notifier %s started", notifier.owner)
    await notifier.run(stop)
    LOG.info("notifier %s stopped: %s", notifier.owner, notifier.metrics)


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    conf = zaqar_conf.load(sys.argv[1:] if argv is None else argv)
    bootstrap.check_supported(conf)
    # Only the storage: a notifier serves no HTTP (no transport, no keystone middleware).
    control = loading.load_control_driver(conf)
    try:
        storage = loading.load_data_driver(conf, control)
        try:
            asyncio.run(_serve(Notifier(storage, conf)))
        finally:
            storage.close()
    finally:
        control.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
