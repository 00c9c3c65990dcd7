"""Copying a whole queue out of, and into, the Redis store (moving queues between pools).

Both run while the pooled driver lets no one write to the queue (the catalogue marks it as
moving), so they read and write in batches rather than in one script: a queue of any size
never blocks the server for long. The import writes the queue's hash last, so a copy cut
short never looks like a queue, and starts by deleting any earlier partial copy.
"""

from __future__ import annotations

from typing import Any

from zaqar.core import documents
from zaqar.storage import base, errors
from zaqar.storage.redis import scripts
from zaqar.storage.redis.store import EXPIRY_MARGIN, QueueKeys, Store, ms

#: Messages read or written per round trip.
BATCH = 500


def export_queue(store: Store, name: str, project: str | None) -> base.QueueDump:
    now = store.clock()
    keys = store.queue_keys(name, project)
    with store.talking() as client:
        queue: dict[str, str] = client.hgetall(keys.queue)  # type: ignore[assignment]
        if not queue:
            raise errors.QueueDoesNotExist(name, project)
        ids: list[str] = client.zrange(keys.markers, 0, -1)  # type: ignore[assignment]
        messages: list[base.StoredMessage] = []
        for start in range(0, len(ids), BATCH):
            with client.pipeline(transaction=False) as pipe:
                for message_id in ids[start : start + BATCH]:
                    pipe.hmget(keys.message(message_id), list(scripts.FIELDS))
                replies = pipe.execute()
            for values in replies:
                record = dict(zip(scripts.FIELDS, values, strict=True))
                if record["id"] is None or float(record["e"]) <= now:
                    continue
                messages.append(
                    base.StoredMessage(
                        id=record["id"],
                        marker=int(record["k"]),
                        client_uuid=record["u"],
                        ttl=int(record["t"]),
                        created=float(record["cr"]),
                        expires=float(record["e"]),
                        body=record["b"],
                        claim_id=record["c"],
                        claim_expires=None if record["ce"] is None else float(record["ce"]),
                        claim_ttl=None if record["ct"] is None else int(record["ct"]),
                        claim_count=int(record["cc"] or 0),
                        delay_until=float(record["d"] or 0.0),
                        checksum=record["cs"],
                    )
                )
        subscriptions = _export_subscriptions(client, keys, now)
    return base.QueueDump(
        metadata=documents.loads(queue["m"]),
        created=float(queue["cr"]),
        next_marker=int(queue["n"]) + 1,
        messages=messages,
        subscriptions=subscriptions,
    )


def _export_subscriptions(
    client: Any, keys: QueueKeys, now: float
) -> list[base.StoredSubscription]:
    ids: list[str] = client.zrange(keys.subscription_ids, 0, -1)
    found: list[base.StoredSubscription] = []
    for start in range(0, len(ids), BATCH):
        with client.pipeline(transaction=False) as pipe:
            for subscription_id in ids[start : start + BATCH]:
                pipe.hmget(keys.subscription(subscription_id), list(scripts.SUBSCRIPTION_FIELDS))
            replies = pipe.execute()
        for values in replies:
            record = dict(zip(scripts.SUBSCRIPTION_FIELDS, values, strict=True))
            if record["id"] is None or float(record["e"]) <= now:
                continue
            found.append(
                base.StoredSubscription(
                    id=record["id"],
                    subscriber=record["u"],
                    ttl=int(record["t"]),
                    created=float(record["cr"]),
                    expires=float(record["e"]),
                    options=record["o"],
                    confirmed=record["c"] == "1",
                    secret=record["sk"] or None,
                )
            )
    return found


def import_queue(store: Store, name: str, project: str | None, dump: base.QueueDump) -> None:
    now = store.clock()
    keys = store.queue_keys(name, project)
    try:
        # Subscriptions too: the dump's replace whatever the queue had here.
        store.delete_queue(keys, now, "An earlier partial copy may remain.")
    except errors.OutcomeUnknown as error:
        # The move fails and the queue stays on its pool, which is all a client can see.
        raise errors.ServiceUnavailable("the target pool did not answer") from error
    # Each claim's index lives as long as the longest-lived of its messages needs it.
    claim_ends: dict[str, float] = {}
    with store.talking() as client:
        for start in range(0, len(dump.messages), BATCH):
            with client.pipeline(transaction=False) as pipe:
                for message in dump.messages[start : start + BATCH]:
                    _write_message(pipe, keys, message, now, ms)
                    if message.claim_id is not None and message.claim_expires is not None:
                        if message.claim_expires > now:
                            end = max(message.claim_expires, message.expires)
                            claim_ends[message.claim_id] = max(
                                claim_ends.get(message.claim_id, end), end
                            )
                pipe.execute()
        # Before the queue's hash, which comes last.
        _import_subscriptions(client, store.subscribed, keys, dump.subscriptions, now)
        with client.pipeline(transaction=False) as pipe:
            for claim_id, end in claim_ends.items():
                pipe.pexpire(keys.claim_prefix + claim_id, ms(end - now))
                pipe.zadd(keys.claims, {claim_id: end + EXPIRY_MARGIN})
            pipe.hset(
                keys.queue,
                mapping={
                    "m": documents.dumps(dump.metadata),
                    "cr": repr(dump.created),
                    "n": dump.next_marker - 1,
                },
            )
            pipe.execute()
        # The indexes live in other slots, as when a queue is created.
        client.zadd(keys.project_index, {name: 0})
        client.sadd(store.all_queues, keys.member)


def _import_subscriptions(
    client: Any,
    subscribed: str,
    keys: QueueKeys,
    subscriptions: list[base.StoredSubscription],
    now: float,
) -> None:
    """Write the subscriptions as ``scripts.CREATE_SUBSCRIPTION`` does, with their own ids,
    times and state; the indexes live as long as the longest-lived needs them."""
    live = [subscription for subscription in subscriptions if subscription.expires > now]
    if not live:
        return
    # Listed for the notifiers first, as a create does (their cursors start afresh here).
    client.hincrby(subscribed, keys.member, 1)
    with client.pipeline(transaction=False) as pipe:
        for subscription in live:
            key = keys.subscription(subscription.id)
            pipe.hset(
                key,
                mapping={
                    "id": subscription.id,
                    "u": subscription.subscriber,
                    "t": subscription.ttl,
                    "cr": repr(subscription.created),
                    "e": repr(subscription.expires),
                    "o": subscription.options,
                    "c": "1" if subscription.confirmed else "0",
                    **({"sk": subscription.secret} if subscription.secret else {}),
                },
            )
            pipe.pexpire(key, ms(subscription.expires - now))
            pipe.zadd(keys.subscription_ids, {subscription.id: 0})
            pipe.zadd(keys.subscription_expiries, {subscription.id: subscription.expires})
            pipe.hset(keys.subscribers, subscription.subscriber, subscription.id)
        longest = ms(max(subscription.expires for subscription in live) - now)
        for index in keys.subscription_keys:
            pipe.pexpire(index, longest)
        pipe.execute()


def _write_message(pipe: Any, keys: Any, message: base.StoredMessage, now: float, ms: Any) -> None:
    key = keys.message(message.id)
    fields: dict[str, Any] = {
        "id": message.id,
        "k": message.marker,
        "t": message.ttl,
        "cr": repr(message.created),
        "e": repr(message.expires),
        "u": message.client_uuid,
        "b": message.body,
        "cc": message.claim_count,
    }
    if message.delay_until:
        fields["d"] = repr(message.delay_until)
    if message.checksum:
        fields["cs"] = message.checksum
    live_claim = (
        message.claim_id is not None
        and message.claim_expires is not None
        and message.claim_expires > now
    )
    if message.claim_id is not None and message.claim_expires is not None:
        # An expired claim stays on the message, as the claim scripts leave it.
        fields["c"] = message.claim_id
        fields["ce"] = repr(message.claim_expires)
        if message.claim_ttl is not None:
            fields["ct"] = message.claim_ttl
    pipe.hset(key, mapping=fields)
    pipe.pexpire(key, ms(message.expires - now))
    pipe.zadd(keys.markers, {message.id: message.marker})
    pipe.zadd(keys.expiries, {message.id: message.expires})
    if live_claim:
        assert message.claim_id is not None and message.claim_expires is not None
        pipe.zadd(keys.claimed, {message.id: message.claim_expires})
        pipe.zadd(keys.claim_prefix + message.claim_id, {message.id: message.marker})
