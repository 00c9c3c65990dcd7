"""Messages: one row each, ordered per queue by a gap-free marker."""

from __future__ import annotations

import builtins
import functools
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from zaqar.core import documents, lifecycle
from zaqar.core.ids import is_id, new_id
from zaqar.storage import base, doubts, errors
from zaqar.storage.sqlalchemy import tables
from zaqar.storage.sqlalchemy.queues import find_queue_id, stored_project
from zaqar.storage.sqlalchemy.store import Store

m = tables.messages
q = tables.queues

#: The columns a message is read with.
COLUMNS = (
    m.c.id,
    m.c.ttl,
    m.c.created,
    m.c.body,
    m.c.claim_id,
    m.c.claim_expires,
    m.c.claim_count,
    m.c.checksum,
)


def to_message(row: Any, now: float) -> base.Message:
    return base.Message(
        id=row.id,
        ttl=row.ttl,
        age=lifecycle.age(row.created, now),
        body=documents.loads(row.body),
        claim_id=row.claim_id,
        claim_count=row.claim_count,
        claimed=lifecycle.is_claimed(row.claim_id, row.claim_expires, now),
        checksum=row.checksum,
    )


def parse_marker(marker: str) -> int | None:
    """The marker as a BIGINT, or None when it cannot be one (such a marker matches nothing)."""
    try:
        value = int(marker)
    except ValueError:
        return None
    return value if -(2**63) <= value < 2**63 else None


def free(now: float | sa.BindParameter[Any]) -> sa.ColumnElement[bool]:
    """Rows no live claim holds at ``now`` (a time, or a parameter standing for one)."""
    return sa.or_(m.c.claim_id.is_(None), m.c.claim_expires <= now)


def undelayed(now: float | sa.BindParameter[Any]) -> sa.ColumnElement[bool]:
    """Rows whose delay has passed at ``now``."""
    return m.c.delay_until <= now


def queue_id_of(name: str, project: str | None) -> sa.ScalarSelect[Any]:
    return (
        sa.select(q.c.id)
        .where(q.c.project == stored_project(project), q.c.name == name)
        .scalar_subquery()
    )


# PERF: the statements of the hot paths are built once, with bound parameters, so that a
# request neither builds a statement nor walks one to find it in SQLAlchemy's compiled cache
# (a statement object memoizes its cache key). Parameters: ``owner`` (the stored project),
# ``queue``, ``now`` and the ones each statement names.

#: The queue's id, inside a statement.
QUEUE_ID = (
    sa.select(q.c.id)
    .where(q.c.project == sa.bindparam("owner"), q.c.name == sa.bindparam("queue"))
    .scalar_subquery()
)
#: Rows no live claim holds at ``now``.
FREE = free(sa.bindparam("now"))
#: Rows whose delay has passed at ``now``.
UNDELAYED = undelayed(sa.bindparam("now"))

#: Takes ``count`` markers from the queue's counter, under the queue row's write lock.
_ADVANCE = (
    sa.update(q)
    .where(q.c.project == sa.bindparam("owner"), q.c.name == sa.bindparam("queue"))
    .values(next_marker=q.c.next_marker + sa.bindparam("count"))
)
#: The same, answering the queue's id and its counter's new value (where UPDATE can).
_ADVANCE_RETURNING = _ADVANCE.returning(q.c.id, q.c.next_marker)
_COUNTER = sa.select(q.c.id, q.c.next_marker).where(
    q.c.project == sa.bindparam("owner"), q.c.name == sa.bindparam("queue")
)
_INSERT = sa.insert(m)
#: Whether the queue has a live subscription, so that its posts are announced (outbox).
_SUBSCRIBED = (
    sa.select(sa.literal(1))
    .where(
        tables.subscriptions.c.project == sa.bindparam("owner"),
        tables.subscriptions.c.queue == sa.bindparam("queue"),
        tables.subscriptions.c.expires > sa.bindparam("now"),
    )
    .limit(1)
)
_ANNOUNCE = sa.insert(tables.outbox)

_LIVE_MESSAGE = sa.and_(
    m.c.id == sa.bindparam("id"), m.c.queue_id == QUEUE_ID, m.c.expires > sa.bindparam("now")
)
#: A delete without a claim id: allowed unless a live claim holds the message.
_DELETE_UNCLAIMED = sa.delete(m).where(_LIVE_MESSAGE, FREE)
#: A delete with the claim id the message carries: allowed, even when that claim lapsed.
_DELETE_CLAIMED = sa.delete(m).where(_LIVE_MESSAGE, m.c.claim_id == sa.bindparam("claim"))
_CLAIM_STATE = sa.select(m.c.claim_id, m.c.claim_expires).where(_LIVE_MESSAGE)
_CLAIM_STATE_LOCKED = _CLAIM_STATE.with_for_update()
_DELETE_BY_ID = sa.delete(m).where(m.c.id == sa.bindparam("id"))


@functools.cache
def _list_query(
    after_marker: bool, skip_client: bool, include_claimed: bool, include_delayed: bool
) -> sa.Select[Any]:
    """The listing for one combination of options; parameters ``after``, ``client``,
    ``limit`` as the options ask."""
    query = sa.select(m.c.marker, *COLUMNS).where(
        m.c.queue_id == QUEUE_ID, m.c.expires > sa.bindparam("now")
    )
    if after_marker:
        query = query.where(m.c.marker > sa.bindparam("after"))
    if skip_client:
        query = query.where(m.c.client_uuid != sa.bindparam("client"))
    if not include_claimed:
        query = query.where(FREE)
    if not include_delayed:
        query = query.where(UNDELAYED)
    return query.order_by(m.c.marker).limit(sa.bindparam("limit"))


class MessageController(base.MessageController):
    def __init__(self, store: Store) -> None:
        self._store = store

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
        now = self._store.clock()
        values: dict[str, Any] = {
            "owner": stored_project(project),
            "queue": queue,
            "now": now,
            "limit": limit,
        }
        if marker is not None:
            after = parse_marker(marker)
            if after is None:
                return base.Page([], None)
            values["after"] = after
        skip_client = not echo and client_uuid is not None
        if skip_client:
            values["client"] = client_uuid
        query = _list_query(marker is not None, skip_client, include_claimed, include_delayed)
        with self._store.reading() as connection:
            rows = connection.execute(query, values).all()
        if not rows:
            return base.Page([], None)
        return base.Page([to_message(row, now) for row in rows], str(rows[-1].marker))

    def get(self, queue: str, message_id: str, project: str | None = None) -> base.Message:
        found = self.bulk_get(queue, [message_id], project)
        if not found:
            raise errors.MessageDoesNotExist(message_id, queue, project)
        return found[0]

    def bulk_get(
        self, queue: str, message_ids: Sequence[str], project: str | None = None
    ) -> builtins.list[base.Message]:
        ids = [value for value in message_ids if is_id(value)]
        if not ids:
            return []
        now = self._store.clock()
        query = (
            sa.select(*COLUMNS)
            .where(
                m.c.id.in_(ids),
                m.c.queue_id == queue_id_of(queue, project),
                m.c.expires > now,
            )
            .order_by(m.c.marker)
        )
        with self._store.reading() as connection:
            rows = connection.execute(query).all()
        return [to_message(row, now) for row in rows]

    def post(
        self,
        queue: str,
        messages: Sequence[base.NewMessage],
        client_uuid: str,
        project: str | None = None,
        ids: Sequence[str] | None = None,
    ) -> builtins.list[str]:
        if not messages:
            return []
        now = self._store.clock()
        given = ids is not None
        ids = list(ids) if ids is not None else [new_id() for _ in messages]

        values = {"owner": stored_project(project), "queue": queue, "count": len(messages)}
        rows: builtins.list[dict[str, Any]] = [
            {
                "id": message_id,
                "queue_id": None,
                "marker": offset,
                "client_uuid": client_uuid,
                "ttl": message.ttl,
                "created": now,
                "expires": now + message.ttl,
                "body": documents.dumps(message.body),
                "claim_id": None,
                "claim_expires": None,
                "claim_ttl": None,
                "claim_count": 0,
                "delay_until": now + message.delay if message.delay > 0 else 0.0,
                # An empty checksum is none, as on the stores that omit the field.
                "checksum": message.checksum or None,
            }
            for offset, (message_id, message) in enumerate(zip(ids, messages, strict=True))
        ]

        def store(connection: Connection) -> None:
            batch = rows
            if given:
                # Ids stored already (by an earlier try of the same post) are left out; the
                # queue row's lock, taken first, keeps a concurrent try from slipping in.
                if find_queue_id(connection, queue, project, lock=self._store.for_update) is None:
                    raise errors.QueueDoesNotExist(queue, project)
                present = set(
                    connection.execute(sa.select(m.c.id).where(m.c.id.in_(ids))).scalars()
                )
                batch = [row for row in rows if row["id"] not in present]
                if not batch:
                    return
                values["count"] = len(batch)
            # Advancing the counter first takes the queue row's write lock, so concurrent
            # producers get contiguous, non-overlapping marker ranges.
            if connection.dialect.update_returning:
                counter = connection.execute(_ADVANCE_RETURNING, values).one_or_none()
            elif connection.execute(_ADVANCE, values).rowcount == 0:
                counter = None
            else:
                counter = connection.execute(_COUNTER, values).one()
            if counter is None:
                raise errors.QueueDoesNotExist(queue, project)
            queue_id, next_marker = counter
            first = next_marker - len(batch)
            for offset, row in enumerate(batch):
                row["queue_id"] = queue_id
                row["marker"] = first + offset
            connection.execute(_INSERT, batch)
            # In the same transaction: a 201 means every subscriber's delivery is recorded.
            if connection.execute(_SUBSCRIBED, {**values, "now": now}).first() is not None:
                connection.execute(_ANNOUNCE, [_notification(values, row) for row in batch])

        self._store.write(store, doubts.POST, message_ids=ids)
        return ids

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
        now = self._store.clock()
        values = {
            "owner": stored_project(project),
            "queue": queue,
            "id": message_id,
            "now": now,
            "claim": claim,
        }

        def remove(connection: Connection) -> None:
            # The usual case in one statement: delete when the verdict is DELETE.
            quick = _DELETE_UNCLAIMED if claim is None else _DELETE_CLAIMED
            if connection.execute(quick, values).rowcount:
                return
            # Nothing deleted: the message is gone, or the verdict refuses (or the message
            # changed in between, on a database without serialised writers).
            query = _CLAIM_STATE_LOCKED if self._store.for_update else _CLAIM_STATE
            row = connection.execute(query, values).one_or_none()
            if row is None:
                return
            verdict = lifecycle.delete_verdict(row.claim_id, row.claim_expires, claim, now)
            if verdict is lifecycle.DeleteVerdict.CLAIMED:
                if claim is None:
                    raise errors.MessageIsClaimed(message_id)
                raise errors.MessageNotClaimedBy(message_id, claim)
            if verdict is lifecycle.DeleteVerdict.NOT_CLAIMED:
                raise errors.MessageNotClaimed(message_id)
            connection.execute(_DELETE_BY_ID, values)

        self._store.write(remove, doubts.message_deleted(message_id))

    def bulk_delete(
        self, queue: str, message_ids: Sequence[str], project: str | None = None
    ) -> None:
        ids = [value for value in message_ids if is_id(value)]
        if not ids:
            return
        statement = sa.delete(m).where(m.c.id.in_(ids), m.c.queue_id == queue_id_of(queue, project))
        # Run again after a deadlock, like every write that concurrent consumers make.
        self._store.write(lambda connection: connection.execute(statement), doubts.BULK_DELETE)

    def pop(
        self, queue: str, limit: int, project: str | None = None
    ) -> builtins.list[base.Message]:
        now = self._store.clock()

        def take(connection: Connection) -> Sequence[Any]:
            queue_id = find_queue_id(connection, queue, project)
            if queue_id is None:
                return []
            query = (
                sa.select(*COLUMNS)
                .where(m.c.queue_id == queue_id, m.c.expires > now, free(now), undelayed(now))
                .order_by(m.c.marker)
                .limit(limit)
            )
            if self._store.for_update:
                query = query.with_for_update(skip_locked=True)
            rows = connection.execute(query).all()
            if rows:
                connection.execute(sa.delete(m).where(m.c.id.in_([row.id for row in rows])))
            return rows

        # Concurrent pops deadlock now and then on MySQL; write() runs them again.
        return [to_message(row, now) for row in self._store.write(take, doubts.POP)]


def _notification(values: dict[str, Any], row: dict[str, Any]) -> dict[str, Any]:
    """The outbox row announcing a message row just posted."""
    return {
        "project": values["owner"],
        "queue": values["queue"],
        "marker": row["marker"],
        "message_id": row["id"],
        "ttl": row["ttl"],
        "body": row["body"],
        "posted": row["created"],
        "expires": row["expires"] + base.OUTBOX_GRACE,
    }
