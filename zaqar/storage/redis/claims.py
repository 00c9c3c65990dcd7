"""Claims: stamped onto the messages they hold, with a per-claim index of message ids."""

from __future__ import annotations

from zaqar.core import lifecycle
from zaqar.core.ids import is_id, new_id
from zaqar.storage import base, doubts, errors
from zaqar.storage.redis import scripts
from zaqar.storage.redis.messages import records
from zaqar.storage.redis.store import EXPIRY_MARGIN, QueueKeys, Store, ms


class ClaimController(base.ClaimController):
    def __init__(self, store: Store) -> None:
        self._store = store

    def _hold_args(self, claim_id: str, now: float, ttl: int, grace: int) -> list[object]:
        """The arguments of the CLAIM and RENEW scripts (see ``scripts``)."""
        claim_expires = now + ttl
        # The extension any message dying before the claim gets (it does not depend on the
        # message's own expiry; the scripts only compare).
        extension = lifecycle.extend_for_claim(float("-inf"), claim_expires, ttl, grace)
        assert extension is not None
        index_lifetime = max(claim_expires, extension.expires) - now
        return [
            claim_id,
            repr(claim_expires),
            ttl,
            repr(extension.expires),
            extension.ttl,
            ms(extension.expires - now),
            ms(index_lifetime),
            repr(now + index_lifetime + EXPIRY_MARGIN),
        ]

    def _keys(self, queue: str, project: str | None) -> QueueKeys:
        return self._store.queue_keys(queue, project)

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
        found = records(
            self._store.change(
                scripts.CLAIM,
                self._keys(queue, project),
                now,
                *self._hold_args(claim_id, now, ttl, grace),
                limit,
                doubt=doubts.CLAIM,
            )
        )
        if not found:
            return None
        return base.Claim(claim_id, ttl, 0, [record.message(now) for record in found])

    def get(self, queue: str, claim_id: str, project: str | None = None) -> base.Claim:
        if not is_id(claim_id):
            raise errors.ClaimDoesNotExist(claim_id, queue, project)
        now = self._store.clock()
        found = records(
            self._store.run(scripts.GET_CLAIM, self._keys(queue, project), now, claim_id)
        )
        if not found:
            raise errors.ClaimDoesNotExist(claim_id, queue, project)
        first = found[0]
        assert first.claim_expires is not None and first.claim_ttl is not None
        # A claim's age counts from its creation or its last renewal.
        renewed = first.claim_expires - first.claim_ttl
        return base.Claim(
            claim_id,
            first.claim_ttl,
            lifecycle.age(renewed, now),
            [record.message(now) for record in found],
        )

    def update(
        self, queue: str, claim_id: str, ttl: int, grace: int, project: str | None = None
    ) -> None:
        if not is_id(claim_id):
            raise errors.ClaimDoesNotExist(claim_id, queue, project)
        now = self._store.clock()
        held = self._store.change(
            scripts.RENEW,
            self._keys(queue, project),
            now,
            *self._hold_args(claim_id, now, ttl, grace),
            doubt=doubts.claim_renewed(claim_id),
        )
        if not int(held):
            raise errors.ClaimDoesNotExist(claim_id, queue, project)

    def delete(self, queue: str, claim_id: str, project: str | None = None) -> None:
        if not is_id(claim_id):
            return
        self._store.change(
            scripts.RELEASE,
            self._keys(queue, project),
            self._store.clock(),
            claim_id,
            doubt=doubts.claim_released(claim_id),
        )
