"""Copying a whole queue out of, and into, the SQL store (moving queues between pools)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from zaqar.core import documents
from zaqar.storage import base, errors
from zaqar.storage.sqlalchemy import tables
from zaqar.storage.sqlalchemy.queues import digest, find_queue_id, stored_project
from zaqar.storage.sqlalchemy.store import Store

q = tables.queues
m = tables.messages
s = tables.subscriptions

#: Rows inserted per statement when a queue is imported.
IMPORT_BATCH = 500


def export_queue(store: Store, name: str, project: str | None) -> base.QueueDump:
    now = store.clock()
    with store.reading() as connection:
        row = connection.execute(
            sa.select(q.c.id, q.c.metadata, q.c.created, q.c.next_marker).where(
                q.c.project == stored_project(project), q.c.name == name
            )
        ).one_or_none()
        if row is None:
            raise errors.QueueDoesNotExist(name, project)
        rows = connection.execute(
            sa.select(m).where(m.c.queue_id == row.id, m.c.expires > now).order_by(m.c.marker)
        ).all()
        subscribed = connection.execute(
            sa.select(s)
            .where(s.c.project == stored_project(project), s.c.queue == name, s.c.expires > now)
            .order_by(s.c.id)
        ).all()
    return base.QueueDump(
        metadata=documents.loads(row.metadata),
        created=float(row.created),
        next_marker=int(row.next_marker),
        messages=[
            base.StoredMessage(
                id=message.id,
                marker=int(message.marker),
                client_uuid=message.client_uuid,
                ttl=int(message.ttl),
                created=float(message.created),
                expires=float(message.expires),
                body=message.body,
                claim_id=message.claim_id,
                claim_expires=message.claim_expires,
                claim_ttl=message.claim_ttl,
                claim_count=int(message.claim_count),
                delay_until=float(message.delay_until),
                checksum=message.checksum,
            )
            for message in rows
        ],
        subscriptions=[
            base.StoredSubscription(
                id=subscription.id,
                subscriber=subscription.subscriber,
                ttl=int(subscription.ttl),
                created=float(subscription.created),
                expires=float(subscription.expires),
                options=subscription.options,
                confirmed=bool(subscription.confirmed),
                secret=subscription.secret,
            )
            for subscription in subscribed
        ],
    )


def import_queue(store: Store, name: str, project: str | None, dump: base.QueueDump) -> None:
    owner = stored_project(project)

    def work(connection: Connection) -> None:
        connection.execute(sa.delete(s).where(s.c.project == owner, s.c.queue == name))
        existing = find_queue_id(connection, name, project, lock=store.for_update)
        if existing is not None:
            connection.execute(sa.delete(m).where(m.c.queue_id == existing))
            connection.execute(sa.delete(q).where(q.c.id == existing))
        inserted = connection.execute(
            sa.insert(q).values(
                project=stored_project(project),
                name=name,
                metadata=documents.dumps(dump.metadata),
                created=dump.created,
                next_marker=dump.next_marker,
            )
        ).inserted_primary_key
        assert inserted is not None
        queue_id = inserted[0]
        rows: list[dict[str, Any]] = [
            {
                "id": message.id,
                "queue_id": queue_id,
                "marker": message.marker,
                "client_uuid": message.client_uuid,
                "ttl": message.ttl,
                "created": message.created,
                "expires": message.expires,
                "body": message.body,
                "claim_id": message.claim_id,
                "claim_expires": message.claim_expires,
                "claim_ttl": message.claim_ttl,
                "claim_count": message.claim_count,
                "delay_until": message.delay_until,
                "checksum": message.checksum or None,
            }
            for message in dump.messages
        ]
        for start in range(0, len(rows), IMPORT_BATCH):
            connection.execute(sa.insert(m), rows[start : start + IMPORT_BATCH])
        subscribed: list[dict[str, Any]] = [
            {
                "id": subscription.id,
                "project": owner,
                "queue": name,
                "subscriber": subscription.subscriber,
                "subscriber_digest": digest(subscription.subscriber),
                "ttl": subscription.ttl,
                "created": subscription.created,
                "expires": subscription.expires,
                "options": subscription.options,
                "confirmed": subscription.confirmed,
                "secret": subscription.secret,
            }
            for subscription in dump.subscriptions
        ]
        if subscribed:
            connection.execute(sa.insert(s), subscribed)

    store.write(work)
