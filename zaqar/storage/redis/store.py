"""Connection set-up, key layout and error translation for Redis.

Key layout (``P`` is the ``prefix`` option, ``T`` the queue's hash tag)::

    P:q:T            hash        queue: m (metadata JSON), cr (created), n (marker counter)
    P:m:T            sorted set  message ids scored by marker (posting order)
    P:e:T            sorted set  message ids scored by expiry
    P:c:T            sorted set  held message ids scored by claim expiry
    P:k:T            sorted set  claim ids scored by when their index may go
    P:msg:T:<id>     hash        one message (fields in ``scripts``), PEXPIREd
    P:msg:T:<id>:posted  string  a post's receipt (its first message's id), PEXPIREd
    P:cl:T:<claim>   sorted set  message ids a claim took, scored by marker, PEXPIREd
    P:s:T            sorted set  subscription ids, all scored 0 (byte order)
    P:se:T           sorted set  subscription ids scored by expiry
    P:su:T           hash        subscriber URI -> subscription id
    P:sub:T:<id>     hash        one subscription (fields in ``scripts``), PEXPIREd
    P:sub:T:<id>:log   list      its delivery log, newest first (JSON attempts)
    P:sub:T:<id>:dead  sorted set  its dead letters (JSON), scored by marker
    P:o:T            stream      the queue's outbox: a notification per message posted while
                                 it has subscriptions, entry id ``0-<marker>``
    P:subscribed     hash        ``p/n`` -> a counter, for every queue that was subscribed to
    P:queues:{p}     sorted set  the names of project p's queues, all scored 0 (byte order)
    P:all            set         every queue as ``p/n``, for ``gc``

``T`` is ``{p/n}`` where ``p`` and ``n`` are the project and queue name percent-encoded with
nothing left safe, so names may hold any character (dots included) and every key of one queue
lies in one cluster slot. The global project (None) is the empty string, as in the SQL store.
A queue's subscriptions share its tag but not its hash: they may exist before the queue does
(lazy queues). Their three index keys are PEXPIREd as long as their longest-lived subscription
needs them, so subscriptions of a queue nobody uses any more go by themselves.

Time comes only from ``Store.clock`` and reaches the scripts as an argument; Redis TIME is
used only by the deadline guard of the scripts that change data (``scripts.GUARD``). PEXPIRE
durations are real-time safety nets computed as ``expires - now`` plus ``EXPIRY_MARGIN``, so a
clock that runs ahead of real time never deletes data early.

Failures (see ``connections``): a command that failed before it was sent is retried
``max_reconnect_attempts`` times and then answers 503; a change that was sent and got no answer
is never sent again and answers ``OutcomeUnknown`` (504), except a post, whose outcome the
driver looks up once the change's deadline has passed. Every call goes through the store's
circuit breaker (``zaqar.storage.breaker``).
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
from redis import exceptions as redis_errors
from redis.backoff import ConstantBackoff
from redis.cluster import ClusterNode, RedisCluster
from redis.retry import Retry
from redis.sentinel import Sentinel

from zaqar.storage import errors
from zaqar.storage.breaker import Attempt, Breaker
from zaqar.storage.redis import connections, direct, scripts
from zaqar.storage.redis.connections import LOST, NOT_SENT, REFUSED, ReplyLost

LOG = logging.getLogger(__name__)

#: Seconds added to every PEXPIRE so the safety net never fires before the semantics do.
EXPIRY_MARGIN = 3600.0

#: Queues whose key names a store remembers (see ``Store.queue_keys``).
KEYS_CACHED = 4096

#: Seconds the quick client (``Store.quick``: liveness, the look-up of a lost post's outcome)
#: waits for Redis, on connections of its own.
OUTCOME_CHECK_TIMEOUT = 1.0

_SINGLE_SCHEMES = ("redis", "rediss", "unix")
_CLUSTER_SCHEMES = ("redis+cluster", "rediss+cluster")
_SENTINEL_SCHEMES = ("redis+sentinel", "rediss+sentinel")


def _unavailable(error: Exception) -> errors.ServiceUnavailable:
    LOG.warning("redis unavailable: %s", error)
    return errors.ServiceUnavailable(error.__class__.__name__)


@contextlib.contextmanager
def translate_errors(
    attempt: Attempt | None = None, doubt: str | None = None, settled: float = 0.0
) -> Iterator[None]:
    """Turn Redis's failures into storage errors, at the driver's boundary (see
    ``translated``)."""
    try:
        yield
    except Exception as error:
        failure = translated(error, attempt, doubt, settled)
        if failure is None:
            raise
        raise failure from error


def translated(
    error: Exception, attempt: Attempt | None, doubt: str | None, settled: float
) -> Exception | None:
    """The storage error Redis's ``error`` stands for; None to let it through as it is.

    ``doubt`` is given for a change: it says what may have happened when the change was sent
    and no answer came (``ReplyLost``, after ``settled``). Failures that mean the server could
    not be reached are marked on ``attempt``, for the breaker.
    """
    if isinstance(error, errors.ServiceUnavailable):
        # A cluster client could not be built: no node answered.
        if attempt is not None:
            attempt.unreachable()
        return None
    if isinstance(error, NOT_SENT):
        if attempt is not None:
            attempt.unreachable()
        return _unavailable(error)
    if isinstance(error, REFUSED):
        return _unavailable(error)
    if isinstance(error, LOST):
        if attempt is not None:
            attempt.unreachable()
        if doubt is None:
            return _unavailable(error)
        LOG.warning("redis did not answer a change: %s", error)
        return ReplyLost(doubt, settled)
    if isinstance(error, redis_errors.ResponseError) and connections.is_late(error):
        LOG.warning("redis ran a change after its deadline: nothing was changed")
        return errors.ServiceUnavailable("the change reached Redis too late")
    return None


Client = redis.Redis | RedisCluster


class _Cluster(RedisCluster):
    """A cluster client that repeats a command only when it surely was not sent.

    redis-py retries timeouts and dropped connections in cluster mode, but a script that was
    sent may have run: a repeated POST would post its batch twice. A connection that could
    not be made and a re-forming cluster mean the command did not run, so those are still
    retried (the check is on the exact type).
    """

    ERRORS_ALLOW_RETRY = (  # type: ignore[assignment]  # a narrower tuple on purpose
        connections.ConnectFailed,
        redis_errors.ClusterDownError,
        redis_errors.SlotNotCoveredError,
    )


class Connector:
    """The client of one option group, built on first use and shared from then on.

    The URI is checked at once, so a bad one stops the server at start-up. The client is
    built later because a cluster client must reach the cluster to learn its layout: built
    lazily, the server starts while the cluster is away and answers 503 until it is back.
    ``attempts`` and ``socket_timeout`` override the group's, for clients that must give up
    sooner (liveness, the look-up of a lost post's outcome).
    """

    def __init__(
        self, group: Any, attempts: int | None = None, socket_timeout: float | None = None
    ) -> None:
        self._build = client_factory(group, attempts, socket_timeout)
        self.socket_timeout = socket_timeout or uri_socket_timeout(group.uri, group.socket_timeout)
        self._client: Client | None = None
        self._scripts: direct.ScriptConnections | None = None
        self._lock = threading.Lock()

    def get(self) -> Client:
        client = self._client
        if client is None:
            with self._lock:
                if self._client is None:
                    self._client = self._build()
                    pool = getattr(self._client, "connection_pool", None)
                    # The exact class: a Sentinel pool asks the sentinels where to connect.
                    if type(pool) is redis.ConnectionPool:
                        self._scripts = direct.ScriptConnections(pool)
                client = self._client
        return client

    def script_connections(self) -> direct.ScriptConnections | None:
        """Where scripts go on a single server (see ``direct``); None on a cluster or
        behind sentinels, where scripts go through the client."""
        if self._client is None:
            self.get()
        return self._scripts

    def close(self) -> None:
        client, self._client = self._client, None
        scripts, self._scripts = self._scripts, None
        if scripts is not None:
            scripts.close()
        if client is not None:
            client.close()
            if isinstance(client, redis.Redis):
                client.connection_pool.disconnect()


def uri_socket_timeout(uri: str, default: float) -> float:
    """The socket timeout in effect: the URI's ``socket_timeout``, else ``default``."""
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(uri).query))
    try:
        return _timeout(query, default)
    except errors.BadConfiguration:
        return default  # client_factory refuses the URI with the reason


@dataclass(frozen=True)
class _Timeouts:
    connect: float
    socket: float


def client_factory(
    group: Any, attempts: int | None = None, socket_timeout: float | None = None
) -> Callable[[], Client]:
    """What builds a client on ``group.uri``; ``attempts`` overrides
    ``max_reconnect_attempts`` and ``socket_timeout`` the group's and the URI's.

    Only failures to connect are retried (``connections.ConnectFailed``): a command that was
    sent may have run, and running a script twice could post a batch twice.
    """
    uri: str = group.uri
    parts = urllib.parse.urlsplit(uri)
    retry = Retry(
        ConstantBackoff(group.reconnect_sleep),
        group.max_reconnect_attempts if attempts is None else attempts,
        supported_errors=(connections.ConnectFailed,),
    )
    default_socket = group.socket_timeout if socket_timeout is None else socket_timeout
    connect = min(getattr(group, "connect_timeout", default_socket), default_socket)
    if parts.scheme in _SINGLE_SCHEMES:
        return _single_client(uri, _Timeouts(connect, default_socket), retry, socket_timeout)
    if parts.scheme in _CLUSTER_SCHEMES:
        return _cluster_client(parts, _Timeouts(connect, default_socket), retry, socket_timeout)
    if parts.scheme in _SENTINEL_SCHEMES:
        return _sentinel_client(parts, _Timeouts(connect, default_socket), retry, socket_timeout)
    # Name the scheme only: the URI may hold a password.
    raise errors.BadConfiguration(f"unusable Redis URI scheme {parts.scheme!r}")


def _single_client(
    uri: str, timeouts: _Timeouts, retry: Retry, forced_socket_timeout: float | None
) -> Callable[[], redis.Redis]:
    try:
        pool = redis.ConnectionPool.from_url(
            uri,
            connection_class=connections.BY_SCHEME[urllib.parse.urlsplit(uri).scheme],
            socket_timeout=timeouts.socket,
            socket_connect_timeout=timeouts.connect,
            retry=retry,
            decode_responses=True,
        )
    except ValueError as error:
        raise errors.BadConfiguration(f"unusable Redis URI: {error}") from error
    if forced_socket_timeout is not None:
        # The URI's own socket_timeout wins in from_url; this client must give up sooner.
        pool.connection_kwargs["socket_timeout"] = forced_socket_timeout
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
    parts: urllib.parse.SplitResult,
    timeouts: _Timeouts,
    retry: Retry,
    forced_socket_timeout: float | None,
) -> Callable[[], RedisCluster]:
    """``redis+cluster://[:password@]host:port[,host:port...][?socket_timeout=S]``.

    Any reachable node will do: the client learns the others, and which slots each holds,
    from the cluster itself.
    """
    uri = _parse_multi_host(parts, 6379)
    if uri.path:
        raise errors.BadConfiguration("a Redis cluster has no databases: drop the URI's path")
    timeout = forced_socket_timeout or _timeout(uri.query, timeouts.socket)
    _no_more(uri.query)
    connect_timeout = min(timeouts.connect, timeout)

    first_host, first_port = uri.nodes[0]
    if ":" in first_host:
        first_host = f"[{first_host}]"

    def build() -> RedisCluster:
        try:
            return _Cluster(
                # With a URL, redis-py builds each node's pool from these arguments, so
                # that the connection class below is the one used. The URL names the
                # first node again, and without TLS: ``ssl=True`` or ``rediss://`` would
                # replace that class with redis-py's own.
                url=f"redis://{first_host}:{first_port}",
                startup_nodes=[
                    ClusterNode(host, port)  # type: ignore[no-untyped-call]
                    for host, port in uri.nodes
                ],
                retry=retry,
                username=uri.username,
                password=uri.password,
                connection_class=connections.SSLConnection if uri.tls else connections.Connection,
                socket_timeout=timeout,
                socket_connect_timeout=connect_timeout,
                decode_responses=True,
            )
        except (*NOT_SENT, *REFUSED, *LOST, redis_errors.RedisClusterException) as error:
            # Building fails when no node answers: the cluster is away, not misconfigured.
            LOG.warning("redis cluster unavailable: %s", error)
            raise errors.ServiceUnavailable(error.__class__.__name__) from error

    return build


def _sentinel_client(
    parts: urllib.parse.SplitResult,
    timeouts: _Timeouts,
    retry: Retry,
    forced_socket_timeout: float | None,
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
    timeout = forced_socket_timeout or _timeout(uri.query, timeouts.socket)
    _no_more(uri.query)
    connect_timeout = min(timeouts.connect, timeout)
    sentinel = Sentinel(  # type: ignore[no-untyped-call]
        uri.nodes,
        sentinel_kwargs={"socket_timeout": timeout, "socket_connect_timeout": connect_timeout},
        socket_timeout=timeout,
        socket_connect_timeout=connect_timeout,
    )
    client: redis.Redis = sentinel.master_for(  # type: ignore[no-untyped-call]
        service,
        db=db,
        username=uri.username,
        password=uri.password,
        connection_class=connections.SentinelSSLConnection
        if uri.tls
        else connections.SentinelConnection,
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
    subscription_ids: str
    subscription_expiries: str
    subscribers: str
    subscription_prefix: str

    outbox: str

    @property
    def keys(self) -> list[str]:
        """What the message scripts get (``scripts``)."""
        return [
            self.queue,
            self.markers,
            self.expiries,
            self.claimed,
            self.claims,
            self.subscription_ids,
            self.outbox,
        ]

    @property
    def subscription_keys(self) -> list[str]:
        """The indexes of the queue's subscriptions."""
        return [self.subscription_ids, self.subscription_expiries, self.subscribers]

    @property
    def subscription_script_keys(self) -> list[str]:
        """What the subscription and delivery scripts get (``scripts``)."""
        return [*self.subscription_keys, self.queue, self.outbox]

    def subscription(self, subscription_id: str) -> str:
        return self.subscription_prefix + subscription_id

    def message(self, message_id: str) -> str:
        return self.message_prefix + message_id


def ms(seconds: float) -> int:
    """A PEXPIRE duration in milliseconds: ``seconds`` of real time plus the margin."""
    return int(max(seconds, 0.0) * 1000 + EXPIRY_MARGIN * 1000)


class Store:
    """What the controllers share: the client, the clock, the key layout, the scripts, the
    circuit breaker and the deadlines of changes.

    ``clock`` is the store's time for the data (tests replace it); deadlines are in real
    time, compared with Redis's own clock. ``quick`` is a client that gives up quickly, on
    connections of its own and without reconnection attempts: liveness, and the look-up of
    the outcome of a post whose answer was lost.
    """

    def __init__(
        self,
        connector: Connector,
        prefix: str,
        clock: Callable[[], float] = time.time,
        *,
        breaker: Breaker | None = None,
        quick: Connector | None = None,
        clock_skew_margin: float = 0.5,
    ) -> None:
        self.connector = connector
        self.prefix = check_prefix(prefix)
        self.clock = clock
        self.all_queues = f"{prefix}:all"
        self.subscribed = f"{prefix}:subscribed"
        self.breaker = breaker or Breaker("redis store", 0.0)
        self.quick = quick
        timeout = connector.socket_timeout
        #: Seconds after sending a change by which it must have started on Redis. The margin
        #: is at most half the timeout, so that a small timeout leaves room to work.
        self.write_budget = timeout - min(clock_skew_margin, timeout / 2)
        #: Lifetime of a post's receipt: longer than the wait for its answer and the look-up.
        self.receipt_ms = int((2 * timeout + OUTCOME_CHECK_TIMEOUT + 5) * 1000)
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
            subscription_ids=f"{p}:s:{tag}",
            subscription_expiries=f"{p}:se:{tag}",
            subscribers=f"{p}:su:{tag}",
            subscription_prefix=f"{p}:sub:{tag}:",
            outbox=f"{p}:o:{tag}",
        )

    def project_index(self, project: str | None) -> str:
        return f"{self.prefix}:queues:{{{escape(project)}}}"

    def keys_of_member(self, member: str) -> QueueKeys:
        project, _, name = member.partition("/")
        return self.queue_keys(urllib.parse.unquote(name), urllib.parse.unquote(project))

    @staticmethod
    def _common(keys: QueueKeys, now: float, args: Sequence[object]) -> list[object]:
        return [repr(float(now)), keys.message_prefix, keys.claim_prefix, *args]

    def run(self, lua: str, keys: QueueKeys, now: float, *args: object) -> Any:
        """Run a script of ``scripts`` that changes nothing (or only trims expired data) on
        a queue, with the common arguments first."""
        return self.eval(lua, keys.keys, self._common(keys, now, args))

    def change(self, lua: str, keys: QueueKeys, now: float, *args: object, doubt: str) -> Any:
        """Run a guarded script of ``scripts`` on a queue; see ``eval_change``."""
        return self.eval_change(lua, keys.keys, self._common(keys, now, args), doubt)

    def delete_queue(self, keys: QueueKeys, now: float, doubt: str) -> Any:
        """Delete the queue's keys, its subscriptions' included, in one guarded script."""
        return self.eval_change(
            scripts.DELETE_QUEUE,
            [*keys.keys, keys.subscription_expiries, keys.subscribers],
            [*self._common(keys, now, ()), keys.subscription_prefix],
            doubt,
        )

    def mark_subscribed(self, keys: QueueKeys) -> None:
        """List the queue among those the notifiers visit (``P:subscribed``)."""
        # A counter: sending it twice (a lost answer retried) does no harm.
        with self.talking() as client:
            client.hincrby(self.subscribed, keys.member, 1)

    def run_subscriptions(self, lua: str, keys: QueueKeys, now: float, *args: object) -> Any:
        """Run a subscription script of ``scripts`` that changes nothing (or only trims
        expired subscriptions) on a queue's subscription keys."""
        return self.eval(
            lua, keys.subscription_script_keys, [repr(float(now)), keys.subscription_prefix, *args]
        )

    def change_subscriptions(
        self, lua: str, keys: QueueKeys, now: float, *args: object, doubt: str
    ) -> Any:
        """Run a guarded subscription script of ``scripts``; see ``eval_change``."""
        return self.eval_change(
            lua,
            keys.subscription_script_keys,
            [repr(float(now)), keys.subscription_prefix, *args],
            doubt,
        )

    def eval(self, lua: str, keys: Sequence[str], args: Sequence[object]) -> Any:
        """Run a script on ``keys`` (which must share one slot) with ``args``."""
        return self._eval(lua, keys, args, None, 0.0)

    def eval_change(self, lua: str, keys: Sequence[str], args: Sequence[object], doubt: str) -> Any:
        """Run a script that begins with ``scripts.GUARD``, its deadline added as the last
        argument, so that Redis never runs it after the driver stopped waiting for it.

        ServiceUnavailable when it surely did not run (not sent, refused, too late);
        ``ReplyLost`` with ``doubt`` when it was sent and no answer came.
        """
        deadline = time.time() + self.write_budget
        # By then the deadline has passed on Redis too, if the clocks agree within the margin.
        settled = time.monotonic() + self.connector.socket_timeout
        return self._eval(lua, keys, [*args, repr(deadline)], doubt, settled)

    def _eval(
        self,
        lua: str,
        keys: Sequence[str],
        args: Sequence[object],
        doubt: str | None,
        settled: float,
    ) -> Any:
        # PERF: what ``with self.breaker.attempt(), translate_errors(...)`` does, spelt out:
        # two generator-based context managers cost more than the rest of this method.
        attempt = self.breaker.admit()
        try:
            texts = [str(arg) for arg in args]
            direct_scripts = self.connector.script_connections()
            if direct_scripts is not None:
                result = direct_scripts.run(lua, keys, texts)
            else:
                script = self._scripts.get(lua)
                if script is None:
                    script = self._scripts[lua] = self.connector.get().register_script(lua)
                result = script(keys=list(keys), args=texts)
        except Exception as error:
            failure = translated(error, attempt, doubt, settled)
            self.breaker.record(attempt)
            if failure is None:
                raise
            raise failure from error
        self.breaker.record(attempt)
        return result

    @contextlib.contextmanager
    def talking(self) -> Iterator[Client]:
        """The client, for commands that change nothing."""
        with self.breaker.attempt() as attempt, translate_errors(attempt):
            yield self.connector.get()

    def trim(self, keys: QueueKeys, budget: int) -> int:
        return int(self.run(scripts.TRIM, keys, self.clock(), budget))

    def outcome_of_post(self, keys: QueueKeys, ids: Sequence[str], settled: float) -> bool | None:
        """Whether a post whose answer was lost was stored, or None when Redis cannot tell.

        Asked once ``settled`` has passed, when the post can no longer run, so the answer
        is final; on the quick connections. The receipt the post
        leaves says that it ran even if its messages were taken since.
        """
        if self.quick is None:
            return None
        pause = settled - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        try:
            client = self.quick.get()
            script = client.register_script(scripts.POSTED)
            receipt, present = script(
                keys=keys.keys,
                args=[str(arg) for arg in self._common(keys, 0.0, [ids[0], *ids])],
            )
        except (errors.StorageError, redis_errors.RedisError) as error:
            LOG.warning("the outcome of a post is unknown: %s", error)
            return None
        if int(receipt):
            return True
        if not int(present):
            return False
        return None  # messages without a receipt: not what the post script leaves

    def is_alive(self) -> bool:
        """Whether Redis answers a PING now (never raises, never waits on reconnections)."""
        try:
            return bool((self.quick or self.connector).get().ping())
        except Exception:  # noqa: BLE001 - liveness never raises
            return False

    def close(self) -> None:
        self.connector.close()
        if self.quick is not None:
            self.quick.close()


def describe(uri: str) -> str:
    """Where a URI points, without its password."""
    parts = urllib.parse.urlsplit(uri)
    return parts.netloc.rpartition("@")[2] or parts.path


def open_store(group: Any, role: str) -> Store:
    """The store of one option group (``role``: ``message`` or ``management``)."""
    connector = Connector(group)
    timeout = connector.socket_timeout
    return Store(
        connector,
        group.prefix,
        breaker=Breaker(f"redis {role} store at {describe(group.uri)}", group.breaker_open_period),
        quick=Connector(group, attempts=0, socket_timeout=min(OUTCOME_CHECK_TIMEOUT, timeout)),
        clock_skew_margin=group.clock_skew_margin,
    )


def to_float(value: str | None) -> float | None:
    return None if value is None else float(value)
