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
import re
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import redis
from oslo_config import cfg
from redis import exceptions as redis_errors
from redis.backoff import ConstantBackoff
from redis.cluster import ClusterNode, RedisCluster
from redis.retry import Retry
from redis.sentinel import MasterNotFoundError, Sentinel

from zaqar.conf import drivers_management_store_redis as control_opts
from zaqar.conf import drivers_message_store_redis as data_opts
from zaqar.storage import base, errors
from zaqar.storage.redis import scripts, transfer
from zaqar.storage.redis.claims import ClaimController
from zaqar.storage.redis.messages import MessageController
from zaqar.storage.redis.pools import CatalogueController, PoolsController
from zaqar.storage.redis.queues import QueueController

LOG = logging.getLogger(__name__)

#: Seconds added to every PEXPIRE so the safety net never fires before the semantics do.
EXPIRY_MARGIN = 3600.0

#: Queues whose key names a store remembers (see ``Store.queue_keys``).
KEYS_CACHED = 4096

#: Expired messages ``gc`` removes per script call on one queue.
GC_BATCH = 1000

_SINGLE_SCHEMES = ("redis", "rediss", "unix")
_CLUSTER_SCHEMES = ("redis+cluster", "rediss+cluster")
_SENTINEL_SCHEMES = ("redis+sentinel", "rediss+sentinel")

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
    redis_errors.SlotNotCoveredError,
    MasterNotFoundError,
)


@contextlib.contextmanager
def translate_errors() -> Iterator[None]:
    """Turn Redis's failures into storage errors, at the driver's boundary."""
    try:
        yield
    except _UNAVAILABLE as error:
        LOG.warning("redis unavailable: %s", error)
        raise errors.ServiceUnavailable(error.__class__.__name__) from error


Client = redis.Redis | RedisCluster


class _Cluster(RedisCluster):
    """A cluster client that never repeats a command which timed out.

    redis-py retries timeouts in cluster mode, but a script that timed out may have run: a
    repeated POST would post its batch twice. Refused connections and a re-forming cluster
    mean the command did not run, so those are still retried.
    """

    ERRORS_ALLOW_RETRY = (  # type: ignore[assignment]  # a narrower tuple on purpose
        redis_errors.ConnectionError,
        redis_errors.ClusterDownError,
        redis_errors.SlotNotCoveredError,
    )


class Connector:
    """The client of one option group, built on first use and shared from then on.

    The URI is checked at once, so a bad one stops the server at start-up. The client is
    built later because a cluster client must reach the cluster to learn its layout: built
    lazily, the server starts while the cluster is away and answers 503 until it is back.
    """

    def __init__(self, group: Any, attempts: int | None = None) -> None:
        self._build = client_factory(group, attempts)
        self._client: Client | None = None
        self._lock = threading.Lock()

    def get(self) -> Client:
        client = self._client
        if client is None:
            with self._lock:
                if self._client is None:
                    self._client = self._build()
                client = self._client
        return client

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            client.close()
            if isinstance(client, redis.Redis):
                client.connection_pool.disconnect()


def client_factory(group: Any, attempts: int | None = None) -> Callable[[], Client]:
    """What builds a client on ``group.uri``; ``attempts`` overrides
    ``max_reconnect_attempts``.

    Only connection failures are retried: a command that timed out may have run, and
    running a script twice could post a batch twice.
    """
    uri: str = group.uri
    parts = urllib.parse.urlsplit(uri)
    retry = Retry(
        ConstantBackoff(group.reconnect_sleep),
        group.max_reconnect_attempts if attempts is None else attempts,
        supported_errors=(redis_errors.ConnectionError,),
    )
    if parts.scheme in _SINGLE_SCHEMES:
        return _single_client(uri, group.socket_timeout, retry)
    if parts.scheme in _CLUSTER_SCHEMES:
        return _cluster_client(parts, group.socket_timeout, retry)
    if parts.scheme in _SENTINEL_SCHEMES:
        return _sentinel_client(parts, group.socket_timeout, retry)
    # Name the scheme only: the URI may hold a password.
    raise errors.BadConfiguration(f"unusable Redis URI scheme {parts.scheme!r}")


def _single_client(uri: str, socket_timeout: float, retry: Retry) -> Callable[[], redis.Redis]:
    try:
        pool = redis.ConnectionPool.from_url(
            uri,
            socket_timeout=socket_timeout,
            socket_connect_timeout=socket_timeout,
            retry=retry,
            decode_responses=True,
        )
    except ValueError as error:
        raise errors.BadConfiguration(f"unusable Redis URI: {error}") from error
    return lambda: redis.Redis(connection_pool=pool)


@dataclass(frozen=True)
class _MultiHostUri:
    """``scheme://[[user]:password@]host:port[,host:port...][/path][?query]``, parsed."""

    nodes: list[tuple[str, int]]
    username: str | None
    password: str | None
    path: list[str]
    query: dict[str, str]
    tls: bool


def _parse_multi_host(parts: urllib.parse.SplitResult, default_port: int) -> _MultiHostUri:
    userinfo, _, hosts = parts.netloc.rpartition("@")
    username, _, password = userinfo.partition(":")
    nodes: list[tuple[str, int]] = []
    for host in hosts.split(","):
        name, _, port = host.strip().rpartition(":") if ":" in host else (host, "", "")
        name = name.strip("[]")
        try:
            nodes.append((name, int(port) if port else default_port))
        except ValueError:
            raise errors.BadConfiguration(f"unusable port in Redis URI: {port!r}") from None
    if not nodes or not all(name for name, _ in nodes):
        raise errors.BadConfiguration("a Redis cluster or sentinel URI needs at least one host")
    query: dict[str, str] = {}
    for key, value in urllib.parse.parse_qsl(parts.query, keep_blank_values=True):
        query[key] = value
    return _MultiHostUri(
        nodes=nodes,
        username=urllib.parse.unquote(username) or None,
        password=urllib.parse.unquote(password) or None,
        path=[urllib.parse.unquote(p) for p in parts.path.split("/") if p],
        query=query,
        tls=parts.scheme.startswith("rediss"),
    )


def _timeout(query: dict[str, str], default: float) -> float:
    text = query.pop("socket_timeout", None)
    if text is None:
        return default
    try:
        value = float(text)
    except ValueError:
        raise errors.BadConfiguration(f"unusable socket_timeout in Redis URI: {text!r}") from None
    if value <= 0:
        raise errors.BadConfiguration("socket_timeout in a Redis URI must be positive")
    return value


def _no_more(query: dict[str, str]) -> None:
    if query:
        names = ", ".join(sorted(query))
        raise errors.BadConfiguration(f"unknown options in Redis URI: {names}")


def _cluster_client(
    parts: urllib.parse.SplitResult, socket_timeout: float, retry: Retry
) -> Callable[[], RedisCluster]:
    """``redis+cluster://[:password@]host:port[,host:port...][?socket_timeout=S]``.

    Any reachable node will do: the client learns the others, and which slots each holds,
    from the cluster itself.
    """
    uri = _parse_multi_host(parts, 6379)
    if uri.path:
        raise errors.BadConfiguration("a Redis cluster has no databases: drop the URI's path")
    timeout = _timeout(uri.query, socket_timeout)
    _no_more(uri.query)

    def build() -> RedisCluster:
        try:
            return _Cluster(
                startup_nodes=[
                    ClusterNode(host, port)  # type: ignore[no-untyped-call]
                    for host, port in uri.nodes
                ],
                retry=retry,
                username=uri.username,
                password=uri.password,
                ssl=uri.tls,
                socket_timeout=timeout,
                socket_connect_timeout=timeout,
                decode_responses=True,
            )
        except (*_UNAVAILABLE, redis_errors.RedisClusterException) as error:
            # Building fails when no node answers: the cluster is away, not misconfigured.
            LOG.warning("redis cluster unavailable: %s", error)
            raise errors.ServiceUnavailable(error.__class__.__name__) from error

    return build


def _sentinel_client(
    parts: urllib.parse.SplitResult, socket_timeout: float, retry: Retry
) -> Callable[[], redis.Redis]:
    """``redis+sentinel://[:password@]host:port[,host:port...]/master[/db][?socket_timeout=S]``.

    The hosts are sentinels; the client asks them for the current master of the named
    service on every (re)connection, so a fail-over needs no restart. The password is the
    master's; ``?master=NAME`` may stand for the path's first part.
    """
    uri = _parse_multi_host(parts, 26379)
    path = list(uri.path)
    service = uri.query.pop("master", None) or (path.pop(0) if path else None)
    if not service:
        raise errors.BadConfiguration("a Redis sentinel URI must name the master service")
    db_text = uri.query.pop("db", None) or (path.pop(0) if path else "0")
    if path:
        raise errors.BadConfiguration("a Redis sentinel URI's path is /master[/db]")
    try:
        db = int(db_text)
    except ValueError:
        raise errors.BadConfiguration(f"unusable db in Redis URI: {db_text!r}") from None
    timeout = _timeout(uri.query, socket_timeout)
    _no_more(uri.query)
    sentinel = Sentinel(  # type: ignore[no-untyped-call]
        uri.nodes,
        sentinel_kwargs={"socket_timeout": timeout, "socket_connect_timeout": timeout},
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
    )
    client: redis.Redis = sentinel.master_for(  # type: ignore[no-untyped-call]
        service,
        db=db,
        username=uri.username,
        password=uri.password,
        ssl=uri.tls,
        retry=retry,
        decode_responses=True,
    )
    return lambda: client


def check_prefix(prefix: str) -> str:
    if "{" in prefix or "}" in prefix:
        raise errors.BadConfiguration("the Redis key prefix may not contain '{' or '}'")
    return prefix


#: What percent-encoding with nothing safe leaves as it is (and every v1 queue name matches).
_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]*")


def escape(text: str | None) -> str:
    if text is None:
        return ""
    # PERF: names that need no encoding are the rule; quote() costs several times the match.
    if _UNRESERVED.fullmatch(text):
        return text
    return urllib.parse.quote(text, safe="")


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
        self, connector: Connector, prefix: str, clock: Callable[[], float] = time.time
    ) -> None:
        self.connector = connector
        self.prefix = check_prefix(prefix)
        self.clock = clock
        self.all_queues = f"{prefix}:all"
        self._scripts: dict[str, Any] = {}
        self._queue_keys: dict[tuple[str, str | None], QueueKeys] = {}

    def queue_keys(self, name: str, project: str | None) -> QueueKeys:
        # PERF: every request needs its queue's keys; up to KEYS_CACHED queues' are kept
        # (all forgotten when full) instead of being percent-encoded and formatted each time.
        cached = self._queue_keys.get((name, project))
        if cached is None:
            if len(self._queue_keys) >= KEYS_CACHED:
                self._queue_keys.clear()
            cached = self._queue_keys[(name, project)] = self._make_queue_keys(name, project)
        return cached

    def _make_queue_keys(self, name: str, project: str | None) -> QueueKeys:
        escaped = escape(project)
        member = f"{escaped}/{escape(name)}"
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
            project_index=f"{self.prefix}:queues:{{{escaped}}}",
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
        return self.eval(
            lua, keys.keys, [repr(float(now)), keys.message_prefix, keys.claim_prefix, *args]
        )

    def eval(self, lua: str, keys: Sequence[str], args: Sequence[object]) -> Any:
        """Run a script on ``keys`` (which must share one slot) with ``args``."""
        with translate_errors():
            script = self._scripts.get(lua)
            if script is None:
                script = self._scripts[lua] = self.connector.get().register_script(lua)
            return script(keys=list(keys), args=[str(arg) for arg in args])

    @contextlib.contextmanager
    def talking(self) -> Iterator[Client]:
        with translate_errors():
            yield self.connector.get()

    def trim(self, keys: QueueKeys, budget: int) -> int:
        return int(self.run(scripts.TRIM, keys, self.clock(), budget))


def to_float(value: str | None) -> float | None:
    return None if value is None else float(value)


def _ping(probe: Connector) -> bool:
    try:
        return bool(probe.get().ping())
    except Exception:  # noqa: BLE001 - liveness never raises
        return False


class ControlDriver(base.ControlDriver):
    def __init__(self, conf: cfg.ConfigOpts) -> None:
        super().__init__(conf)
        group = conf[control_opts.GROUP]
        self.store = Store(Connector(group), group.prefix)
        # Liveness answers at once instead of waiting out the reconnection attempts.
        self._probe = Connector(group, attempts=0)
        self._pools = PoolsController(self.store)
        self._catalogue = CatalogueController(self.store)

    @property
    def pools_controller(self) -> PoolsController:
        return self._pools

    @property
    def catalogue_controller(self) -> CatalogueController:
        return self._catalogue

    def is_alive(self) -> bool:
        return _ping(self._probe)

    def close(self) -> None:
        self.store.connector.close()
        self._probe.close()


class DataDriver(base.DataDriver):
    def __init__(
        self, conf: cfg.ConfigOpts, control: base.ControlDriver, options: Any = None
    ) -> None:
        super().__init__(conf, control)
        group = conf[data_opts.GROUP] if options is None else options
        self.store = Store(Connector(group), group.prefix)
        self._probe = Connector(group, attempts=0)
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

    def export_queue(self, name: str, project: str | None = None) -> base.QueueDump:
        return transfer.export_queue(self.store, name, project)

    def import_queue(self, name: str, project: str | None, dump: base.QueueDump) -> None:
        transfer.import_queue(self.store, name, project, dump)

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
        self.store.connector.close()
        self._probe.close()
