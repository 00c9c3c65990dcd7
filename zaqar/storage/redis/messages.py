"""Messages: a hash each, indexed per queue by marker, expiry and claim expiry."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from zaqar.core import documents, lifecycle
from zaqar.core.ids import is_id, new_id
from zaqar.storage import base, errors
from zaqar.storage.redis import scripts

if TYPE_CHECKING:
    from zaqar.storage.redis.driver import Store

#: Markers are positive integers that a Redis score (a double) holds exactly.
_MAX_MARKER = 2**53

#: Attempts at a conditional delete before giving up on a message that keeps changing.
DELETE_ATTEMPTS = 50


class Record:
    """One message hash as a script returned it (fields in ``scripts.FIELDS`` order)."""

    def __init__(self, values: Sequence[Any]) -> None:
        fields = dict(zip(scripts.FIELDS, values, strict=True))
        self.id: str = fields["id"]
        self.marker = int(fields["k"])
        self.ttl = int(fields["t"])
        self.created = float(fields["cr"])
        self.expires = float(fields["e"])
        self.body: str = fields["b"]
        self.claim_id: str | None = fields["c"]
        self.claim_expires = None if fields["ce"] is None else float(fields["ce"])
        self.claim_ttl = None if fields["ct"] is None else int(fields["ct"])
        self.claim_count = int(fields["cc"] or 0)

    def message(self, now: float) -> base.Message:
        return base.Message(
            id=self.id,
            ttl=self.ttl,
            age=lifecycle.age(self.created, now),
            body=documents.loads(self.body),
            claim_id=self.claim_id,
            claim_count=self.claim_count,
            claimed=lifecycle.is_claimed(self.claim_id, self.claim_expires, now),
        )


def records(reply: Any) -> builtins.list[Record]:
    return [Record(values) for values in reply or []]


def parse_marker(marker: str) -> str | None:
    """The exclusive score to list after, or None when the marker matches nothing."""
    try:
        value = int(marker)
    except ValueError:
        return None
    if value >= _MAX_MARKER:
        return None
    return "-inf" if value < 0 else f"({value}"


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
    ) -> base.Page[base.Message]:
        after = "-inf"
        if marker is not None:
            parsed = parse_marker(marker)
            if parsed is None:
                return base.Page([], None)
            after = parsed
        skip = client_uuid if not echo and client_uuid is not None else ""
        now = self._store.clock()
        found = records(
            self._store.run(
                scripts.LIST,
                self._store.queue_keys(queue, project),
                now,
                after,
                limit,
                skip,
                "1" if include_claimed else "0",
            )
        )
        if not found:
            return base.Page([], None)
        return base.Page([record.message(now) for record in found], str(found[-1].marker))

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
        now = self._store.clock()
        found = records(
            self._store.run(scripts.BULK_GET, self._store.queue_keys(queue, project), now, *ids)
        )
        found.sort(key=lambda record: record.marker)
        return [record.message(now) for record in found]

    def post(
        self,
        queue: str,
        messages: Sequence[base.NewMessage],
        client_uuid: str,
        project: str | None = None,
    ) -> builtins.list[str]:
        # Imported here: the driver module imports this one.
        from zaqar.storage.redis.driver import ms

        now = self._store.clock()
        keys = self._store.queue_keys(queue, project)
        ids = [new_id() for _ in messages]
        args: builtins.list[object] = [client_uuid, len(messages)]
        for message_id, message in zip(ids, messages, strict=True):
            expires = now + message.ttl
            args += [
                message_id,
                message.ttl,
                documents.dumps(message.body),
                repr(expires),
                ms(expires - now),
            ]
        if not messages:
            # Nothing to store, but a missing queue is still an error.
            with self._store.talking() as client:
                if not client.exists(keys.queue):
                    raise errors.QueueDoesNotExist(queue, project)
            return []
        first = self._store.run(scripts.POST, keys, now, *args)
        if first is None:
            raise errors.QueueDoesNotExist(queue, project)
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
        keys = self._store.queue_keys(queue, project)
        for _ in range(DELETE_ATTEMPTS):
            now = self._store.clock()
            with self._store.talking() as client:
                state: list[Any] = client.hmget(keys.message(message_id), ["id", "c", "ce", "e"])
            seen_id, claim_id, claim_expires, expires = state
            if seen_id is None or expires is None or float(expires) <= now:
                return
            verdict = lifecycle.delete_verdict(
                claim_id, None if claim_expires is None else float(claim_expires), claim, now
            )
            if verdict is lifecycle.DeleteVerdict.CLAIMED:
                if claim is None:
                    raise errors.MessageIsClaimed(message_id)
                raise errors.MessageNotClaimedBy(message_id, claim)
            if verdict is lifecycle.DeleteVerdict.NOT_CLAIMED:
                raise errors.MessageNotClaimed(message_id)
            # Delete only if the claim state the verdict was made on still holds.
            outcome = self._store.run(
                scripts.DELETE_IF_UNCHANGED,
                keys,
                now,
                message_id,
                claim_id or "",
                claim_expires or "",
            )
            if int(outcome) != 0:
                return
        raise errors.ServiceUnavailable(f"message {message_id} kept changing while deleted")

    def bulk_delete(
        self, queue: str, message_ids: Sequence[str], project: str | None = None
    ) -> None:
        ids = [value for value in message_ids if is_id(value)]
        if not ids:
            return
        self._store.run(
            scripts.BULK_DELETE, self._store.queue_keys(queue, project), self._store.clock(), *ids
        )

    def pop(
        self, queue: str, limit: int, project: str | None = None
    ) -> builtins.list[base.Message]:
        now = self._store.clock()
        found = records(
            self._store.run(scripts.POP, self._store.queue_keys(queue, project), now, limit)
        )
        return [record.message(now) for record in found]
