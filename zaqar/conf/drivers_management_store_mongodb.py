"""[drivers:management_store:mongodb]: the MongoDB management store.

It takes the options of the MongoDB message store (``drivers_message_store_mongodb``) but
``partitions``; each group keeps its own values.
"""

from __future__ import annotations

from oslo_config import cfg

from zaqar.conf import drivers_message_store_mongodb as message_store

GROUP = "drivers:management_store:mongodb"

ALL_OPTS = list(message_store.COMMON_OPTS)


def list_opts() -> dict[str, list[cfg.Opt]]:
    return {GROUP: list(ALL_OPTS)}
