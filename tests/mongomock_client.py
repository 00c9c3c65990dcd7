"""mongomock behind one lock, shaped like the part of pymongo the MongoDB driver uses.

mongomock keeps its data in plain dicts and is not safe to call from several threads; the
concurrency suite runs the driver from several. Every call into mongomock here holds one
lock, and ``find`` returns its results as a list read under that lock (a mongomock cursor
reads lazily, after the lock would be gone).

Only what mongomock lacks is filled in: the ``hello`` command (a replica-set member unless
``hello`` says otherwise) and the client's ``write_concern``. Tests wrap the collections in
``faults`` to make calls fail.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import mongomock
import mongomock.store
from pymongo.write_concern import WriteConcern

#: A replica-set member's answer to ``hello``.
REPLICA_SET_HELLO = {"isWritablePrimary": True, "setName": "rs0", "ok": 1.0}
#: A standalone mongod's answer.
STANDALONE_HELLO = {"isWritablePrimary": True, "ok": 1.0}
#: A mongos router's answer.
MONGOS_HELLO = {"isWritablePrimary": True, "msg": "isdbgrid", "ok": 1.0}

#: Wraps a collection method: ``fault(name, call)`` returns what runs instead of ``call``.
Fault = Callable[[str, Callable[..., Any]], Callable[..., Any]]


class LockedCollection:
    def __init__(self, collection: Any, lock: threading.RLock, fault: Fault | None) -> None:
        self._collection = collection
        self._lock = lock
        self._fault = fault

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._collection, name)
        if not callable(method):
            return method

        def locked(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                result = method(*args, **kwargs)
                if name == "find":
                    result = list(result)
                return result

        wrapped = locked if self._fault is None else self._fault(name, locked)
        # The driver tells changes from reads by the collection method's name.
        wrapped.__name__ = name
        return wrapped


class LockedDatabase:
    def __init__(self, client: LockedClient, database: Any) -> None:
        self._client = client
        self._database = database

    def get_collection(self, name: str) -> LockedCollection:
        return LockedCollection(
            self._database.get_collection(name), self._client.lock, self._client.fault
        )

    def command(self, command: str, **_: Any) -> dict[str, Any]:
        if self._client.down:
            from pymongo.errors import ServerSelectionTimeoutError

            raise ServerSelectionTimeoutError("no server (test double)")
        if command in ("hello", "isMaster"):
            return dict(self._client.hello)
        with self._client.lock:
            result: dict[str, Any] = self._database.command(command)
            return result


class LockedClient:
    """A ``pymongo.MongoClient`` look-alike over one mongomock server."""

    def __init__(
        self,
        server: Any,
        hello: dict[str, Any] | None = None,
        write_concern: WriteConcern | None = None,
        fault: Fault | None = None,
    ) -> None:
        self.lock = threading.RLock()
        self.hello = REPLICA_SET_HELLO if hello is None else hello
        self.write_concern = WriteConcern() if write_concern is None else write_concern
        self.fault = fault
        self.down = False
        self.closed = False
        self._client: Any = mongomock.MongoClient(_store=server)

    def get_database(self, name: str, **_: Any) -> LockedDatabase:
        # mongomock knows no write concerns; the driver's choice is checked in its own tests.
        return LockedDatabase(self, self._client.get_database(name))

    @property
    def admin(self) -> LockedDatabase:
        return self.get_database("admin")

    def close(self) -> None:
        self.closed = True


def new_server() -> Any:
    """An empty in-memory MongoDB server that clients can share."""
    return mongomock.store.ServerStore()  # type: ignore[no-untyped-call]
