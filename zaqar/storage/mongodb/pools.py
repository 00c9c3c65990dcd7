"""Pools and the catalogue, in the MongoDB management store.

Collections (``D`` is the management store's ``database`` option)::

    D.pools       {_id: name, u: uri, w: weight, f: flavor or null, o: options (JSON text),
                   h: how many queues the catalogue places there}
                  index pools_uri (u) unique: a URI belongs to one pool
    D.catalogue   {p: project ('' for None), q: queue, s: pool name}
                  index project_queue (p, q) unique: lookups and the per-project listing

A pool's ``h`` is what keeps the two consistent without transactions. Placing a queue first
increments ``h`` on the pool document, which fails if the pool is gone; deleting a pool is a
``delete_one`` conditional on ``h == 0``. Both are single-document operations, so of a racing
placement and deletion exactly one wins and no queue is ever catalogued on a deleted pool.
A process that dies between the increment and the catalogue insert leaves ``h`` one too
high: the pool then refuses deletion, the safe side.

Increments are not repeated by the driver after a lost connection (a repeat would count
twice); pymongo's own retry of them is deduplicated by the server.
"""

from __future__ import annotations

from typing import Any

from pymongo import ReturnDocument
from pymongo import errors as mongo_errors

from zaqar.core import documents
from zaqar.storage import base, errors
from zaqar.storage.mongodb.store import ControlLayout, Document, Store, stored_project


def _pool(doc: Document) -> base.Pool:
    return base.Pool(
        name=str(doc["_id"]),
        uri=str(doc["u"]),
        weight=int(doc["w"]),
        flavor=doc.get("f"),
        options=documents.loads(doc["o"]),
    )


class FlavorsController(base.FlavorsController):
    """Flavors: documents ``{p: project, n: name}``, unique by both."""

    def __init__(self, store: Store, layout: ControlLayout) -> None:
        self._store = store
        self._flavors = layout.flavors

    def list(
        self, project: str | None, marker: str | None = None, limit: int = 10
    ) -> base.Page[base.Flavor]:
        if limit <= 0:
            return base.Page([], None)
        query: Document = {"p": stored_project(project)}
        if marker is not None:
            query["n"] = {"$gt": marker}
        found = self._store.find(self._flavors, query, {"n": 1}, sort=[("n", 1)], limit=limit)
        names = [str(doc["n"]) for doc in found]
        return base.Page(
            [base.Flavor(name, project) for name in names], names[-1] if names else None
        )

    def create(self, name: str, project: str | None) -> bool:
        key = {"p": stored_project(project), "n": name}
        result = self._store.call(self._flavors.update_one, key, {"$setOnInsert": key}, upsert=True)
        return result.upserted_id is not None

    def get(self, name: str, project: str | None) -> base.Flavor:
        found = self._store.call(
            self._flavors.find_one, {"p": stored_project(project), "n": name}, {"_id": 1}
        )
        if found is None:
            raise errors.FlavorDoesNotExist(name, project)
        return base.Flavor(name, project)

    def delete(self, name: str, project: str | None) -> None:
        self._store.call(self._flavors.delete_one, {"p": stored_project(project), "n": name})


class PoolsController(base.PoolsController):
    def __init__(self, store: Store, layout: ControlLayout) -> None:
        self._store = store
        self._pools = layout.pools

    def _uri_owner(self, uri: str, other_than: str) -> str | None:
        found = self._store.call(
            self._pools.find_one, {"u": uri, "_id": {"$ne": other_than}}, {"_id": 1}
        )
        return None if found is None else str(found["_id"])

    def list(self, marker: str | None = None, limit: int = 10) -> base.Page[base.Pool]:
        if limit <= 0:
            return base.Page([], None)
        query: Document = {} if marker is None else {"_id": {"$gt": marker}}
        found = self._store.find(self._pools, query, sort=[("_id", 1)], limit=limit)
        items = [_pool(doc) for doc in found]
        return base.Page(items, items[-1].name if items else None)

    def create(
        self,
        name: str,
        weight: int,
        uri: str,
        flavor: str | None = None,
        options: dict[str, Any] | None = None,
    ) -> bool:
        fields = {"u": uri, "w": weight, "f": flavor, "o": documents.dumps(options or {})}
        update = {"$set": fields, "$setOnInsert": {"h": 0}}
        for _ in range(2):
            try:
                result = self._store.call(
                    self._pools.update_one, {"_id": name}, update, upsert=True
                )
            except mongo_errors.DuplicateKeyError:
                owner = self._uri_owner(uri, name)
                if owner is not None:
                    raise errors.PoolUriInUse(owner) from None
                continue  # a racing create of the same name inserted first: update it
            return result.upserted_id is not None
        raise errors.ServiceUnavailable(f"pool {name} kept changing while created")

    def get(self, name: str) -> base.Pool:
        found = self._store.call(self._pools.find_one, {"_id": name})
        if found is None:
            raise errors.PoolDoesNotExist(name)
        return _pool(found)

    def update(
        self,
        name: str,
        weight: int | None = None,
        uri: str | None = None,
        options: dict[str, Any] | None = None,
        flavor: str | None = None,
    ) -> base.Pool:
        fields: Document = {}
        if flavor is not None:
            fields["f"] = flavor or None
        if weight is not None:
            fields["w"] = weight
        if uri is not None:
            fields["u"] = uri
        if options is not None:
            fields["o"] = documents.dumps(options)
        if not fields:
            return self.get(name)
        try:
            found = self._store.call(
                self._pools.find_one_and_update,
                {"_id": name},
                {"$set": fields},
                return_document=ReturnDocument.AFTER,
            )
        except mongo_errors.DuplicateKeyError:
            owner = self._uri_owner(uri or "", name)
            raise errors.PoolUriInUse(owner or "another pool") from None
        if found is None:
            raise errors.PoolDoesNotExist(name)
        return _pool(found)

    def delete(self, name: str) -> None:
        for _ in range(self._store.max_attempts):
            result = self._store.call(self._pools.delete_one, {"_id": name, "h": {"$lte": 0}})
            if result.deleted_count:
                return
            found = self._store.call(self._pools.find_one, {"_id": name}, {"h": 1})
            if found is None:
                return
            held = int(found["h"])
            if held > 0:
                raise errors.PoolInUse(name, held)
            # The last queue left between the two reads: try the deletion again.
        raise errors.ServiceUnavailable(f"pool {name} kept changing while deleted")


class CatalogueController(base.CatalogueController):
    def __init__(self, store: Store, layout: ControlLayout) -> None:
        self._store = store
        self._pools = layout.pools
        self._entries = layout.catalogue

    def _find(self, project: str | None, queue: str) -> str | None:
        found = self._store.call(
            self._entries.find_one, {"p": stored_project(project), "q": queue}, {"s": 1}
        )
        return None if found is None else str(found["s"])

    def _hold(self, pool: str, count: int) -> bool:
        """Add ``count`` to the pool's queue count; False when there is no such pool."""
        result = self._store.call(
            self._pools.update_one, {"_id": pool}, {"$inc": {"h": count}}, retry=False
        )
        return result.matched_count > 0

    def get(self, project: str | None, queue: str) -> str | None:
        return self._find(project, queue)

    def placement(self, project: str | None, queue: str) -> base.Placement | None:
        found = self._store.call(
            self._entries.find_one, {"p": stored_project(project), "q": queue}, {"s": 1, "m": 1}
        )
        return None if found is None else base.Placement(str(found["s"]), found.get("m"))

    def begin_move(self, project: str | None, queue: str, target: str) -> base.Placement:
        key = {"p": stored_project(project), "q": queue}
        for _ in range(self._store.max_attempts):
            current = self.placement(project, queue)
            if current is None:
                raise errors.QueueDoesNotExist(queue, project)
            if current.pool == target:
                raise errors.Conflict(f"queue {queue} is already on pool {target}")
            if current.moving_to == target:
                return current
            if current.moving_to is not None:
                raise errors.Conflict(f"queue {queue} is already moving to {current.moving_to}")
            # The target holds the queue from now on, so it cannot be deleted under the move.
            if not self._hold(target, 1):
                raise errors.PoolDoesNotExist(target)
            marked = self._store.call(
                self._entries.update_one,
                {**key, "s": current.pool, "m": None},
                {"$set": {"m": target}},
            )
            if marked.matched_count:
                return base.Placement(current.pool, target)
            self._hold(target, -1)  # the entry changed meanwhile: look again
        raise errors.ServiceUnavailable(f"queue {queue} kept changing while its move began")

    def end_move(self, project: str | None, queue: str, done: bool) -> None:
        current = self.placement(project, queue)
        if current is None or current.moving_to is None:
            return
        key = {"p": stored_project(project), "q": queue, "s": current.pool, "m": current.moving_to}
        if done:
            change: Document = {"$set": {"s": current.moving_to}, "$unset": {"m": ""}}
            released = current.pool
        else:
            change, released = {"$unset": {"m": ""}}, current.moving_to
        if self._store.call(self._entries.update_one, key, change).matched_count:
            self._hold(released, -1)

    def insert(self, project: str | None, queue: str, pool: str) -> str:
        entry = {"p": stored_project(project), "q": queue, "s": pool}
        for _ in range(self._store.max_attempts):
            found = self._find(project, queue)
            if found is not None:
                return found
            if not self._hold(pool, 1):
                raise errors.PoolDoesNotExist(pool)
            try:
                self._store.call(self._entries.insert_one, dict(entry), retry=False)
            except mongo_errors.DuplicateKeyError:
                # A racing placement won: give the count back and agree on its pool.
                self._hold(pool, -1)
                continue
            except BaseException:
                self._hold(pool, -1)
                raise
            return pool
        raise errors.ServiceUnavailable(f"queue {queue} kept changing while placed")

    def update(self, project: str | None, queue: str, pool: str) -> None:
        key = {"p": stored_project(project), "q": queue}
        for _ in range(self._store.max_attempts):
            current = self._find(project, queue)
            if current is None:
                raise errors.QueueDoesNotExist(queue, project)
            if current == pool:
                if not self._pool_exists(pool):
                    raise errors.PoolDoesNotExist(pool)
                return
            if not self._hold(pool, 1):
                raise errors.PoolDoesNotExist(pool)
            moved = self._store.call(
                self._entries.update_one, {**key, "s": current}, {"$set": {"s": pool}}
            )
            if moved.matched_count:
                self._hold(current, -1)
                return
            self._hold(pool, -1)  # the entry changed meanwhile: look again
        raise errors.ServiceUnavailable(f"queue {queue} kept changing while moved")

    def _pool_exists(self, pool: str) -> bool:
        return self._store.call(self._pools.find_one, {"_id": pool}, {"_id": 1}) is not None

    def delete(self, project: str | None, queue: str) -> None:
        key = {"p": stored_project(project), "q": queue}
        found = self._store.call(self._entries.find_one_and_delete, key, retry=False)
        if found is not None:
            self._hold(str(found["s"]), -1)
            if found.get("m") is not None:  # it was moving: the target held it too
                self._hold(str(found["m"]), -1)

    def list(
        self, project: str | None, marker: str | None = None, limit: int = 10
    ) -> base.Page[tuple[str, str]]:
        if limit <= 0:
            return base.Page([], None)
        query: Document = {"p": stored_project(project)}
        if marker is not None:
            query["q"] = {"$gt": marker}
        found = self._store.find(
            self._entries, query, {"q": 1, "s": 1}, sort=[("q", 1)], limit=limit
        )
        items = [(str(doc["q"]), str(doc["s"])) for doc in found]
        return base.Page(items, items[-1][0] if items else None)

    def count(self, pool: str) -> int:
        found = self._store.call(self._pools.find_one, {"_id": pool}, {"h": 1})
        return 0 if found is None else int(found["h"])

    def project_count(self, project: str | None) -> int:
        query = {"p": stored_project(project)}
        return int(self._store.call(self._entries.count_documents, query))
