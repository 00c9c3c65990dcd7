"""Push delivery's state: each subscription's cursor and lease (fields of its hash), the
queue's outbox stream, the delivery log and the dead letters (see ``scripts``), and the
index of subscribed queues that the notifiers walk."""

from __future__ import annotations

import builtins
import json
import urllib.parse
from collections.abc import Sequence
from dataclasses import asdict, replace
from typing import Any

from zaqar.core import documents
from zaqar.core.ids import is_id
from zaqar.storage import base
from zaqar.storage.redis import scripts
from zaqar.storage.redis.store import Store


class DeliveryController(base.DeliveryController):
    def __init__(self, store: Store) -> None:
        self._store = store

    def subscribed(
        self, marker: str | None = None, limit: int = 100
    ) -> base.Page[tuple[str | None, str]]:
        # The marker is the HSCAN cursor: a page may be empty and still not be the last.
        with self._store.talking() as client:
            cursor, found = client.hscan(self._store.subscribed, int(marker or 0), count=limit)
        items = []
        for member in found:
            text = member.decode() if isinstance(member, bytes) else str(member)
            project, _, name = text.partition("/")
            items.append((urllib.parse.unquote(project) or None, urllib.parse.unquote(name)))
        return base.Page(items, None if int(cursor) == 0 else str(cursor))

    def acquire(
        self, queue: str, project: str | None, subscription_id: str, owner: str, seconds: float
    ) -> int | None:
        if not is_id(subscription_id):
            return None
        now = self._store.clock()
        cursor = self._store.change_subscriptions(
            scripts.ACQUIRE,
            self._store.queue_keys(queue, project),
            now,
            subscription_id,
            owner,
            repr(now + seconds),
            doubt=_LEASE_DOUBT,
        )
        return None if cursor is None else int(cursor)

    def backlog(
        self, queue: str, project: str | None, after: int, limit: int
    ) -> builtins.list[base.Notification]:
        start = "-" if after < 1 else f"(0-{after}"
        with self._store.talking() as client:
            entries: Any = client.xrange(
                self._store.queue_keys(queue, project).outbox, start, "+", count=limit
            )
        notifications = []
        for entry_id, fields in entries:
            values = {_text(k): _text(v) for k, v in fields.items()}
            notifications.append(
                base.Notification(
                    marker=int(_text(entry_id).partition("-")[2]),
                    message_id=values["i"],
                    ttl=int(values["t"]),
                    body=documents.loads(values["b"]),
                    posted=float(values["p"]),
                )
            )
        return notifications

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
        args: list[object] = [subscription_id, owner, cursor, len(attempts), len(replayed)]
        args += [json.dumps(asdict(attempt)) for attempt in attempts]
        args += list(replayed)
        for letter in dead:
            # The flag lives in the ``:replay`` set; a letter given up now has none.
            args += [letter.marker, json.dumps(asdict(letter) | {"replay": False})]
        done = self._store.change_subscriptions(
            scripts.CHECKPOINT,
            self._store.queue_keys(queue, project),
            self._store.clock(),
            *args,
            doubt=_LEASE_DOUBT,
        )
        return bool(int(done))

    def release(self, queue: str, project: str | None, subscription_id: str, owner: str) -> None:
        if not is_id(subscription_id):
            return
        self._store.change_subscriptions(
            scripts.RELEASE_LEASE,
            self._store.queue_keys(queue, project),
            self._store.clock(),
            subscription_id,
            owner,
            doubt=_LEASE_DOUBT,
        )

    def attempts(
        self, queue: str, project: str | None, subscription_id: str, limit: int = 20
    ) -> builtins.list[base.Attempt]:
        if not is_id(subscription_id) or limit <= 0:
            return []
        key = self._store.queue_keys(queue, project).subscription(subscription_id) + ":log"
        with self._store.talking() as client:
            found: Any = client.lrange(key, 0, limit - 1)
        return [base.Attempt(**json.loads(text)) for text in found]

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
        key = self._store.queue_keys(queue, project).subscription(subscription_id)
        low = "-inf" if marker is None else f"({marker}"
        with self._store.talking() as client:
            found: Any = client.zrangebyscore(key + ":dead", low, "+inf", start=0, num=limit)
            letters = [base.DeadLetter(**json.loads(text)) for text in found]
            if not letters:
                return base.Page([], None)
            asked: Any = client.zrangebyscore(
                key + ":replay", letters[0].marker, letters[-1].marker
            )
        replaying = {int(_text(marker)) for marker in asked}
        items = [replace(letter, replay=letter.marker in replaying) for letter in letters]
        return base.Page(items, str(items[-1].marker))

    def replay(
        self,
        queue: str,
        project: str | None,
        subscription_id: str,
        message_ids: Sequence[str] | None = None,
    ) -> int:
        if not is_id(subscription_id) or message_ids == []:
            return 0
        named = [] if message_ids is None else list(message_ids)
        count = self._store.change_subscriptions(
            scripts.REPLAY,
            self._store.queue_keys(queue, project),
            self._store.clock(),
            subscription_id,
            *named,
            doubt="Dead letters may or may not have been asked to be replayed.",
        )
        return int(count)

    def replays(
        self, queue: str, project: str | None, subscription_id: str, limit: int
    ) -> builtins.list[base.DeadLetter]:
        if not is_id(subscription_id) or limit <= 0:
            return []
        key = self._store.queue_keys(queue, project).subscription(subscription_id)
        with self._store.talking() as client:
            markers: Any = client.zrange(key + ":replay", 0, limit - 1)
            if not markers:
                return []
            with client.pipeline(transaction=False) as pipe:
                for marker in markers:
                    pipe.zrangebyscore(key + ":dead", _text(marker), _text(marker))
                found: Any = pipe.execute()
        # A marker whose letter went meanwhile (delivered, unsubscribed) has none.
        return [
            base.DeadLetter(**(json.loads(letters[0]) | {"replay": True}))
            for letters in found
            if letters
        ]


_LEASE_DOUBT = "A delivery lease or cursor may or may not have changed."


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
