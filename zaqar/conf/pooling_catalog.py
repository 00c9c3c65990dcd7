"""[pooling:catalog]: how the pooled driver finds the pool of a queue."""

from __future__ import annotations

from oslo_config import cfg

GROUP = "pooling:catalog"

cache_ttl = cfg.FloatOpt(
    "cache_ttl",
    default=5.0,
    min=0.0,
    help="Seconds a worker keeps the pool of a queue, and a pool's settings, before reading "
    "them again from the management store. A queue found missing on its cached pool is "
    "looked up again at once, so a queue deleted and created elsewhere is followed "
    "without waiting. 0 reads the catalogue on every request.",
)

move_write_grace = cfg.FloatOpt(
    "move_write_grace",
    default=5.0,
    min=0.0,
    help="When a queue moves to another pool, seconds to wait, beyond cache_ttl, for "
    "writes already under way on the old pool to finish before the queue is copied. Set "
    "it to at least the longest a storage call may take (the drivers' timeouts).",
)

ALL_OPTS = [cache_ttl, move_write_grace]


def list_opts() -> dict[str, list[cfg.Opt]]:
    return {GROUP: list(ALL_OPTS)}
