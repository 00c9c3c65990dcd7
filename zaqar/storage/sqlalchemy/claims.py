"""Claims: stamped onto the messages they hold (see ``tables``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from zaqar.core import lifecycle
from zaqar.core.ids import is_id, new_id
from zaqar.storage import base, doubts, errors
from zaqar.storage.sqlalchemy import tables
from zaqar.storage.sqlalchemy.messages import (
    COLUMNS,
    FREE,
    QUEUE_ID,
    UNDELAYED,
    queue_id_of,
    to_message,
)
from zaqar.storage.sqlalchemy.queues import stored_project
from zaqar.storage.sqlalchemy.store import Store

m = tables.messages


def _extend_lifetimes(
    connection: Connection,
    rows: Sequence[Any],
    claim_expires: float,
    claim_ttl: int,
    grace: int,
) -> None:
    """Keep every message alive ``grace`` seconds past the claim (lifecycle rule)."""
    updates = []
    for row in rows:
        extension = lifecycle.extend_for_claim(row.expires, claim_expires, claim_ttl, grace)
        if extension is not None:
            updates.append({"row_id": row.id, "expires": extension.expires, "ttl": extension.ttl})
    if updates:
        connection.execute(
            sa.update(m)
            .where(m.c.id == sa.bindparam("row_id"))
            .values(expires=sa.bindparam("expires"), ttl=sa.bindparam("ttl")),
            updates,
        )


# PERF: claiming runs prebuilt statements with bound parameters (see ``messages``).

#: Up to ``limit`` free messages of the queue, oldest first.
_CANDIDATES = (
    sa.select(m.c.id)
    .where(m.c.queue_id == QUEUE_ID, m.c.expires > sa.bindparam("now"), FREE, UNDELAYED)
    .order_by(m.c.marker)
    .limit(sa.bindparam("limit"))
)
#: Concurrent claimers each lock different rows instead of queueing.
_CANDIDATES_LOCKED = _CANDIDATES.with_for_update(skip_locked=True)

#: Whether a message dies before the claim does (then the claim extends it).
_DIES_FIRST = m.c.expires < sa.bindparam("until")
#: Tags the candidates ``ids`` with the claim, and extends the lifetimes the claim needs
#: (``lifecycle.extend_for_claim``: ``extended_expires``/``extended_ttl`` for any message
#: dying before ``until``). The free() re-check makes the tagging safe even without
#: row locks. ``ttl`` is set before ``expires``: MySQL evaluates SET clauses in order.
_TAG = (
    sa.update(m)
    .where(m.c.id.in_(sa.bindparam("ids", expanding=True)), FREE)
    .ordered_values(
        (m.c.claim_id, sa.bindparam("claim")),
        (m.c.claim_expires, sa.bindparam("until")),
        (m.c.claim_ttl, sa.bindparam("hold_ttl")),
        (m.c.claim_count, m.c.claim_count + 1),
        (m.c.ttl, sa.case((_DIES_FIRST, sa.bindparam("extended_ttl")), else_=m.c.ttl)),
        (
            m.c.expires,
            sa.case((_DIES_FIRST, sa.bindparam("extended_expires")), else_=m.c.expires),
        ),
    )
)
#: The same, answering the tagged rows (where UPDATE can).
_TAG_RETURNING = _TAG.returning(m.c.marker, *COLUMNS)
#: The rows a claim tagged, oldest first.
_TAGGED = (
    sa.select(m.c.marker, *COLUMNS)
    .where(m.c.id.in_(sa.bindparam("ids", expanding=True)), m.c.claim_id == sa.bindparam("claim"))
    .order_by(m.c.marker)
)


class ClaimController(base.ClaimController):
    def __init__(self, store: Store) -> None:
        self._store = store

    def create(
        self,
        queue: str,
        ttl: int,
        grace: int,
        limit: int = 10,
        project: str | None = None,
    ) -> base.Claim | None:
        now = self._store.clock()
        claim_id = new_id()
        claim_expires = now + ttl

        extension = lifecycle.extend_for_claim(float("-inf"), claim_expires, ttl, grace)
        assert extension is not None
        values: dict[str, Any] = {
            "owner": stored_project(project),
            "queue": queue,
            "now": now,
            "limit": limit,
            "claim": claim_id,
            "until": claim_expires,
            "hold_ttl": ttl,
            "extended_expires": extension.expires,
            "extended_ttl": extension.ttl,
        }

        def take(connection: Connection) -> Sequence[Any]:
            candidates = _CANDIDATES_LOCKED if self._store.for_update else _CANDIDATES
            values["ids"] = list(connection.execute(candidates, values).scalars())
            if not values["ids"]:
                return ()
            if connection.dialect.update_returning:
                rows = connection.execute(_TAG_RETURNING, values).all()
                # RETURNING follows no order.
                return sorted(rows, key=lambda row: int(row.marker))
            connection.execute(_TAG, values)
            return connection.execute(_TAGGED, values).all()

        claimed = self._store.write(take, doubts.CLAIM)
        if not claimed:
            return None
        return base.Claim(claim_id, ttl, 0, [to_message(row, now) for row in claimed])

    def get(self, queue: str, claim_id: str, project: str | None = None) -> base.Claim:
        now = self._store.clock()
        rows: Sequence[Any] = []
        if is_id(claim_id):
            query = (
                sa.select(*COLUMNS, m.c.claim_ttl)
                .where(
                    m.c.queue_id == queue_id_of(queue, project),
                    m.c.claim_id == claim_id,
                    m.c.claim_expires > now,
                    m.c.expires > now,
                )
                .order_by(m.c.marker)
            )
            with self._store.reading() as connection:
                rows = connection.execute(query).all()
        if not rows:
            raise errors.ClaimDoesNotExist(claim_id, queue, project)
        first = rows[0]
        claim_ttl = int(first.claim_ttl)
        # A claim's age counts from its creation or its last renewal.
        renewed = first.claim_expires - claim_ttl
        return base.Claim(
            claim_id,
            claim_ttl,
            lifecycle.age(renewed, now),
            [to_message(row, now) for row in rows],
        )

    def update(
        self, queue: str, claim_id: str, ttl: int, grace: int, project: str | None = None
    ) -> None:
        if not is_id(claim_id):
            raise errors.ClaimDoesNotExist(claim_id, queue, project)
        now = self._store.clock()
        claim_expires = now + ttl

        def renew(connection: Connection) -> None:
            held = (
                sa.select(m.c.id, m.c.expires)
                .where(
                    m.c.queue_id == queue_id_of(queue, project),
                    m.c.claim_id == claim_id,
                    m.c.claim_expires > now,
                    m.c.expires > now,
                )
                .order_by(m.c.marker)
            )
            if self._store.for_update:
                held = held.with_for_update()
            rows = connection.execute(held).all()
            if not rows:
                raise errors.ClaimDoesNotExist(claim_id, queue, project)
            connection.execute(
                sa.update(m)
                .where(m.c.id.in_([row.id for row in rows]))
                .values(claim_expires=claim_expires, claim_ttl=ttl)
            )
            _extend_lifetimes(connection, rows, claim_expires, ttl, grace)

        self._store.write(renew, doubts.claim_renewed(claim_id))

    def delete(self, queue: str, claim_id: str, project: str | None = None) -> None:
        if not is_id(claim_id):
            return
        release = (
            sa.update(m)
            .where(m.c.queue_id == queue_id_of(queue, project), m.c.claim_id == claim_id)
            .values(claim_id=None, claim_expires=None, claim_ttl=None)
        )
        self._store.write(
            lambda connection: connection.execute(release), doubts.claim_released(claim_id)
        )
