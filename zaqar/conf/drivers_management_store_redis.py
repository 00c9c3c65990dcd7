"""[drivers:management_store:redis]: the Redis management store.

It takes the same options as the Redis message store (``drivers_message_store_redis``);
each group keeps its own values.
"""

from __future__ import annotations

from oslo_config import cfg

from zaqar.conf import drivers_message_store_redis as message_store

GROUP = "drivers:management_store:redis"

ALL_OPTS = list(message_store.ALL_OPTS)


def list_opts() -> dict[str, list[cfg.Opt]]:
    return {GROUP: list(ALL_OPTS)}
