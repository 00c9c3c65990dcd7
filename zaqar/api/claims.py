"""Claim operations."""

from __future__ import annotations

from zaqar.api import validation
from zaqar.api.validation import Limits
from zaqar.storage import base


class Claims:
    def __init__(self, storage: base.DataDriver, limits: Limits) -> None:
        self._claims = storage.claim_controller
        self._limits = limits

    def create(
        self, queue: str, project: str | None, ttl: int, grace: int, limit: int
    ) -> base.Claim | None:
        validation.claim_ttl(ttl, self._limits)
        validation.claim_limit(limit, self._limits)
        validation.claim_grace(grace, self._limits)
        return self._claims.create(queue, ttl, grace, limit, project)

    def get(self, queue: str, project: str | None, claim_id: str) -> base.Claim:
        return self._claims.get(queue, claim_id, project)

    def update(self, queue: str, project: str | None, claim_id: str, ttl: int, grace: int) -> None:
        # Renewals check only the TTL, as the reference service does; clients rely on any
        # grace being accepted. A grace outside [0, max_message_ttl] could only shorten a
        # message's life or keep it beyond any TTL the service allows, so it is brought
        # into that range instead.
        validation.claim_ttl(ttl, self._limits)
        grace = min(max(grace, 0), self._limits.max_message_ttl)
        self._claims.update(queue, claim_id, ttl, grace, project)

    def delete(self, queue: str, project: str | None, claim_id: str) -> None:
        self._claims.delete(queue, claim_id, project)
