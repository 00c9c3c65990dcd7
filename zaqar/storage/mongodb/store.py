"""The MongoDB client, retries, error translation and collections (layout in ``driver``)."""

from __future__ import annotations

import datetime
import logging
import random
import re
import time
import urllib.parse
import zlib
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast

import pymongo
from pymongo import errors as mongo_errors
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.write_concern import WriteConcern

from zaqar.storage import errors
from zaqar.storage.breaker import Breaker

LOG = logging.getLogger(__name__)

T = TypeVar("T")

Document = dict[str, Any]

#: Seconds added to a message's expiry before MongoDB's TTL monitor may purge it.
EXPIRY_MARGIN = 3600.0

#: The latest moment a BSON date read back as a Python datetime can be (9999-12-31T23:59:59Z):
#: the TTL index's safety net stops there (Heat subscribes for about 7000 years).
LATEST_PURGE = 253402300799.0

#: Longest wait, in seconds, between two reconnection attempts.
MAX_RECONNECT_SLEEP = 1.0

#: Builds the client: ``pymongo.MongoClient(uri, **options)``. Tests put a stand-in here
#: (mongomock behind a lock); production code never changes it.
client_factory: Callable[..., Any] = pymongo.MongoClient

#: Server error codes that mean "the server or its primary is away for now" when they come
#: as a plain OperationFailure (pymongo raises most of them as NotPrimaryError already).
_AWAY_CODES = frozenset(
    {
        6,  # HostUnreachable
        7,  # HostNotFound
        89,  # NetworkTimeout
        91,  # ShutdownInProgress
        189,  # PrimarySteppedDown
        9001,  # SocketException
        10107,  # NotWritablePrimary
        11600,  # InterruptedAtShutdown
        11602,  # InterruptedDueToReplStateChange
        13435,  # NotPrimaryNoSecondaryOk
        13436,  # NotPrimaryOrSecondary
    }
)

#: Codes that will not pass by retrying but still mean "the service cannot answer".
_REFUSED_CODES = frozenset(
    {
        13,  # Unauthorized
        18,  # AuthenticationFailed
        50,  # MaxTimeMSExpired
        64,  # WriteConcernFailed
        262,  # ExceededTimeLimit
    }
)


#: Collection methods that change data. When one loses its reply, the change may have been
#: applied (or may be applied later, by a server that is only slow): its outcome is unknown.
_WRITES = frozenset(
    {
        "insert_one",
        "insert_many",
        "update_one",
        "update_many",
        "replace_one",
        "delete_one",
        "delete_many",
        "find_one_and_update",
        "find_one_and_delete",
        "find_one_and_replace",
        "bulk_write",
    }
)


def stored_project(project: str | None) -> str:
    """The global project (None) is the empty string, as in the other stores."""
    return "" if project is None else project


def partition_of(project: str | None, queue: str, partitions: int) -> int:
    """The message database of a queue: a CRC-32 of ``project/queue``, so the same on every
    process and every run. Changing ``partitions`` moves queues: never do it once deployed."""
    key = f"{stored_project(project)}/{queue}".encode("utf-8", "surrogatepass")
    return zlib.crc32(key) % partitions


def _redact(text: str, uri: str) -> str:
    """``text`` without the URI's password, which pymongo may quote in its messages."""
    # No urlsplit: the URI may be too broken for it (that may be why we are here).
    found = re.search(r"://[^/@]*?:([^/@]*)@", uri)
    password = found.group(1) if found else ""
    if password:
        for form in (password, urllib.parse.unquote(password)):
            text = text.replace(form, "***")
    return text


def durability_problems(hello: Mapping[str, Any], write_concern: WriteConcern) -> list[str]:
    """Why writes acknowledged by this server could be lost; empty when they cannot.

    ``hello`` is the server's reply to the ``hello`` command: a replica-set member names its
    set (``setName``) and a mongos says ``msg: isdbgrid``; a standalone server does neither.
    Only ``w=majority`` survives the loss of the primary.
    """
    problems = []
    if not hello.get("setName") and hello.get("msg") != "isdbgrid":
        problems.append("the server is a standalone mongod, not a replica-set member or mongos")
    w = write_concern.document.get("w")
    if w != "majority":
        problems.append(f"the write concern is w={w!r}, not w='majority'")
    return problems


class Store:
    """What the controllers share: the client, the clock, retries and error translation."""

    def __init__(self, group: Any, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        #: Real time, for the TTL index's safety net only (see the module docstring).
        self.wall: Callable[[], float] = time.time
        self.database = str(group.database)
        self.max_attempts = int(group.max_attempts)
        self.max_retry_sleep = float(group.max_retry_sleep)
        self.max_retry_jitter = float(group.max_retry_jitter)
        self.reconnect_attempts = int(group.max_reconnect_attempts)
        self.reconnect_sleep = float(group.reconnect_sleep)
        self.breaker = Breaker(f"mongodb store {group.database}", group.breaker_open_period)
        self.client = self._connect(group)
        try:
            self.write_concern = self._write_concern(group)
            hello = self.call(self._hello)
        except BaseException:
            self.client.close()
            raise
        problems = durability_problems(hello, self.write_concern)
        self.durable = not problems
        if problems and not group.unreliable:
            self.client.close()
            raise errors.BadConfiguration(
                "refusing to use MongoDB: "
                + "; ".join(problems)
                + ". Acknowledged messages could be lost. Use a replica set or a sharded "
                "cluster with w=majority, or set unreliable = True (development only)."
            )
        if problems:
            LOG.warning("MongoDB is unreliable (%s); allowed by unreliable = True", problems)

    @staticmethod
    def _connect(group: Any) -> pymongo.MongoClient[Document]:
        uri = group.uri
        if not uri:
            raise errors.BadConfiguration("the MongoDB driver needs a uri in its option group")
        try:
            client = client_factory(
                uri,
                serverSelectionTimeoutMS=int(group.server_selection_timeout * 1000),
                connectTimeoutMS=int(group.connect_timeout * 1000),
                socketTimeoutMS=int(group.socket_timeout * 1000),
                # Waiting for a free pooled connection is bounded too.
                waitQueueTimeoutMS=int(group.socket_timeout * 1000),
                appname="zaqar",
            )
        except (mongo_errors.ConfigurationError, ValueError, TypeError) as error:
            raise errors.BadConfiguration(
                f"unusable MongoDB URI: {_redact(str(error), uri)}"
            ) from error
        return cast("pymongo.MongoClient[Document]", client)

    def _write_concern(self, group: Any) -> WriteConcern:
        """The URI's write concern, or ``w=majority`` when the URI sets none."""
        configured: WriteConcern = self.client.write_concern
        if "w" in configured.document:
            return configured
        return WriteConcern(w="majority", wtimeout=int(group.socket_timeout * 1000))

    def _hello(self) -> Mapping[str, Any]:
        admin = self.client.admin
        try:
            return cast("Mapping[str, Any]", admin.command("hello"))
        except mongo_errors.OperationFailure as error:
            if error.code != 59:  # CommandNotFound: a server older than 4.4.2
                raise
            return cast("Mapping[str, Any]", admin.command("isMaster"))

    def collection(self, database: str, name: str) -> Collection[Document]:
        db: Database[Document] = self.client.get_database(
            database, write_concern=self.write_concern
        )
        return db.get_collection(name)

    def call(
        self, operation: Callable[..., T], /, *args: Any, retry: bool = True, **kwargs: Any
    ) -> T:
        """``operation(*args, **kwargs)``, run again after a lost connection, with pymongo's
        errors translated, behind the store's circuit breaker.

        Every operation run with ``retry`` must be safe to run twice: pymongo may have sent
        it before the connection dropped. Others still get pymongo's own single retry of
        retryable writes, which the server deduplicates.

        A change (a collection method of ``_WRITES``) that may have reached the server and
        got no answer raises ``OutcomeUnknown``, never ``ServiceUnavailable``: a 503 says
        that nothing was changed. Only when no server could be selected was nothing sent.
        """
        changes = getattr(operation, "__name__", "") in _WRITES
        attempt = 0
        with self.breaker.attempt() as reach:
            while True:
                try:
                    return operation(*args, **kwargs)
                except (mongo_errors.DuplicateKeyError, mongo_errors.BulkWriteError):
                    raise  # a conflict the controllers resolve
                except mongo_errors.NetworkTimeout as error:
                    # The server took socket_timeout to not answer: it is busy, and asking
                    # again would only add to its load and hold the request past its time.
                    LOG.warning("MongoDB did not answer in time: %s", error)
                    reach.unreachable()
                    raise self._lost(error, changes) from error
                except mongo_errors.ConnectionFailure as error:
                    failure: Exception = error
                except mongo_errors.OperationFailure as error:
                    if error.code in _REFUSED_CODES:
                        LOG.error("MongoDB refused an operation: %s", error.__class__.__name__)
                        raise errors.ServiceUnavailable(error.__class__.__name__) from error
                    if error.code not in _AWAY_CODES:
                        raise errors.StorageError(f"MongoDB error {error.code}") from error
                    failure = error
                except mongo_errors.PyMongoError as error:
                    raise errors.StorageError(
                        f"MongoDB error: {error.__class__.__name__}"
                    ) from error
                if not retry or attempt >= self.reconnect_attempts:
                    LOG.warning("MongoDB unavailable: %s", failure)
                    if isinstance(failure, mongo_errors.ConnectionFailure):
                        reach.unreachable()
                    raise self._lost(failure, changes) from failure
                time.sleep(min(self.reconnect_sleep * 2**attempt, MAX_RECONNECT_SLEEP))
                attempt += 1

    @staticmethod
    def _lost(failure: Exception, changes: bool) -> errors.StorageError:
        """What a failure that ended an operation means to its caller."""
        name = failure.__class__.__name__
        sent = not isinstance(failure, mongo_errors.ServerSelectionTimeoutError)
        if changes and sent:
            return errors.OutcomeUnknown(f"MongoDB did not answer a change ({name}).")
        return errors.ServiceUnavailable(name)

    def find(
        self, collection: Collection[Document], /, *args: Any, **kwargs: Any
    ) -> list[Document]:
        """``collection.find(*args, **kwargs)``, read whole (and again after a lost
        connection: reading is always safe to repeat)."""
        return self.call(lambda: list(collection.find(*args, **kwargs)))

    def backoff(self, attempt: int) -> None:
        """Pause before the next attempt at an operation that lost a race."""
        pause = min(self.max_retry_sleep, 0.001 * 2 ** min(attempt, 16))
        time.sleep(pause + random.uniform(0.0, self.max_retry_jitter))  # noqa: S311

    def purge_at(self, expires: float, now: float) -> datetime.datetime:
        """The TTL index's value for a message or subscription expiring at ``expires``
        (store clock)."""
        seconds = min(self.wall() + max(expires - now, 0.0) + EXPIRY_MARGIN, LATEST_PURGE)
        moment = datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC)
        # BSON dates are UTC; naive values are what pymongo (and mongomock) read back.
        return moment.replace(tzinfo=None)

    def ping(self) -> bool:
        try:
            self.client.admin.command("ping")
        except Exception:  # noqa: BLE001 - liveness never raises
            return False
        return True

    def close(self) -> None:
        self.client.close()


def _index(
    collection: Collection[Document], name: str, keys: list[tuple[str, int]], **options: Any
) -> None:
    collection.create_index(keys, name=name, **options)


class MessageLayout:
    """The data store's collections and their indexes."""

    def __init__(self, store: Store, partitions: int) -> None:
        self.partitions = partitions
        self.queues = store.collection(f"{store.database}_queues", "queues")
        self.messages = [
            store.collection(f"{store.database}_messages_p{n}", "messages")
            for n in range(partitions)
        ]
        self.subscriptions = store.collection(f"{store.database}_queues", "subscriptions")
        self.outbox = store.collection(f"{store.database}_queues", "outbox")
        self.delivery_log = store.collection(f"{store.database}_queues", "delivery_log")
        self.dead_letters = store.collection(f"{store.database}_queues", "dead_letters")
        store.call(self._ensure_indexes)

    def _ensure_indexes(self) -> None:
        # create_index is idempotent: every process runs it at start-up.
        _index(self.queues, "project_name", [("p", 1), ("n", 1)], unique=True)
        for messages in self.messages:
            _index(messages, "queue_marker", [("p", 1), ("q", 1), ("k", 1)], unique=True)
            _index(messages, "queue_claim", [("p", 1), ("q", 1), ("c.id", 1)])
            _index(messages, "queue_claim_expiry", [("p", 1), ("q", 1), ("c.e", 1)])
            _index(messages, "expires", [("e", 1)])
            _index(messages, "purge", [("x", 1)], expireAfterSeconds=0)
        subscriptions = self.subscriptions
        _index(
            subscriptions,
            "project_queue_subscriber",
            [("p", 1), ("q", 1), ("u", 1)],
            unique=True,
        )
        _index(subscriptions, "project_queue_id", [("p", 1), ("q", 1), ("_id", 1)])
        _index(subscriptions, "expires", [("e", 1)])
        _index(subscriptions, "purge", [("x", 1)], expireAfterSeconds=0)
        _index(self.outbox, "queue_marker", [("p", 1), ("q", 1), ("k", 1)], unique=True)
        _index(self.delivery_log, "subscription", [("s", 1), ("_id", 1)])
        _index(self.dead_letters, "subscription_marker", [("s", 1), ("m", 1)])
        _index(self.dead_letters, "subscription_replay", [("s", 1), ("replay", 1), ("m", 1)])
        for collection in (self.outbox, self.delivery_log, self.dead_letters):
            _index(collection, "purge", [("x", 1)], expireAfterSeconds=0)

    def messages_of(self, project: str | None, queue: str) -> Collection[Document]:
        return self.messages[partition_of(project, queue, self.partitions)]


class ControlLayout:
    """The management store's collections and their indexes."""

    def __init__(self, store: Store) -> None:
        self.pools = store.collection(store.database, "pools")
        self.catalogue = store.collection(store.database, "catalogue")
        self.flavors = store.collection(store.database, "flavors")
        store.call(self._ensure_indexes)

    def _ensure_indexes(self) -> None:
        _index(self.pools, "pools_uri", [("u", 1)], unique=True)
        _index(self.catalogue, "project_queue", [("p", 1), ("q", 1)], unique=True)
        _index(self.flavors, "project_name", [("p", 1), ("n", 1)], unique=True)
