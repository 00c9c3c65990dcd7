"""Claim operations."""

from __future__ import annotations

from zaqar.api import validation
from zaqar.api.context import Caller, Document, Policy
from zaqar.api.validation import Limits
from zaqar.storage import base


class Claims:
    def __init__(self, storage: base.DataDriver, limits: Limits, policy: Policy) -> None:
        self._claims = storage.claim_controller
        self._limits = limits
        self._policy = policy

    def create(
        self, queue: str, document: Document, limit: int | None, *, caller: Caller
    ) -> base.Claim | None:
        """Claim up to ``limit`` free messages for the ``ttl`` and ``grace`` that
        ``document()`` gives; None when there were none."""
        validation.queue_identification(queue, caller.project)
        terms = document()
        ttl = validation.field(terms, "ttl", int)
        grace = validation.field(terms, "grace", int)
        limit = self._policy.default_limit if limit is None else limit
        validation.claim_ttl(ttl, self._limits)
        validation.claim_limit(limit, self._limits)
        validation.claim_grace(grace, self._limits)
        return self._claims.create(queue, ttl, grace, limit, caller.project)

    def get(self, queue: str, claim_id: str, *, caller: Caller) -> base.Claim:
        validation.queue_identification(queue, caller.project)
        return self._claims.get(queue, claim_id, caller.project)

    def update(self, queue: str, claim_id: str, document: Document, *, caller: Caller) -> None:
        """Renew the claim with the ``ttl`` (and optional ``grace``) ``document()`` gives."""
        validation.queue_identification(queue, caller.project)
        terms = document()
        ttl = validation.field(terms, "ttl", int)
        grace = validation.field(terms, "grace", int, default=0)
        # Renewals check only the TTL, as the reference service does; clients rely on any
        # grace being accepted. A grace outside [0, max_message_ttl] could only shorten a
        # message's life or keep it beyond any TTL the service allows, so it is brought
        # into that range instead.
        validation.claim_ttl(ttl, self._limits)
        grace = min(max(grace, 0), self._limits.max_message_ttl)
        self._claims.update(queue, claim_id, ttl, grace, caller.project)

    def delete(self, queue: str, claim_id: str, *, caller: Caller) -> None:
        validation.queue_identification(queue, caller.project)
        self._claims.delete(queue, claim_id, caller.project)
