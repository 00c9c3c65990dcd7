"""Queues: one document each, holding metadata, the marker watermark and the posting lock;
and their subscriptions (API v2), one document each (layout in ``driver``)."""

from __future__ import annotations

from typing import Any

from pymongo import ReturnDocument
from pymongo import errors as mongo_errors

from zaqar.core import documents, lifecycle
from zaqar.core.ids import is_id, new_id
from zaqar.storage import base, errors, updates
from zaqar.storage.mongodb.store import Document, MessageLayout, Store, stored_project


def queue_key(name: str, project: str | None) -> Document:
    return {"p": stored_project(project), "n": name}


def message_key(name: str, project: str | None) -> Document:
    return {"p": stored_project(project), "q": name}


def watermark(store: Store, layout: MessageLayout, name: str, project: str | None) -> int | None:
    """The queue's next marker: messages below it are committed. None for a missing queue."""
    found = store.call(layout.queues.find_one, queue_key(name, project), {"k": 1})
    return None if found is None else int(found["k"])


class QueueController(base.QueueController):
    def __init__(self, store: Store, layout: MessageLayout) -> None:
        self._store = store
        self._layout = layout

    def list(
        self,
        project: str | None = None,
        marker: str | None = None,
        limit: int = 10,
        detailed: bool = False,
    ) -> base.Page[base.Queue]:
        if limit <= 0:
            return base.Page([], None)
        query: Document = {"p": stored_project(project)}
        if marker is not None:
            query["n"] = {"$gt": marker}
        fields = {"n": 1, "m": 1} if detailed else {"n": 1}
        found = self._store.find(self._layout.queues, query, fields, sort=[("n", 1)], limit=limit)
        items = [
            base.Queue(doc["n"], documents.loads(doc["m"]) if detailed else None) for doc in found
        ]
        return base.Page(items, items[-1].name if items else None)

    def create(
        self, name: str, project: str | None = None, metadata: dict[str, Any] | None = None
    ) -> bool:
        record = {
            **queue_key(name, project),
            "m": documents.dumps(metadata or {}),
            "cr": self._store.clock(),
            "k": 1,
        }
        # Subscriptions may come first (lazy queues): then the queue announces its posts.
        if self._store.call(
            self._layout.subscriptions.find_one, message_key(name, project), {"_id": 1}
        ):
            record["s"] = True
        try:
            # Not repeated after a lost connection: a second insert would report "exists".
            self._store.call(self._layout.queues.insert_one, record, retry=False)
        except mongo_errors.DuplicateKeyError:
            return False
        return True

    def exists(self, name: str, project: str | None = None) -> bool:
        return watermark(self._store, self._layout, name, project) is not None

    def get_metadata(self, name: str, project: str | None = None) -> dict[str, Any]:
        found = self._store.call(self._layout.queues.find_one, queue_key(name, project), {"m": 1})
        if found is None:
            raise errors.QueueDoesNotExist(name, project)
        metadata: dict[str, Any] = documents.loads(found["m"])
        return metadata

    def set_metadata(self, name: str, metadata: dict[str, Any], project: str | None = None) -> None:
        text = documents.dumps(metadata)
        result = self._store.call(
            self._layout.queues.update_one, queue_key(name, project), {"$set": {"m": text}}
        )
        if result.matched_count == 0:
            raise errors.QueueDoesNotExist(name, project)

    def count(self, project: str | None = None) -> int:
        query = {"p": stored_project(project)}
        return int(self._store.call(self._layout.queues.count_documents, query))

    def update_metadata(
        self, name: str, change: updates.Change, project: str | None = None
    ) -> dict[str, Any]:
        key = queue_key(name, project)

        def read() -> str:
            found = self._store.call(self._layout.queues.find_one, key, {"m": 1})
            if found is None:
                raise errors.QueueDoesNotExist(name, project)
            return str(found["m"])

        def swap(old: str, new: str) -> bool:
            # Not repeated after a lost reply: it would find the text changed (by itself)
            # and the change would be made twice; the outcome is unknown instead (504).
            result = self._store.call(
                self._layout.queues.update_one,
                {**key, "m": old},
                {"$set": {"m": new}},
                retry=False,
            )
            return bool(result.matched_count)

        return updates.update_by_swap(name, read, swap, change)

    def delete(self, name: str, project: str | None = None) -> None:
        messages = self._layout.messages_of(project, name)
        key = message_key(name, project)
        # Messages first: purging after the queue document went could hit the messages of a
        # queue created again under this name meanwhile. A post that commits between the two
        # steps leaves messages behind, but never visible ones: a queue created again starts
        # its markers at 1, and the first post whose markers reach a leftover collides with
        # it in the unique index and deletes it (see ``messages``); expiry takes the rest.
        self._store.call(messages.delete_many, key)
        # Subscriptions may exist without their queue (lazy queues); they go in any case.
        forget_subscriptions(self._store, self._layout, key)
        self._store.call(self._layout.outbox.delete_many, key)
        self._store.call(self._layout.queues.delete_one, queue_key(name, project))

    def stats(self, name: str, project: str | None = None) -> base.QueueStats:
        now = self._store.clock()
        committed = watermark(self._store, self._layout, name, project)
        if committed is None:
            raise errors.QueueDoesNotExist(name, project)
        messages = self._layout.messages_of(project, name)
        live = {**message_key(name, project), "k": {"$lt": committed}, "e": {"$gt": now}}
        claimed_filter = {**live, "c.e": {"$gt": now}}
        total = self._store.call(messages.count_documents, live)
        claimed = self._store.call(messages.count_documents, claimed_filter)
        oldest = newest = None
        if total:
            oldest = self._stamp(messages, live, 1, now)
            newest = self._stamp(messages, live, -1, now)
        return base.QueueStats(free=total - claimed, claimed=claimed, oldest=oldest, newest=newest)

    def _stamp(
        self, messages: Any, live: Document, direction: int, now: float
    ) -> base.MessageStamp | None:
        found = self._store.call(messages.find_one, live, {"cr": 1}, sort=[("k", direction)])
        if found is None:  # gone since it was counted
            return None
        created = float(found["cr"])
        return base.MessageStamp(str(found["_id"]), lifecycle.age(created, now), created)


# -- subscriptions ---------------------------------------------------------------------------

#: The fields a subscription is read with.
SUBSCRIPTION_FIELDS = {"q": 1, "u": 1, "t": 1, "cr": 1, "o": 1, "c": 1, "sk": 1}


def to_subscription(doc: Document, now: float) -> base.Subscription:
    return base.Subscription(
        id=str(doc["_id"]),
        queue=str(doc["q"]),
        subscriber=str(doc["u"]),
        ttl=int(doc["t"]),
        age=lifecycle.age(float(doc["cr"]), now),
        options=documents.loads(doc["o"]),
        confirmed=bool(doc["c"]),
        secret=doc.get("sk"),
    )


class SubscriptionController(base.SubscriptionController):
    """The unique index on (project, queue, subscriber) keeps one subscription per
    subscriber and queue; an expired one that would clash is deleted before its successor
    is written, so the index only ever refuses a live clash."""

    def __init__(self, store: Store, layout: MessageLayout) -> None:
        self._store = store
        self._layout = layout

    def _live(self, queue: str, project: str | None, now: float, **fields: Any) -> Document:
        return {**message_key(queue, project), **fields, "e": {"$gt": now}}

    def list(
        self, queue: str, project: str | None, marker: str | None = None, limit: int = 10
    ) -> base.Page[base.Subscription]:
        if limit <= 0 or (marker is not None and not is_id(marker)):
            return base.Page([], None)
        now = self._store.clock()
        query = self._live(queue, project, now)
        if marker is not None:
            query["_id"] = {"$gt": marker}
        found = self._store.find(
            self._layout.subscriptions,
            query,
            SUBSCRIPTION_FIELDS,
            sort=[("_id", 1)],
            limit=limit,
        )
        items = [to_subscription(doc, now) for doc in found]
        return base.Page(items, items[-1].id if items else None)

    def get(self, queue: str, subscription_id: str, project: str | None) -> base.Subscription:
        if is_id(subscription_id):
            now = self._store.clock()
            found = self._store.call(
                self._layout.subscriptions.find_one,
                self._live(queue, project, now, _id=subscription_id),
                SUBSCRIPTION_FIELDS,
            )
            if found is not None:
                return to_subscription(found, now)
        raise errors.SubscriptionDoesNotExist(subscription_id)

    def get_with_subscriber(
        self, queue: str, subscriber: str, project: str | None
    ) -> base.Subscription | None:
        now = self._store.clock()
        found = self._store.call(
            self._layout.subscriptions.find_one,
            self._live(queue, project, now, u=subscriber),
            SUBSCRIPTION_FIELDS,
        )
        return None if found is None else to_subscription(found, now)

    def _clear_expired(self, queue: str, project: str | None, subscriber: str, now: float) -> None:
        self._store.call(
            self._layout.subscriptions.delete_one,
            {**message_key(queue, project), "u": subscriber, "e": {"$lte": now}},
        )

    def create(
        self,
        queue: str,
        subscriber: str,
        ttl: int,
        options: dict[str, Any],
        project: str | None,
        *,
        secret: str | None = None,
    ) -> str | None:
        now = self._store.clock()
        subscription_id = new_id()
        self._clear_expired(queue, project, subscriber, now)
        # The queue announces its posts from now on (the flag stays: clearing it could race
        # with another subscribe), and the subscription's cursor starts at its last marker.
        found = self._store.call(
            self._layout.queues.find_one_and_update,
            queue_key(queue, project),
            {"$set": {"s": True}},
            {"k": 1},
            return_document=ReturnDocument.AFTER,
        )
        record = {
            "_id": subscription_id,
            **message_key(queue, project),
            "u": subscriber,
            "t": ttl,
            "cr": now,
            "e": now + ttl,
            "x": self._store.purge_at(now + ttl, now),
            "o": documents.dumps(options),
            "c": False,
            "k": 0 if found is None else int(found["k"]) - 1,
            **({"sk": secret} if secret else {}),
        }
        try:
            # Not repeated after a lost connection: a second insert would meet the first.
            self._store.call(self._layout.subscriptions.insert_one, record, retry=False)
        except mongo_errors.DuplicateKeyError:
            return None
        return subscription_id

    def update(
        self,
        queue: str,
        subscription_id: str,
        project: str | None,
        *,
        subscriber: str | None = None,
        ttl: int | None = None,
        options: dict[str, Any] | None = None,
    ) -> None:
        if not is_id(subscription_id):
            raise errors.SubscriptionDoesNotExist(subscription_id)
        now = self._store.clock()
        fields: Document = {}
        if subscriber is not None:
            fields["u"] = subscriber
            self._clear_expired(queue, project, subscriber, now)
        if ttl is not None:
            fields.update(t=ttl, e=now + ttl, x=self._store.purge_at(now + ttl, now))
        if options is not None:
            fields["o"] = documents.dumps(options)
        live = self._live(queue, project, now, _id=subscription_id)
        collection = self._layout.subscriptions
        if not fields:
            if self._store.call(collection.count_documents, live) == 0:
                raise errors.SubscriptionDoesNotExist(subscription_id)
            return
        try:
            result = self._store.call(collection.update_one, live, {"$set": fields})
        except mongo_errors.DuplicateKeyError as error:
            assert subscriber is not None
            raise errors.SubscriptionAlreadyExists(subscriber, queue, project) from error
        if result.matched_count == 0:
            raise errors.SubscriptionDoesNotExist(subscription_id)

    def confirm(
        self, queue: str, subscription_id: str, project: str | None, confirmed: bool
    ) -> None:
        if is_id(subscription_id):
            result = self._store.call(
                self._layout.subscriptions.update_one,
                self._live(queue, project, self._store.clock(), _id=subscription_id),
                {"$set": {"c": confirmed}},
            )
            if result.matched_count:
                return
        raise errors.SubscriptionDoesNotExist(subscription_id)

    def delete(self, queue: str, subscription_id: str, project: str | None) -> None:
        if is_id(subscription_id):
            forget_subscriptions(
                self._store, self._layout, {**message_key(queue, project), "_id": subscription_id}
            )

    def delete_all(self, queue: str, project: str | None) -> None:
        key = message_key(queue, project)
        forget_subscriptions(self._store, self._layout, key)
        self._store.call(self._layout.outbox.delete_many, key)


def forget_subscriptions(store: Store, layout: MessageLayout, chosen: Document) -> None:
    """Delete the ``chosen`` subscriptions with their delivery logs and dead letters."""
    ids = [doc["_id"] for doc in store.find(layout.subscriptions, chosen, {"_id": 1})]
    if ids:
        for collection in (layout.delivery_log, layout.dead_letters):
            store.call(collection.delete_many, {"s": {"$in": ids}})
    store.call(layout.subscriptions.delete_many, chosen)
