"""Claim operations."""

from __future__ import annotations

import dataclasses
from typing import Any

from zaqar.api import settings, validation
from zaqar.api.bodies import Bodies
from zaqar.api.bound import Bound
from zaqar.api.context import Caller, Document, Guard, Policy
from zaqar.api.errors import BadRequestBody
from zaqar.api.validation import Limits
from zaqar.core import spaces
from zaqar.storage import base


class Claims(Bound):
    def __init__(
        self,
        storage: base.DataDriver,
        limits: Limits,
        policy: Policy,
        guard: Guard,
        bodies: Bodies,
        space: spaces.Space = spaces.QUEUES,
    ) -> None:
        super().__init__(limits, policy, guard, space)
        self._bodies = bodies
        self._storage = storage
        self._claims = storage.claim_controller

    def create(
        self, queue: str, document: Document | None, limit: int | None, *, caller: Caller
    ) -> base.Claim | None:
        """Claim up to ``limit`` free messages for the ``ttl`` and ``grace`` that
        ``document()`` gives; None when there were none. With ``request_defaults`` the
        document (None: the request had no body) and both fields are optional.

        With queue settings, a queue with a dead-letter queue moves each message claimed
        more than ``_max_claim_count`` times there instead of handing it out (None when
        that leaves the claim empty)."""
        project = self._enter("claims:create", caller, queue)
        ttl, grace = self._terms(document, v1_grace=None)
        limit = self._policy.default_limit if limit is None else limit
        validation.claim_ttl(ttl, self._limits)
        validation.claim_limit(limit, self._limits)
        validation.claim_grace(grace, self._limits)
        found = settings.of_queue(self._policy, self._storage.queue_controller, queue, project)
        dead_letter = settings.DeadLetter.of(found)
        claim = self._claims.create(queue, ttl, grace, limit, project)
        if claim is None:
            return None
        if dead_letter is not None:
            over = [message for message in claim.messages if dead_letter.is_over(message)]
            if over:
                # Moved as stored (sealed bodies stay sealed).
                dead_letter.move(self._storage, queue, over, project)
                kept = [m for m in claim.messages if not dead_letter.is_over(m)]
                if not kept:
                    return None
                claim = dataclasses.replace(claim, messages=kept)
        return self._opened(claim, project)

    def _opened(self, claim: base.Claim, project: str | None) -> base.Claim:
        opened = self._bodies.opened(claim.messages, project)
        return claim if opened is claim.messages else dataclasses.replace(claim, messages=opened)

    def _terms(self, document: Document | None, *, v1_grace: int | None) -> tuple[int, int]:
        """The claim's ``ttl`` and ``grace``. With ``request_defaults`` the body (None: the
        request had none) and both fields are optional; otherwise the body and ``ttl`` are
        required, and ``grace`` too unless ``v1_grace`` is its default."""
        if self._policy.request_defaults:
            terms = {} if document is None else _object(document())
            return (
                validation.field(terms, "ttl", int, default=self._limits.default_claim_ttl),
                validation.field(terms, "grace", int, default=self._limits.default_claim_grace),
            )
        if document is None:
            raise BadRequestBody("Request body can not be empty")
        terms = _object(document())
        ttl = validation.field(terms, "ttl", int)
        if v1_grace is None:
            return ttl, validation.field(terms, "grace", int)
        return ttl, validation.field(terms, "grace", int, default=v1_grace)

    def get(self, queue: str, claim_id: str, *, caller: Caller) -> base.Claim:
        project = self._enter("claims:get", caller, queue)
        return self._opened(self._claims.get(queue, claim_id, project), project)

    def update(
        self, queue: str, claim_id: str, document: Document | None, *, caller: Caller
    ) -> None:
        """Renew the claim with the ``ttl`` (and optional ``grace``) ``document()`` gives."""
        project = self._enter("claims:update", caller, queue)
        ttl, grace = self._terms(document, v1_grace=0)
        # Renewals check only the TTL, as the reference service does; clients rely on any
        # grace being accepted. A grace outside [0, max_message_ttl] could only shorten a
        # message's life or keep it beyond any TTL the service allows, so it is brought
        # into that range instead.
        validation.claim_ttl(ttl, self._limits)
        grace = min(max(grace, 0), self._limits.max_message_ttl)
        self._claims.update(queue, claim_id, ttl, grace, project)

    def delete(self, queue: str, claim_id: str, *, caller: Caller) -> None:
        project = self._enter("claims:delete", caller, queue)
        self._claims.delete(queue, claim_id, project)


def _object(document: Any) -> dict[str, Any]:
    if not isinstance(document, dict):
        raise BadRequestBody("Document type not supported.")
    return document
