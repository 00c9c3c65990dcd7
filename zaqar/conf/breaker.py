"""The circuit breaker's option, which the group of every store has (each its own value).

Not a group of its own, so not in ``zaqar.conf.MODULES``: the store groups list it.
"""

from __future__ import annotations

from oslo_config import cfg

breaker_open_period = cfg.FloatOpt(
    "breaker_open_period",
    default=1.0,
    min=0.0,
    help="Seconds during which requests to this store answer 503 at once, without trying "
    "the backend, after a request found it unreachable (refused, timed out or dropped "
    "connections). Then one request per period is let through to probe it; the first that "
    "gets an answer closes the breaker. Each store, and each pool, has its own breaker. "
    "0 turns the breaker off.",
)
