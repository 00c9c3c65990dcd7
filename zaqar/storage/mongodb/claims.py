"""Claims: stamped onto the messages they hold, with conditional updates and no lock."""

from __future__ import annotations

from typing import Any

from zaqar.core import lifecycle
from zaqar.core.ids import is_id, new_id
from zaqar.storage import base, errors
from zaqar.storage.mongodb.messages import FIELDS, free, to_message, undelayed, visible
from zaqar.storage.mongodb.queues import message_key, watermark
from zaqar.storage.mongodb.store import Document, MessageLayout, Store


class ClaimController(base.ClaimController):
    def __init__(self, store: Store, layout: MessageLayout) -> None:
        self._store = store
        self._layout = layout

    def _extend_lifetimes(
        self, messages: Any, held: Document, now: float, claim_expires: float, ttl: int, grace: int
    ) -> None:
        """Keep the held messages that would die before the claim alive ``grace`` seconds
        past it (lifecycle rule); the others are left alone."""
        # The extension does not depend on the message's own expiry: only the filter does.
        extension = lifecycle.extend_for_claim(float("-inf"), claim_expires, ttl, grace)
        assert extension is not None
        update = {
            "$set": {
                "e": extension.expires,
                "t": extension.ttl,
                "x": self._store.purge_at(extension.expires, now),
            }
        }
        query = {**held, "e": {"$lt": claim_expires}}
        self._store.call(messages.update_many, query, update)

    def create(
        self,
        queue: str,
        ttl: int,
        grace: int,
        limit: int = 10,
        project: str | None = None,
    ) -> base.Claim | None:
        if limit <= 0:
            return None
        now = self._store.clock()
        committed = watermark(self._store, self._layout, queue, project)
        if committed is None:
            return None
        messages = self._layout.messages_of(project, queue)
        claim_id = new_id()
        claim_expires = now + ttl
        available = {**visible(queue, project, committed, now), **free(now), **undelayed(now)}
        tag = {
            "$set": {"c.id": claim_id, "c.e": claim_expires, "c.t": ttl},
            "$inc": {"c.c": 1},
        }
        taken = 0
        for attempt in range(self._store.max_attempts):
            wanted = limit - taken
            candidates = [
                doc["_id"]
                for doc in self._store.find(
                    messages, available, {"_id": 1}, sort=[("k", 1)], limit=wanted
                )
            ]
            if not candidates:
                break
            # Re-checking "free" in the update makes tagging safe against other claimers:
            # each message is tagged by one of them only. Repeating it after a lost reply
            # tags nothing twice for the same reason.
            query = {"_id": {"$in": candidates}, **available}
            result = self._store.call(messages.update_many, query, tag)
            taken += result.modified_count
            if taken >= limit or result.modified_count == len(candidates):
                break
            if result.modified_count == 0:
                self._store.backoff(attempt)
        if not taken:
            return None
        held = {**message_key(queue, project), "c.id": claim_id}
        self._extend_lifetimes(messages, held, now, claim_expires, ttl, grace)
        found = self._store.find(messages, held, FIELDS, sort=[("k", 1)])
        if not found:  # deleted or released meanwhile
            return None
        return base.Claim(claim_id, ttl, 0, [to_message(doc, now) for doc in found])

    def get(self, queue: str, claim_id: str, project: str | None = None) -> base.Claim:
        if not is_id(claim_id):
            raise errors.ClaimDoesNotExist(claim_id, queue, project)
        now = self._store.clock()
        messages = self._layout.messages_of(project, queue)
        query = {
            **message_key(queue, project),
            "c.id": claim_id,
            "c.e": {"$gt": now},
            "e": {"$gt": now},
        }
        found = self._store.find(messages, query, FIELDS, sort=[("k", 1)])
        if not found:
            raise errors.ClaimDoesNotExist(claim_id, queue, project)
        claim = found[0]["c"]
        claim_ttl = int(claim["t"])
        # A claim's age counts from its creation or its last renewal.
        renewed = float(claim["e"]) - claim_ttl
        return base.Claim(
            claim_id,
            claim_ttl,
            lifecycle.age(renewed, now),
            [to_message(doc, now) for doc in found],
        )

    def update(
        self, queue: str, claim_id: str, ttl: int, grace: int, project: str | None = None
    ) -> None:
        if not is_id(claim_id):
            raise errors.ClaimDoesNotExist(claim_id, queue, project)
        now = self._store.clock()
        claim_expires = now + ttl
        messages = self._layout.messages_of(project, queue)
        key = {**message_key(queue, project), "c.id": claim_id}
        live = {**key, "c.e": {"$gt": now}, "e": {"$gt": now}}
        renew = {"$set": {"c.e": claim_expires, "c.t": ttl}}
        result = self._store.call(messages.update_many, live, renew)
        if result.matched_count == 0:
            raise errors.ClaimDoesNotExist(claim_id, queue, project)
        # Exactly the messages just renewed carry this claim expiry.
        self._extend_lifetimes(
            messages, {**key, "c.e": claim_expires}, now, claim_expires, ttl, grace
        )

    def delete(self, queue: str, claim_id: str, project: str | None = None) -> None:
        if not is_id(claim_id):
            return
        messages = self._layout.messages_of(project, queue)
        query = {**message_key(queue, project), "c.id": claim_id}
        release = {"$set": {"c.id": None, "c.e": 0.0}}
        self._store.call(messages.update_many, query, release)
