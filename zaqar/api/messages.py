"""Message operations."""

from __future__ import annotations

import builtins
from collections.abc import Sequence

from zaqar.api import validation
from zaqar.api.context import Caller, Document, Policy
from zaqar.api.errors import BadRequestBody, ValidationFailed
from zaqar.api.validation import Limits
from zaqar.storage import base


class Messages:
    def __init__(self, storage: base.DataDriver, limits: Limits, policy: Policy) -> None:
        self._messages = storage.message_controller
        self._limits = limits
        self._policy = policy

    def post(self, queue: str, document: Document, *, caller: Caller) -> builtins.list[str]:
        """Post the messages ``document()`` lists; their ids, in order.

        Each message is a JSON object with ``ttl`` and ``body``.
        """
        validation.queue_identification(queue, caller.project)
        client_id = caller.required_client_id()
        documents = document()
        if not documents:
            raise ValidationFailed("No messages to enqueu.")
        batch = []
        for message in documents:
            if not isinstance(message, dict):
                raise BadRequestBody("Document type not supported.")
            ttl = validation.field(message, "ttl", int)
            body = validation.field(message, "body", object)
            batch.append(base.NewMessage(ttl=ttl, body=body))
        for new in batch:
            validation.message_ttl(new.ttl, self._limits)
        return self._messages.post(queue, batch, client_id, caller.project)

    def list(
        self,
        queue: str,
        marker: str | None,
        limit: int | None,
        echo: bool,
        include_claimed: bool,
        *,
        caller: Caller,
    ) -> base.Page[base.Message]:
        """A page of the queue read as a feed; ``echo`` shows the caller's own messages."""
        validation.queue_identification(queue, caller.project)
        client_id = caller.required_client_id()
        limit = self._policy.default_limit if limit is None else limit
        validation.message_listing_limit(limit, self._limits)
        return self._messages.list(
            queue, caller.project, marker, limit, echo, client_id, include_claimed
        )

    def get(self, queue: str, message_id: str, *, caller: Caller) -> base.Message:
        validation.queue_identification(queue, caller.project)
        return self._messages.get(queue, message_id, caller.project)

    def bulk_get(
        self, queue: str, message_ids: Sequence[str], *, caller: Caller
    ) -> builtins.list[base.Message]:
        validation.queue_identification(queue, caller.project)
        validation.message_listing_limit(len(message_ids), self._limits)
        return self._messages.bulk_get(queue, message_ids, caller.project)

    def delete(self, queue: str, message_id: str, claim_id: str | None, *, caller: Caller) -> None:
        validation.queue_identification(queue, caller.project)
        self._messages.delete(queue, message_id, caller.project, claim_id)

    def bulk_delete(self, queue: str, message_ids: Sequence[str], *, caller: Caller) -> None:
        validation.queue_identification(queue, caller.project)
        validation.message_listing_limit(len(message_ids), self._limits)
        self._messages.bulk_delete(queue, message_ids, caller.project)
