"""Message operations."""

from __future__ import annotations

import builtins
from collections.abc import Sequence

from zaqar.api import validation
from zaqar.api.errors import ValidationFailed
from zaqar.api.validation import Limits
from zaqar.storage import base


class Messages:
    def __init__(self, storage: base.DataDriver, limits: Limits) -> None:
        self._messages = storage.message_controller
        self._limits = limits

    def post(
        self,
        queue: str,
        project: str | None,
        messages: Sequence[base.NewMessage],
        client_uuid: str,
    ) -> builtins.list[str]:
        if not messages:
            raise ValidationFailed("No messages to enqueu.")
        for message in messages:
            validation.message_ttl(message.ttl, self._limits)
        return self._messages.post(queue, messages, client_uuid, project)

    def list(
        self,
        queue: str,
        project: str | None,
        marker: str | None,
        limit: int,
        echo: bool,
        client_uuid: str | None,
        include_claimed: bool,
    ) -> base.Page[base.Message]:
        validation.message_listing_limit(limit, self._limits)
        return self._messages.list(
            queue, project, marker, limit, echo, client_uuid, include_claimed
        )

    def get(self, queue: str, project: str | None, message_id: str) -> base.Message:
        return self._messages.get(queue, message_id, project)

    def bulk_get(
        self, queue: str, project: str | None, message_ids: Sequence[str]
    ) -> builtins.list[base.Message]:
        validation.message_listing_limit(len(message_ids), self._limits)
        return self._messages.bulk_get(queue, message_ids, project)

    def delete(
        self, queue: str, project: str | None, message_id: str, claim_id: str | None
    ) -> None:
        self._messages.delete(queue, message_id, project, claim_id)

    def bulk_delete(self, queue: str, project: str | None, message_ids: Sequence[str]) -> None:
        validation.message_listing_limit(len(message_ids), self._limits)
        self._messages.bulk_delete(queue, message_ids, project)
