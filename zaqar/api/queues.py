"""Queue operations."""

from __future__ import annotations

from typing import Any

from zaqar.api import validation
from zaqar.api.validation import Limits
from zaqar.storage import base


class Queues:
    def __init__(self, storage: base.DataDriver, limits: Limits) -> None:
        self._queues = storage.queue_controller
        self._limits = limits

    def list(
        self, project: str | None, marker: str | None, limit: int, detailed: bool
    ) -> base.Page[base.Queue]:
        validation.queue_listing_limit(limit, self._limits)
        return self._queues.list(project, marker, limit, detailed)

    def create(
        self, name: str, project: str | None, metadata: dict[str, Any] | None = None
    ) -> bool:
        return self._queues.create(name, project, metadata)

    def exists(self, name: str, project: str | None) -> bool:
        return self._queues.exists(name, project)

    def get_metadata(self, name: str, project: str | None) -> dict[str, Any]:
        return self._queues.get_metadata(name, project)

    def set_metadata(self, name: str, project: str | None, metadata: dict[str, Any]) -> None:
        self._queues.set_metadata(name, metadata, project)

    def delete(self, name: str, project: str | None) -> None:
        self._queues.delete(name, project)

    def stats(self, name: str, project: str | None) -> base.QueueStats:
        return self._queues.stats(name, project)
