"""Copying a whole queue out of, and into, the MongoDB store (moving queues between pools).

No multi-document transaction is used: a queue is moved while its writes are paused
(``zaqar.storage.pooling.migration``), and an import that fails half-way is simply run again,
since it first removes whatever copy of the queue is there.
"""

from __future__ import annotations

from zaqar.core import documents
from zaqar.storage import base, errors
from zaqar.storage.mongodb.messages import visible
from zaqar.storage.mongodb.queues import message_key, queue_key
from zaqar.storage.mongodb.store import Document, MessageLayout, Store

#: Documents inserted per call when a queue is imported.
IMPORT_BATCH = 500


def export_queue(
    store: Store, layout: MessageLayout, name: str, project: str | None
) -> base.QueueDump:
    now = store.clock()
    found = store.call(layout.queues.find_one, queue_key(name, project))
    if found is None:
        raise errors.QueueDoesNotExist(name, project)
    committed = int(found["k"])
    messages = store.find(
        layout.messages_of(project, name), visible(name, project, committed, now), sort=[("k", 1)]
    )
    subscriptions = store.find(
        layout.subscriptions,
        {**message_key(name, project), "e": {"$gt": now}},
        sort=[("_id", 1)],
    )
    return base.QueueDump(
        metadata=documents.loads(found["m"]),
        created=float(found["cr"]),
        next_marker=committed,
        messages=[_stored(doc) for doc in messages],
        subscriptions=[
            base.StoredSubscription(
                id=str(doc["_id"]),
                subscriber=str(doc["u"]),
                ttl=int(doc["t"]),
                created=float(doc["cr"]),
                expires=float(doc["e"]),
                options=str(doc["o"]),
                confirmed=bool(doc["c"]),
                secret=doc.get("sk"),
            )
            for doc in subscriptions
        ],
    )


def _stored(doc: Document) -> base.StoredMessage:
    claim = doc["c"]
    claimed = claim.get("id") is not None
    return base.StoredMessage(
        id=str(doc["_id"]),
        marker=int(doc["k"]),
        client_uuid=str(doc["u"]),
        ttl=int(doc["t"]),
        created=float(doc["cr"]),
        expires=float(doc["e"]),
        body=str(doc["b"]),
        claim_id=claim.get("id"),
        claim_expires=float(claim["e"]) if claimed else None,
        claim_ttl=int(claim["t"]) if claimed else None,
        claim_count=int(claim.get("c", 0)),
        delay_until=float(doc.get("d", 0.0)),
        checksum=doc.get("cs"),
    )


def import_queue(
    store: Store, layout: MessageLayout, name: str, project: str | None, dump: base.QueueDump
) -> None:
    now = store.clock()
    collection = layout.messages_of(project, name)
    # Messages first, then the queue: a copy left half-way has no queue, so it is never
    # served, and the next import starts by removing it.
    store.call(collection.delete_many, message_key(name, project))
    store.call(layout.subscriptions.delete_many, message_key(name, project))
    store.call(layout.queues.delete_one, queue_key(name, project))
    records = [
        {
            "_id": message.id,
            **message_key(name, project),
            "k": message.marker,
            "cr": message.created,
            "t": message.ttl,
            "e": message.expires,
            "x": store.purge_at(message.expires, now),
            "u": message.client_uuid,
            "b": message.body,
            "c": {
                "id": message.claim_id,
                "e": message.claim_expires or 0.0,
                "t": message.claim_ttl or 0,
                "c": message.claim_count,
            },
            **({"d": message.delay_until} if message.delay_until else {}),
            **({"cs": message.checksum} if message.checksum else {}),
        }
        for message in dump.messages
    ]
    for start in range(0, len(records), IMPORT_BATCH):
        store.call(collection.insert_many, records[start : start + IMPORT_BATCH], ordered=True)
    subscribed = [
        {
            "_id": subscription.id,
            **message_key(name, project),
            "u": subscription.subscriber,
            "t": subscription.ttl,
            "cr": subscription.created,
            "e": subscription.expires,
            "x": store.purge_at(subscription.expires, now),
            "o": subscription.options,
            "c": subscription.confirmed,
            **({"sk": subscription.secret} if subscription.secret else {}),
        }
        for subscription in dump.subscriptions
    ]
    if subscribed:
        store.call(layout.subscriptions.insert_many, subscribed, ordered=True)
    store.call(
        layout.queues.insert_one,
        {
            **queue_key(name, project),
            "m": documents.dumps(dump.metadata),
            "cr": dump.created,
            "k": dump.next_marker,
        },
    )
