"""Push delivery's state: each subscription's cursor (``k``) and lease (``lo``, ``lu``) in
its document, the queues' outbox, the delivery log and the dead letters (layout in
``driver``).

The outbox is written by a post between inserting its batch and committing it, so only
notifications below the queue's watermark are read: those of committed batches. A poster
that dies may leave notifications above the watermark; the next post at those markers
replaces them (a queue, once subscribed, announces every post), and until then nobody reads
them.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from pymongo import ReturnDocument

from zaqar.core import documents
from zaqar.core.ids import is_id
from zaqar.storage import base
from zaqar.storage.mongodb.queues import message_key, watermark
from zaqar.storage.mongodb.store import Document, MessageLayout, Store


class DeliveryController(base.DeliveryController):
    def __init__(self, store: Store, layout: MessageLayout) -> None:
        self._store = store
        self._layout = layout

    def subscribed(
        self, marker: str | None = None, limit: int = 100
    ) -> base.Page[tuple[str | None, str]]:
        # The marker is "<project>/<queue>"; queue names never hold a slash.
        match: Document = {}
        if marker is not None:
            project, _, queue = marker.rpartition("/")
            match = {"$or": [{"p": {"$gt": project}}, {"p": project, "q": {"$gt": queue}}]}
        pipeline: list[Document] = [
            {"$match": match},
            {"$group": {"_id": {"p": "$p", "q": "$q"}}},
            {"$sort": {"_id.p": 1, "_id.q": 1}},
            {"$limit": limit},
        ]
        found = self._store.call(lambda: list(self._layout.subscriptions.aggregate(pipeline)))
        pairs = [(str(doc["_id"]["p"]), str(doc["_id"]["q"])) for doc in found]
        last = f"{pairs[-1][0]}/{pairs[-1][1]}" if len(pairs) == limit else None
        return base.Page([(project or None, queue) for project, queue in pairs], last)

    def _subscription(self, queue: str, project: str | None, subscription_id: str) -> Document:
        return {**message_key(queue, project), "_id": subscription_id}

    def acquire(
        self, queue: str, project: str | None, subscription_id: str, owner: str, seconds: float
    ) -> int | None:
        if not is_id(subscription_id):
            return None
        now = self._store.clock()
        query = {
            **self._subscription(queue, project, subscription_id),
            "e": {"$gt": now},
            "$or": [{"lo": None}, {"lo": owner}, {"lu": {"$lte": now}}],
        }
        found = self._store.call(
            self._layout.subscriptions.find_one_and_update,
            query,
            {"$set": {"lo": owner, "lu": now + seconds}},
            {"k": 1},
            return_document=ReturnDocument.AFTER,
        )
        if found is None:
            return None
        if "k" not in found:
            # Moved here from another pool: it starts from the queue's last marker.
            cursor = (watermark(self._store, self._layout, queue, project) or 1) - 1
            self._store.call(
                self._layout.subscriptions.update_one,
                {"_id": subscription_id, "k": {"$exists": False}},
                {"$set": {"k": cursor}},
            )
            return cursor
        return int(found["k"])

    def backlog(
        self, queue: str, project: str | None, after: int, limit: int
    ) -> builtins.list[base.Notification]:
        committed = watermark(self._store, self._layout, queue, project)
        if committed is None or limit <= 0:
            return []
        query = {**message_key(queue, project), "k": {"$gt": after, "$lt": committed}}
        found = self._store.find(self._layout.outbox, query, sort=[("k", 1)], limit=limit)
        return [
            base.Notification(
                marker=int(doc["k"]),
                message_id=str(doc["i"]),
                ttl=int(doc["t"]),
                body=documents.loads(doc["b"]),
                posted=float(doc["cr"]),
            )
            for doc in found
        ]

    def checkpoint(
        self,
        queue: str,
        project: str | None,
        subscription_id: str,
        owner: str,
        *,
        cursor: int,
        attempts: Sequence[base.Attempt] = (),
        dead: Sequence[base.DeadLetter] = (),
        replayed: Sequence[int] = (),
    ) -> bool:
        if not is_id(subscription_id):
            return False
        now = self._store.clock()
        held = self._store.call(
            self._layout.subscriptions.find_one_and_update,
            {**self._subscription(queue, project, subscription_id), "lo": owner},
            {"$max": {"k": cursor}},
            {"e": 1},
            return_document=ReturnDocument.AFTER,
        )
        if held is None:
            return False
        key = {"s": subscription_id, **message_key(queue, project)}
        purge = self._store.purge_at(float(held["e"]), now)
        if attempts:
            log = self._layout.delivery_log
            # Oldest first, so that insertion order (``_id``) is the log's order.
            self._store.call(
                log.insert_many, [{**key, **asdict(one), "x": purge} for one in attempts]
            )
            kept = self._store.find(
                log,
                {"s": subscription_id},
                {"_id": 1},
                sort=[("_id", -1)],
                skip=base.LOG_LENGTH - 1,
                limit=1,
            )
            if kept:
                self._store.call(
                    log.delete_many, {"s": subscription_id, "_id": {"$lt": kept[0]["_id"]}}
                )
        if replayed:
            self._store.call(
                self._layout.dead_letters.delete_many,
                {"_id": {"$in": [f"{subscription_id}/{marker}" for marker in replayed]}},
            )
        for letter in dead:
            # Given up (again) now: no longer to be replayed.
            record = {**key, **asdict(letter), "m": letter.marker, "x": purge, "replay": False}
            record["body"] = documents.dumps(letter.body)
            self._store.call(
                self._layout.dead_letters.replace_one,
                {"_id": f"{subscription_id}/{letter.marker}"},
                record,
                upsert=True,
            )
        self._trim_outbox(queue, project, now)
        return True

    def _trim_outbox(self, queue: str, project: str | None, now: float) -> None:
        """Drop the notifications every live subscription of the queue has passed."""
        lowest = self._store.find(
            self._layout.subscriptions,
            {**message_key(queue, project), "e": {"$gt": now}},
            {"k": 1},
            sort=[("k", 1)],
            limit=1,
        )
        if lowest and "k" in lowest[0]:
            self._store.call(
                self._layout.outbox.delete_many,
                {**message_key(queue, project), "k": {"$lte": int(lowest[0]["k"])}},
            )

    def release(self, queue: str, project: str | None, subscription_id: str, owner: str) -> None:
        if is_id(subscription_id):
            self._store.call(
                self._layout.subscriptions.update_one,
                {**self._subscription(queue, project, subscription_id), "lo": owner},
                {"$unset": {"lo": "", "lu": ""}},
            )

    def attempts(
        self, queue: str, project: str | None, subscription_id: str, limit: int = 20
    ) -> builtins.list[base.Attempt]:
        if not is_id(subscription_id) or limit <= 0:
            return []
        found = self._store.find(
            self._layout.delivery_log,
            {"s": subscription_id, **message_key(queue, project)},
            sort=[("_id", -1)],
            limit=limit,
        )
        return [base.Attempt(**_fields(doc, base.Attempt)) for doc in found]

    def dead_letters(
        self,
        queue: str,
        project: str | None,
        subscription_id: str,
        marker: int | None = None,
        limit: int = 20,
    ) -> base.Page[base.DeadLetter]:
        if not is_id(subscription_id) or limit <= 0:
            return base.Page([], None)
        query: Document = {"s": subscription_id, **message_key(queue, project)}
        if marker is not None:
            query["m"] = {"$gt": marker}
        found = self._store.find(self._layout.dead_letters, query, sort=[("m", 1)], limit=limit)
        items = [_dead_letter(doc) for doc in found]
        return base.Page(items, str(items[-1].marker) if items else None)

    def replay(
        self,
        queue: str,
        project: str | None,
        subscription_id: str,
        message_ids: Sequence[str] | None = None,
    ) -> int:
        if not is_id(subscription_id) or message_ids == []:
            return 0
        chosen = self._subscription(queue, project, subscription_id)
        if not self._store.find(self._layout.subscriptions, chosen, {"_id": 1}, limit=1):
            return 0
        query: Document = {"s": subscription_id, **message_key(queue, project)}
        if message_ids is not None:
            query["message_id"] = {"$in": list(message_ids)}
        done = self._store.call(
            self._layout.dead_letters.update_many, query, {"$set": {"replay": True}}
        )
        return int(done.matched_count)

    def replays(
        self, queue: str, project: str | None, subscription_id: str, limit: int
    ) -> builtins.list[base.DeadLetter]:
        if not is_id(subscription_id) or limit <= 0:
            return []
        query = {"s": subscription_id, **message_key(queue, project), "replay": True}
        found = self._store.find(self._layout.dead_letters, query, sort=[("m", 1)], limit=limit)
        return [_dead_letter(doc) for doc in found]


def _dead_letter(doc: Document) -> base.DeadLetter:
    fields = {name: doc[name] for name in base.DeadLetter.__dataclass_fields__ if name in doc}
    fields["body"] = documents.loads(fields["body"])
    return base.DeadLetter(**fields)


def _fields(doc: Document, kind: Any) -> dict[str, Any]:
    """The dataclass ``kind``'s fields out of a stored document."""
    return {name: doc[name] for name in kind.__dataclass_fields__}
