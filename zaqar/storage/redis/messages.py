"""Messages: a hash each, indexed per queue by marker, expiry and claim expiry."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

from zaqar.core import documents, lifecycle
from zaqar.core.ids import is_id, new_id
from zaqar.storage import base, doubts, errors
from zaqar.storage.redis import scripts
from zaqar.storage.redis.connections import ReplyLost
from zaqar.storage.redis.store import Store, ms

#: Markers are positive integers that a Redis score (a double) holds exactly.
_MAX_MARKER = 2**53

#: What ``scripts.DELETE`` answers besides 0 (gone).
_CLAIMED = 1
_NOT_CLAIMED = 2


class Record:
    """One message hash as a script returned it (fields in ``scripts.FIELDS`` order)."""

    __slots__ = (
        "id",
        "marker",
        "ttl",
        "created",
        "expires",
        "body",
        "claim_id",
        "claim_expires",
        "claim_ttl",
        "claim_count",
        "delay_until",
        "checksum",
    )

    def __init__(self, values: Sequence[Any]) -> None:
        # PERF: unpacked by position (the order of scripts.FIELDS), not through a dict.
        (id_, marker, ttl, created, expires, _client, body, claim_id, claim_expires,
         claim_ttl, claim_count, delay_until, checksum) = values  # fmt: skip
        self.id: str = id_
        self.marker = int(marker)
        self.ttl = int(ttl)
        self.created = float(created)
        self.expires = float(expires)
        self.body: str = body
        self.claim_id: str | None = claim_id
        self.claim_expires = None if claim_expires is None else float(claim_expires)
        self.claim_ttl = None if claim_ttl is None else int(claim_ttl)
        self.claim_count = int(claim_count or 0)
        self.delay_until = float(delay_until or 0.0)
        self.checksum: str | None = checksum

    def message(self, now: float) -> base.Message:
        return base.Message(
            id=self.id,
            ttl=self.ttl,
            age=lifecycle.age(self.created, now),
            body=documents.loads(self.body),
            claim_id=self.claim_id,
            claim_count=self.claim_count,
            claimed=lifecycle.is_claimed(self.claim_id, self.claim_expires, now),
            checksum=self.checksum,
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
        include_delayed: bool = False,
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
                "1" if include_delayed else "0",
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
        ids: Sequence[str] | None = None,
    ) -> builtins.list[str]:
        now = self._store.clock()
        keys = self._store.queue_keys(queue, project)
        given = "1" if ids is not None else "0"
        # Made here, not in the script, so that a post whose answer is lost can be looked up.
        ids = list(ids) if ids is not None else [new_id() for _ in messages]
        args: builtins.list[object] = [client_uuid, len(messages), self._store.receipt_ms, given]
        for message_id, message in zip(ids, messages, strict=True):
            expires = now + message.ttl
            args += [
                message_id,
                message.ttl,
                documents.dumps(message.body),
                repr(expires),
                ms(expires - now),
                repr(now + message.delay) if message.delay > 0 else "0",
                message.checksum or "",
            ]
        if not messages:
            # Nothing to store, but a missing queue is still an error.
            with self._store.talking() as client:
                if not client.exists(keys.queue):
                    raise errors.QueueDoesNotExist(queue, project)
            return []
        try:
            first = self._store.change(scripts.POST, keys, now, *args, doubt=doubts.POST)
        except ReplyLost as lost:
            stored = self._store.outcome_of_post(keys, ids, lost.settled)
            if stored is None:
                raise errors.OutcomeUnknown(doubts.POST, message_ids=ids) from lost
            if not stored:
                raise errors.ServiceUnavailable("the post was not stored") from lost
            return ids
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
        # One round trip: the script decides (as lifecycle.delete_verdict does) and deletes.
        verdict = int(
            self._store.change(
                scripts.DELETE,
                self._store.queue_keys(queue, project),
                self._store.clock(),
                message_id,
                claim or "",
                doubt=doubts.message_deleted(message_id),
            )
        )
        if verdict == _CLAIMED:
            if claim is None:
                raise errors.MessageIsClaimed(message_id)
            raise errors.MessageNotClaimedBy(message_id, claim)
        if verdict == _NOT_CLAIMED:
            raise errors.MessageNotClaimed(message_id)

    def bulk_delete(
        self, queue: str, message_ids: Sequence[str], project: str | None = None
    ) -> None:
        ids = [value for value in message_ids if is_id(value)]
        if not ids:
            return
        self._store.change(
            scripts.BULK_DELETE,
            self._store.queue_keys(queue, project),
            self._store.clock(),
            *ids,
            doubt=doubts.BULK_DELETE,
        )

    def pop(
        self, queue: str, limit: int, project: str | None = None
    ) -> builtins.list[base.Message]:
        now = self._store.clock()
        found = records(
            self._store.change(
                scripts.POP,
                self._store.queue_keys(queue, project),
                now,
                limit,
                doubt=doubts.POP,
            )
        )
        return [record.message(now) for record in found]
