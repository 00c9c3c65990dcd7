"""Connection set-up, key layout, error translation and garbage collection for Redis.

Key layout (``P`` is the ``prefix`` option, ``T`` the queue's hash tag)::

    P:q:T            hash        queue: m (metadata JSON), cr (created), n (marker counter)
    P:m:T            sorted set  message ids scored by marker (posting order)
    P:e:T            sorted set  message ids scored by expiry
    P:c:T            sorted set  held message ids scored by claim expiry
    P:k:T            sorted set  claim ids scored by when their index may go
    P:msg:T:<id>     hash        one message (fields in ``scripts``), PEXPIREd
    P:cl:T:<claim>   sorted set  message ids a claim took, scored by marker, PEXPIREd
    P:queues:{p}     sorted set  the names of project p's queues, all scored 0 (byte order)
    P:all            set         every queue as ``p/n``, for ``gc``

``T`` is ``{p/n}`` where ``p`` and ``n`` are the project and queue name percent-encoded with
nothing left safe, so names may hold any character (dots included) and every key of one queue
lies in one cluster slot. The global project (None) is the empty string, as in the SQL store.

Time comes only from ``Store.clock`` and reaches the scripts as an argument; Redis TIME is
never used. PEXPIRE durations are real-time safety nets computed as ``expires - now`` plus
``EXPIRY_MARGIN``, so a clock that runs ahead of real time never deletes data early.

Capabilities: FIFO, CLAIMS, AOD and HIGH_THROUGHPUT. DURABILITY is not declared: whether an
acknowledged write survives a crash depends on the server's persistence settings (AOF with
``appendfsync always``), which the driver neither controls nor can trust to stay as read at
start-up.
"""

from __future__ import annotations

import contextlib
import logging
import time
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import redis
from oslo_config import cfg
from redis import exceptions as redis_errors
from redis.backoff import ConstantBackoff
from redis.retry import Retry

from zaqar.conf import drivers_management_store_redis as control_opts
from zaqar.conf import drivers_message_store_redis as data_opts
from zaqar.storage import base, errors
from zaqar.storage.redis import scripts
from zaqar.storage.redis.claims import ClaimController
from zaqar.storage.redis.messages import MessageController
from zaqar.storage.redis.queues import QueueController

LOG = logging.getLogger(__name__)

#: Seconds added to every PEXPIRE so the safety net never fires before the semantics do.
EXPIRY_MARGIN = 3600.0

#: Expired messages ``gc`` removes per script call on one queue.
GC_BATCH = 1000

_SCHEMES = ("redis", "rediss", "unix")

#: Failures that mean "not now" rather than "never": the server is away, busy loading, a
#: read-only replica after a fail-over, out of memory, or its cluster is re-forming.
_UNAVAILABLE = (
    redis_errors.ConnectionError,
    redis_errors.TimeoutError,
    redis_errors.ReadOnlyError,
    redis_errors.OutOfMemoryError,
    redis_errors.MasterDownError,
    redis_errors.ClusterDownError,
    redis_errors.TryAgainError,
)


@contextlib.contextmanager
def translate_errors() -> Iterator[None]:
    """Turn Redis's failures into storage errors, at the driver's boundary."""
    try:
        yield
    except _UNAVAILABLE as error:
        LOG.warning("redis unavailable: %s", error)
        raise errors.ServiceUnavailable(error.__class__.__name__) from error


def create_client(group: Any, attempts: int | None = None) -> redis.Redis:
    """A client on ``group.uri``; ``attempts`` overrides ``max_reconnect_attempts``.

    Only connection failures are retried: a command that timed out may have run, and
    running a script twice could post a batch twice.
    """
    uri: str = group.uri
    scheme = urllib.parse.urlsplit(uri).scheme
    if scheme not in _SCHEMES:
        # Name the scheme only: the URI may hold a password.
        raise errors.BadConfiguration(f"unusable Redis URI scheme {scheme!r}")
    retry = Retry(
        ConstantBackoff(group.reconnect_sleep),
        group.max_reconnect_attempts if attempts is None else attempts,
        supported_errors=(redis_errors.ConnectionError,),
    )
    try:
        pool = redis.ConnectionPool.from_url(
            uri,
            socket_timeout=group.socket_timeout,
            socket_connect_timeout=group.socket_timeout,
            retry=retry,
            decode_responses=True,
        )
    except ValueError as error:
        raise errors.BadConfiguration(f"unusable Redis URI: {error}") from error
    return redis.Redis(connection_pool=pool)


def check_prefix(prefix: str) -> str:
    if "{" in prefix or "}" in prefix:
        raise errors.BadConfiguration("the Redis key prefix may not contain '{' or '}'")
    return prefix


def escape(text: str | None) -> str:
    return urllib.parse.quote("" if text is None else text, safe="")


@dataclass(frozen=True)
class QueueKeys:
    queue: str
    markers: str
    expiries: str
    claimed: str
    claims: str
    message_prefix: str
    claim_prefix: str
    project_index: str
    name: str
    member: str

    @property
    def keys(self) -> list[str]:
        return [self.queue, self.markers, self.expiries, self.claimed, self.claims]

    def message(self, message_id: str) -> str:
        return self.message_prefix + message_id


def ms(seconds: float) -> int:
    """A PEXPIRE duration in milliseconds: ``seconds`` of real time plus the margin."""
    return int(max(seconds, 0.0) * 1000 + EXPIRY_MARGIN * 1000)


class Store:
    """What the controllers share: the client, the clock, the key layout and the scripts."""

    def __init__(
        self, client: redis.Redis, prefix: str, clock: Callable[[], float] = time.time
    ) -> None:
        self.client = client
        self.prefix = check_prefix(prefix)
        self.clock = clock
        self.all_queues = f"{prefix}:all"
        self._scripts: dict[str, Any] = {}

    def queue_keys(self, name: str, project: str | None) -> QueueKeys:
        member = f"{escape(project)}/{escape(name)}"
        tag = "{" + member + "}"
        p = self.prefix
        return QueueKeys(
            queue=f"{p}:q:{tag}",
            markers=f"{p}:m:{tag}",
            expiries=f"{p}:e:{tag}",
            claimed=f"{p}:c:{tag}",
            claims=f"{p}:k:{tag}",
            message_prefix=f"{p}:msg:{tag}:",
            claim_prefix=f"{p}:cl:{tag}:",
            project_index=self.project_index(project),
            name=name,
            member=member,
        )

    def project_index(self, project: str | None) -> str:
        return f"{self.prefix}:queues:{{{escape(project)}}}"

    def keys_of_member(self, member: str) -> QueueKeys:
        project, _, name = member.partition("/")
        return self.queue_keys(urllib.parse.unquote(name), urllib.parse.unquote(project))

    def run(self, lua: str, keys: QueueKeys, now: float, *args: object) -> Any:
        """Run one of ``scripts`` on a queue, with the common arguments first."""
        script = self._scripts.get(lua)
        if script is None:
            script = self._scripts[lua] = self.client.register_script(lua)
        with translate_errors():
            return script(
                keys=keys.keys,
                args=[repr(float(now)), keys.message_prefix, keys.claim_prefix, *map(str, args)],
            )

    @contextlib.contextmanager
    def talking(self) -> Iterator[redis.Redis]:
        with translate_errors():
            yield self.client

    def trim(self, keys: QueueKeys, budget: int) -> int:
        return int(self.run(scripts.TRIM, keys, self.clock(), budget))


def to_float(value: str | None) -> float | None:
    return None if value is None else float(value)


def _ping(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except Exception:  # noqa: BLE001 - liveness never raises
        return False


def _close(client: redis.Redis) -> None:
    client.close()
    client.connection_pool.disconnect()


class ControlDriver(base.ControlDriver):
    def __init__(self, conf: cfg.ConfigOpts) -> None:
        super().__init__(conf)
        group = conf[control_opts.GROUP]
        self.prefix = check_prefix(group.prefix)
        self.client = create_client(group)
        # Liveness answers at once instead of waiting out the reconnection attempts.
        self._probe = create_client(group, attempts=0)

    def is_alive(self) -> bool:
        return _ping(self._probe)

    def close(self) -> None:
        _close(self.client)
        _close(self._probe)


class DataDriver(base.DataDriver):
    def __init__(self, conf: cfg.ConfigOpts, control: base.ControlDriver) -> None:
        super().__init__(conf, control)
        group = conf[data_opts.GROUP]
        self.store = Store(create_client(group), group.prefix)
        self._probe = create_client(group, attempts=0)
        self._queues = QueueController(self.store)
        self._messages = MessageController(self.store)
        self._claims = ClaimController(self.store)

    @property
    def capabilities(self) -> frozenset[base.Capability]:
        return frozenset(
            {
                base.Capability.FIFO,
                base.Capability.CLAIMS,
                base.Capability.AOD,
                base.Capability.HIGH_THROUGHPUT,
            }
        )

    @property
    def queue_controller(self) -> QueueController:
        return self._queues

    @property
    def message_controller(self) -> MessageController:
        return self._messages

    @property
    def claim_controller(self) -> ClaimController:
        return self._claims

    def is_alive(self) -> bool:
        return _ping(self._probe)

    def gc(self) -> int:
        """Trim the indexes of every queue of expired messages; returns how many went."""
        removed = 0
        with self.store.talking() as client:
            members: Sequence[str] = list(client.sscan_iter(self.store.all_queues, count=500))
        for member in members:
            keys = self.store.keys_of_member(member)
            while True:
                count = self.store.trim(keys, GC_BATCH)
                removed += count
                if count < GC_BATCH:
                    break
        return removed

    def close(self) -> None:
        _close(self.store.client)
        _close(self._probe)
