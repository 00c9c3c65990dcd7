"""Messages: one document each, made visible a whole batch at a time by the queue's watermark.

See ``driver`` for the posting protocol; this module carries it out.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

from pymongo import ReplaceOne, ReturnDocument
from pymongo import errors as mongo_errors
from pymongo.collection import Collection

from zaqar.core import documents, lifecycle
from zaqar.core.ids import is_id, new_id
from zaqar.storage import base, errors
from zaqar.storage.mongodb.queues import message_key, queue_key, watermark
from zaqar.storage.mongodb.store import Document, MessageLayout, Store

#: Seconds a poster holds a queue's posting lock before another poster may take it over. A
#: post takes a few round trips; this only matters when a poster died holding the lock (the
#: others wait this long, inside the server's request timeout) or took longer than this
#: (its commit then fails, fenced, and it answers 503).
POST_LEASE = 10.0

#: The fields a message is read with.
FIELDS = {"k": 1, "cr": 1, "t": 1, "b": 1, "c": 1, "cs": 1}

#: Markers are BSON 64-bit integers.
_MARKER_RANGE = range(-(2**63), 2**63)


def to_message(doc: Document, now: float) -> base.Message:
    claim = doc["c"]
    claim_id = claim.get("id")
    return base.Message(
        id=str(doc["_id"]),
        ttl=int(doc["t"]),
        age=lifecycle.age(float(doc["cr"]), now),
        body=documents.loads(doc["b"]),
        claim_id=claim_id,
        claim_count=int(claim.get("c", 0)),
        claimed=lifecycle.is_claimed(claim_id, float(claim.get("e", 0.0)), now),
        # ``cs``, the checksum posted with the message, is absent when it came without one.
        checksum=doc.get("cs"),
    )


def parse_marker(marker: str) -> int | None:
    """The marker as a BSON integer, or None when it cannot be one (it then matches nothing)."""
    try:
        value = int(marker)
    except ValueError:
        return None
    return value if value in _MARKER_RANGE else None


def free(now: float) -> Document:
    """Messages no live claim holds (a free message's claim expiry is 0 or past)."""
    return {"c.e": {"$lte": now}}


def undelayed(now: float) -> Document:
    """Messages whose delay has passed (``d``, until when a message is delayed, is absent on
    messages that never were)."""
    return {"d": {"$not": {"$gt": now}}}


def visible(name: str, project: str | None, committed: int, now: float) -> Document:
    """Committed, unexpired messages of the queue."""
    return {**message_key(name, project), "k": {"$lt": committed}, "e": {"$gt": now}}


def _only_duplicates(error: mongo_errors.BulkWriteError) -> None:
    """Return when every failure of a bulk insert is a duplicate key; raise otherwise."""
    details: Any = error.details or {}
    if details.get("writeConcernErrors"):
        raise errors.ServiceUnavailable("write concern not satisfied") from error
    codes = {failure.get("code") for failure in details.get("writeErrors", [])}
    if codes - {11000}:
        raise errors.StorageError(
            f"MongoDB refused a message: codes {sorted(map(str, codes))}"
        ) from error


class MessageController(base.MessageController):
    def __init__(self, store: Store, layout: MessageLayout) -> None:
        self._store = store
        self._layout = layout

    def list(
        self,
        queue: str,
        project: str | None = None,
        marker: str | None = None,
        limit: int = 10,
        echo: bool = False,
        client_uuid: str | None = None,
        include_claimed: bool = False,
        include_delayed: bool = False,
    ) -> base.Page[base.Message]:
        after = None
        if marker is not None:
            after = parse_marker(marker)
            if after is None:
                return base.Page([], None)
        if limit <= 0:
            return base.Page([], None)
        now = self._store.clock()
        committed = watermark(self._store, self._layout, queue, project)
        if committed is None:
            return base.Page([], None)
        query = visible(queue, project, committed, now)
        if after is not None:
            query["k"]["$gt"] = after
        if not echo and client_uuid is not None:
            query["u"] = {"$ne": client_uuid}
        if not include_claimed:
            query.update(free(now))
        if not include_delayed:
            query.update(undelayed(now))
        messages = self._layout.messages_of(project, queue)
        found = self._store.find(messages, query, FIELDS, sort=[("k", 1)], limit=limit)
        if not found:
            return base.Page([], None)
        return base.Page([to_message(doc, now) for doc in found], str(found[-1]["k"]))

    def get(self, queue: str, message_id: str, project: str | None = None) -> base.Message:
        found = self.bulk_get(queue, [message_id], project)
        if not found:
            raise errors.MessageDoesNotExist(message_id, queue, project)
        return found[0]

    def bulk_get(
        self, queue: str, message_ids: Sequence[str], project: str | None = None
    ) -> builtins.list[base.Message]:
        ids = list(dict.fromkeys(value for value in message_ids if is_id(value)))
        if not ids:
            return []
        committed = watermark(self._store, self._layout, queue, project)
        if committed is None:
            return []
        now = self._store.clock()
        # Below the watermark only: a batch whose post failed is never seen, even by id.
        query = {
            "_id": {"$in": ids},
            **message_key(queue, project),
            "k": {"$lt": committed},
            "e": {"$gt": now},
        }
        messages = self._layout.messages_of(project, queue)
        found = self._store.find(messages, query, FIELDS, sort=[("k", 1)])
        return [to_message(doc, now) for doc in found]

    def post(
        self,
        queue: str,
        messages: Sequence[base.NewMessage],
        client_uuid: str,
        project: str | None = None,
        ids: Sequence[str] | None = None,
    ) -> builtins.list[str]:
        # Bodies are serialised first: a batch that cannot be stored touches nothing.
        bodies = [documents.dumps(message.body) for message in messages]
        wanted = list(ids) if ids is not None else [new_id() for _ in messages]
        collection = self._layout.messages_of(project, queue)
        batch = list(zip(wanted, messages, bodies, strict=True))
        if ids is not None and batch:
            # Ids stored already (by an earlier try of the same post) are left out; one that
            # a concurrent try stores meanwhile is a duplicate key, which _insert skips.
            present = self._present(collection, wanted)
            batch = [entry for entry in batch if entry[0] not in present]
        if not batch:
            if watermark(self._store, self._layout, queue, project) is None:
                raise errors.QueueDoesNotExist(queue, project)
            return wanted
        now = self._store.clock()
        # From here on, the ids of the messages this post stores.
        ids = [message_id for message_id, _, _ in batch]
        token = new_id()
        try:
            first, subscribed = self._lock(queue, project, token)
        except errors.OutcomeUnknown as doubt:
            # Nothing of the batch was sent: at worst the lock is ours until its lease ends.
            raise errors.ServiceUnavailable(doubt.doubt) from doubt
        records = [
            {
                "_id": message_id,
                **message_key(queue, project),
                "k": first + offset,
                "cr": now,
                "t": message.ttl,
                "e": now + message.ttl,
                "x": self._store.purge_at(now + message.ttl, now),
                "u": client_uuid,
                "b": body,
                "c": {"id": None, "e": 0.0, "t": 0, "c": 0},
                **({"d": now + message.delay} if message.delay > 0 else {}),
                **({"cs": message.checksum} if message.checksum else {}),
            }
            for offset, (message_id, message, body) in enumerate(batch)
        ]
        try:
            self._insert(collection, records, queue, project, token, first)
            if subscribed:
                # Announced before the commit: the batch and its notifications appear together.
                self._announce(records, now)
            self._commit(collection, queue, project, token, ids, first)
        except errors.OutcomeUnknown as doubt:
            self._settle(collection, queue, project, token, ids, first, doubt)
        except BaseException:
            self._abandon(collection, queue, project, token, ids, first)
            raise
        return wanted

    def _settle(
        self,
        collection: Collection[Document],
        queue: str,
        project: str | None,
        token: str,
        ids: builtins.list[str],
        first: int,
        doubt: errors.OutcomeUnknown,
    ) -> builtins.list[str]:
        """After a write of a post got no answer: the ids when the batch is committed;
        ServiceUnavailable once its documents are removed, so that even a write the server
        applies late cannot show them; OutcomeUnknown, naming them, when neither can be
        found out."""
        try:
            if self._committed(collection, queue, project, ids, first):
                return ids
            # Not committed: removing our documents makes a commit that lands late (it
            # only moves the watermark) show nothing, and an insert that lands late leaves
            # invisible leftovers above the watermark, which the next poster clears.
            self._withdraw(collection, queue, project, token, ids, first, retry=True)
        except errors.QueueDoesNotExist:
            pass  # deleted meanwhile, and the batch with it
        except errors.StorageError as error:
            raise errors.OutcomeUnknown(doubt.doubt, ids) from error
        raise errors.ServiceUnavailable(f"{doubt.doubt} The batch was not stored.") from doubt

    def _announce(self, records: builtins.list[Document], now: float) -> None:
        """Write the batch's notifications to the outbox, replacing any a dead poster left
        at these markers."""
        writes = [
            ReplaceOne(
                {"p": record["p"], "q": record["q"], "k": record["k"]},
                {
                    "p": record["p"],
                    "q": record["q"],
                    "k": record["k"],
                    "i": record["_id"],
                    "t": record["t"],
                    "b": record["b"],
                    "cr": now,
                    "e": record["e"] + base.OUTBOX_GRACE,
                    "x": self._store.purge_at(record["e"] + base.OUTBOX_GRACE, now),
                },
                upsert=True,
            )
            for record in records
        ]
        self._store.call(self._layout.outbox.bulk_write, writes, ordered=True)

    def _lock(self, queue: str, project: str | None, token: str) -> tuple[int, bool]:
        """Take the queue's posting lock; returns the queue's next marker, and whether the
        queue has (or had) subscriptions, so that the post is announced."""
        queues = self._layout.queues
        for attempt in range(self._store.max_attempts):
            now = self._store.clock()
            # Free, lapsed, or already ours (this very call, repeated after a lost reply).
            query = {
                **queue_key(queue, project),
                "$or": [{"l": None}, {"l.e": {"$lte": now}}, {"l.id": token}],
            }
            update = {"$set": {"l": {"id": token, "e": now + POST_LEASE}}}
            found = self._store.call(
                queues.find_one_and_update,
                query,
                update,
                {"k": 1, "s": 1},
                return_document=ReturnDocument.AFTER,
            )
            if found is not None:
                return int(found["k"]), bool(found.get("s"))
            if watermark(self._store, self._layout, queue, project) is None:
                raise errors.QueueDoesNotExist(queue, project)
            self._store.backoff(attempt)
        raise errors.ServiceUnavailable(f"queue {queue} stayed locked by other posters")

    def _renew(self, queue: str, project: str | None, token: str) -> None:
        """Extend our posting lock's lease; ServiceUnavailable when it is ours no more."""
        lease = self._store.clock() + POST_LEASE
        held = self._store.call(
            self._layout.queues.update_one,
            {**queue_key(queue, project), "l.id": token},
            {"$set": {"l.e": lease}},
        )
        if not held.matched_count:
            raise errors.ServiceUnavailable(f"lost the posting lock of queue {queue}")

    def _insert(
        self,
        collection: Collection[Document],
        records: builtins.list[Document],
        queue: str,
        project: str | None,
        token: str,
        first: int,
    ) -> None:
        """Insert the batch at its markers, clearing leftovers of dead posters out of the way."""
        ids = [record["_id"] for record in records]
        pending = records
        for _ in range(self._store.max_attempts):
            try:
                self._store.call(collection.insert_many, pending, ordered=True)
                return
            except mongo_errors.DuplicateKeyError:
                pass
            except mongo_errors.BulkWriteError as error:
                _only_duplicates(error)
            # Our markers are taken: by our own documents (an insert repeated after a lost
            # reply), or by leftovers of a poster that died holding the lock. Everything at
            # or above the watermark is uncommitted and was never seen by anyone, so while we
            # hold the lock whatever there is not ours is garbage. Renewing the lease first
            # makes sure we still hold it: garbage to a poster that lost the lock is the
            # batch of the poster that took it over.
            self._renew(queue, project, token)
            garbage = {**message_key(queue, project), "k": {"$gte": first}, "_id": {"$nin": ids}}
            self._store.call(collection.delete_many, garbage)
            present = self._present(collection, ids)
            pending = [record for record in records if record["_id"] not in present]
            if not pending:
                return
        raise errors.ServiceUnavailable(f"could not store a batch in queue {queue}")

    def _present(self, collection: Collection[Document], ids: Sequence[str]) -> set[str]:
        """Which of ``ids`` the collection holds."""
        found = self._store.find(collection, {"_id": {"$in": list(ids)}}, {"_id": 1})
        return {doc["_id"] for doc in found}

    def _commit(
        self,
        collection: Collection[Document],
        queue: str,
        project: str | None,
        token: str,
        ids: builtins.list[str],
        first: int,
    ) -> None:
        """Advance the watermark past the batch and drop the lock, fenced on the lock id."""
        queues = self._layout.queues
        result = self._store.call(
            queues.update_one,
            {**queue_key(queue, project), "l.id": token},
            {"$set": {"k": first + len(ids)}, "$unset": {"l": ""}},
        )
        if result.matched_count:
            return
        # Either this update was applied and its reply lost (and repeated), or the lock was
        # taken over, or the queue was deleted.
        if self._committed(collection, queue, project, ids, first):
            return
        raise errors.ServiceUnavailable(f"lost the posting lock of queue {queue}")

    def _committed(
        self,
        collection: Collection[Document],
        queue: str,
        project: str | None,
        ids: builtins.list[str],
        first: int,
    ) -> bool:
        """Whether our batch is committed: below the watermark with our first message still at
        its marker (a poster that took the lock over would have deleted it, and one that
        deleted the queue would have purged it). QueueDoesNotExist when the queue is gone."""
        committed = watermark(self._store, self._layout, queue, project)
        if committed is None:
            raise errors.QueueDoesNotExist(queue, project)
        if committed <= first:
            return False
        mine = self._store.call(collection.find_one, {"_id": ids[0]}, {"k": 1})
        return mine is not None and mine["k"] == first

    def _withdraw(
        self,
        collection: Collection[Document],
        queue: str,
        project: str | None,
        token: str,
        ids: builtins.list[str],
        first: int,
        *,
        retry: bool,
        delete: bool = True,
    ) -> None:
        """Remove our uncommitted documents (unless ``delete`` is False) and free our lock."""
        if delete:
            self._store.call(
                collection.delete_many, {"_id": {"$in": ids}, "k": {"$gte": first}}, retry=retry
            )
        self._store.call(
            self._layout.queues.update_one,
            {**queue_key(queue, project), "l.id": token},
            {"$unset": {"l": ""}},
            retry=retry,
        )

    def _abandon(
        self,
        collection: Collection[Document],
        queue: str,
        project: str | None,
        token: str,
        ids: builtins.list[str],
        first: int,
    ) -> None:
        """Best effort after a failed post: remove our uncommitted messages, free the lock.

        Whatever this cannot do (the server is away) is harmless: the documents stay above
        the watermark, invisible, and the lock lapses after ``POST_LEASE`` seconds.
        """
        try:
            committed = watermark(self._store, self._layout, queue, project)
            # Past our first marker, the batch was committed after all (by us, the reply
            # lost) or taken over (our documents then went already): keep what is there.
            unseen = committed is None or committed <= first
            self._withdraw(
                collection, queue, project, token, ids, first, retry=False, delete=unseen
            )
        except errors.StorageError:
            pass

    def delete(
        self,
        queue: str,
        message_id: str,
        project: str | None = None,
        claim: str | None = None,
    ) -> None:
        if not is_id(message_id):
            return
        if claim is not None and not is_id(claim):
            raise errors.InvalidClaimId(claim)
        messages = self._layout.messages_of(project, queue)
        key = {"_id": message_id, **message_key(queue, project)}
        for _ in range(self._store.max_attempts):
            now = self._store.clock()
            found = self._store.call(messages.find_one, {**key, "e": {"$gt": now}}, {"c": 1})
            if found is None:
                return
            claim_id = found["c"].get("id")
            claim_expires = float(found["c"].get("e", 0.0))
            verdict = lifecycle.delete_verdict(claim_id, claim_expires, claim, now)
            if verdict is lifecycle.DeleteVerdict.CLAIMED:
                if claim is None:
                    raise errors.MessageIsClaimed(message_id)
                raise errors.MessageNotClaimedBy(message_id, claim)
            if verdict is lifecycle.DeleteVerdict.NOT_CLAIMED:
                raise errors.MessageNotClaimed(message_id)
            # Delete only if the claim the verdict was made on still holds the message.
            unchanged = {**key, "c.id": claim_id, "c.e": found["c"].get("e", 0.0)}
            result = self._store.call(messages.delete_one, unchanged)
            if result.deleted_count:
                return
        raise errors.ServiceUnavailable(f"message {message_id} kept changing while deleted")

    def bulk_delete(
        self, queue: str, message_ids: Sequence[str], project: str | None = None
    ) -> None:
        ids = [value for value in message_ids if is_id(value)]
        if not ids:
            return
        messages = self._layout.messages_of(project, queue)
        query = {"_id": {"$in": ids}, **message_key(queue, project)}
        self._store.call(messages.delete_many, query)

    def pop(
        self, queue: str, limit: int, project: str | None = None
    ) -> builtins.list[base.Message]:
        now = self._store.clock()
        committed = watermark(self._store, self._layout, queue, project)
        if committed is None:
            return []
        messages = self._layout.messages_of(project, queue)
        query = {**visible(queue, project, committed, now), **free(now), **undelayed(now)}
        popped: builtins.list[base.Message] = []
        while len(popped) < limit:
            # One message per call: each is atomic, so two poppers never get the same one.
            # Not repeated after a lost reply, which could drop a message nobody received;
            # pymongo's own retry of this retryable write is deduplicated by the server.
            found = self._store.call(
                messages.find_one_and_delete, query, FIELDS, sort=[("k", 1)], retry=False
            )
            if found is None:
                break
            popped.append(to_message(found, now))
        return popped
