"""The stores the measuring tools run on: configuration overrides and clean-up."""

from __future__ import annotations

from typing import Any

import redis

from tests.backends import REDIS_URL

_KINDS = ("message", "management")


def use_redis(conf: Any, prefix: str, management: bool = True) -> None:
    """Messages (and, with ``management``, pools and catalogue) in Redis under ``prefix``."""
    for kind in _KINDS if management else _KINDS[:1]:
        conf.set_override(f"{kind}_store", "redis", group="drivers")
        conf.set_override("uri", REDIS_URL, group=f"drivers:{kind}_store:redis")
        conf.set_override("prefix", prefix, group=f"drivers:{kind}_store:redis")


def use_sql(conf: Any, uri: str, management: bool = True) -> None:
    """Messages (and, with ``management``, pools and catalogue) in the SQL database ``uri``,
    with no background purge to disturb the timings."""
    for kind in _KINDS if management else _KINDS[:1]:
        conf.set_override(f"{kind}_store", "sqlalchemy", group="drivers")
        conf.set_override("uri", uri, group=f"drivers:{kind}_store:sqlalchemy")
    conf.set_override("purge_interval", 0, group="drivers:message_store:sqlalchemy")


def delete_redis_prefix(prefix: str) -> None:
    """Delete every key under ``prefix`` (the tools' own, never another user's)."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        batch: list[bytes] = []
        for key in client.scan_iter(match=f"{prefix}:*", count=5000):
            batch.append(key)
            if len(batch) >= 5000:
                client.unlink(*batch)
                batch.clear()
        if batch:
            client.unlink(*batch)
    finally:
        client.close()
