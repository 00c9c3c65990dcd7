"""Telling a command that never went out from one whose answer was lost.

The difference decides what a client may be told. A command that failed while its connection
was being made was not sent: it can be tried again, and a change that failed so was not made
(503). A command that was sent and got no answer may have run: trying it again could post a
batch twice, and the client can only be told that the outcome is unknown (504), unless the
driver can find out.

redis-py raises the same ConnectionError and TimeoutError in both cases, so the connection
classes here re-raise failures of connecting as ``ConnectFailed`` and ``ConnectTimedOut``;
the driver's Retry retries only ``ConnectFailed`` (see ``store.client_factory``).
"""

from __future__ import annotations

from typing import Any

import redis
from redis import exceptions as redis_errors
from redis.sentinel import (
    MasterNotFoundError,
    SentinelManagedConnection,
    SentinelManagedSSLConnection,
)

from zaqar.storage import errors


class ConnectFailed(redis_errors.ConnectionError):
    """Connecting to Redis failed (refused, reset, bad handshake): no command went out."""


class ConnectTimedOut(redis_errors.TimeoutError):
    """Connecting to Redis, or the handshake of a new connection, timed out: no command
    went out."""


class _TagsConnectFailures:
    """Mixed into redis-py's connection classes: failures while connecting become
    ``ConnectFailed`` or ``ConnectTimedOut``.

    Every way redis-py connects (a pooled connection checked out, a dropped one made again
    before a command) goes through ``connect_check_health``.
    """

    def connect_check_health(self, *args: Any, **kwargs: Any) -> None:
        try:
            super().connect_check_health(*args, **kwargs)  # type: ignore[misc]
        except (ConnectFailed, ConnectTimedOut):
            raise
        except redis_errors.TimeoutError as error:
            raise ConnectTimedOut(*error.args) from error
        except redis_errors.ConnectionError as error:
            raise ConnectFailed(*error.args) from error


class Connection(_TagsConnectFailures, redis.Connection):
    pass


class SSLConnection(_TagsConnectFailures, redis.SSLConnection):
    pass


class UnixDomainSocketConnection(_TagsConnectFailures, redis.UnixDomainSocketConnection):
    pass


class SentinelConnection(_TagsConnectFailures, SentinelManagedConnection):
    pass


class SentinelSSLConnection(_TagsConnectFailures, SentinelManagedSSLConnection):
    pass


#: The connection class of each scheme of a single server's URI (as redis-py picks them).
BY_SCHEME: dict[str, type[redis.Connection] | type[UnixDomainSocketConnection]] = {
    "redis": Connection,
    "rediss": SSLConnection,
    "unix": UnixDomainSocketConnection,
}

#: Failures that prove the command was not sent: it never ran.
NOT_SENT = (ConnectFailed, ConnectTimedOut, MasterNotFoundError)

#: Answers of a server that is there but will not run the command now: it did not run.
#: (BusyLoadingError is a ConnectionError, so this is tested before ``LOST``.)
REFUSED = (
    redis_errors.BusyLoadingError,
    redis_errors.ReadOnlyError,
    redis_errors.OutOfMemoryError,
    redis_errors.MasterDownError,
    redis_errors.ClusterDownError,
    redis_errors.TryAgainError,
    redis_errors.SlotNotCoveredError,
)

#: Failures after the command was sent (no answer in time, the connection dropped): it may
#: have run. Tested after ``NOT_SENT`` and ``REFUSED``, which are subclasses of these.
LOST = (redis_errors.ConnectionError, redis_errors.TimeoutError)

#: How a change script that ran after its deadline answers (see ``scripts.GUARD``).
LATE = "LATE"


def is_late(error: redis_errors.ResponseError) -> bool:
    return str(error).startswith(LATE + " ")


class ReplyLost(errors.OutcomeUnknown):
    """A change was sent to Redis and its answer never came.

    ``settled`` is the ``time.monotonic()`` after which the change can no longer run: its
    deadline has passed by Redis's clock too, within the clock skew margin. What Redis holds
    from then on is the final outcome.
    """

    def __init__(self, doubt: str, settled: float) -> None:
        super().__init__(doubt)
        self.settled = settled
