"""Queue operations."""

from __future__ import annotations

from typing import Any

from zaqar.api import validation
from zaqar.api.context import Caller, Document, Policy
from zaqar.api.errors import ValidationFailed
from zaqar.api.validation import Limits
from zaqar.storage import base


class Queues:
    def __init__(self, storage: base.DataDriver, limits: Limits, policy: Policy) -> None:
        self._queues = storage.queue_controller
        self._limits = limits
        self._policy = policy

    def list(
        self, marker: str | None, limit: int | None, detailed: bool, *, caller: Caller
    ) -> base.Page[base.Queue]:
        limit = self._policy.default_limit if limit is None else limit
        validation.queue_listing_limit(limit, self._limits)
        return self._queues.list(caller.project, marker, limit, detailed)

    def create(self, name: str, *, caller: Caller) -> bool:
        """Create the queue; True when it did not exist."""
        validation.queue_identification(name, caller.project)
        return self._queues.create(name, caller.project)

    def exists(self, name: str, *, caller: Caller) -> bool:
        validation.queue_identification(name, caller.project)
        return self._queues.exists(name, caller.project)

    def get_metadata(self, name: str, *, caller: Caller) -> dict[str, Any]:
        validation.queue_identification(name, caller.project)
        return self._queues.get_metadata(name, caller.project)

    def set_metadata(self, name: str, document: Document, *, caller: Caller) -> None:
        """Replace the queue's metadata with the JSON object ``document()`` returns."""
        validation.queue_identification(name, caller.project)
        metadata = document()
        if not self._policy.reserved_metadata and any(key.startswith("_") for key in metadata):
            raise ValidationFailed(
                'Reserved queue attributes in metadata (which names start with "_") can not '
                f"be set in API {self._policy.version}."
            )
        self._queues.set_metadata(name, metadata, caller.project)

    def delete(self, name: str, *, caller: Caller) -> None:
        validation.queue_identification(name, caller.project)
        self._queues.delete(name, caller.project)

    def stats(self, name: str, *, caller: Caller) -> base.QueueStats:
        validation.queue_identification(name, caller.project)
        return self._queues.stats(name, caller.project)
