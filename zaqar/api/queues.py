"""Queue operations."""

from __future__ import annotations

import builtins
from typing import Any

from zaqar.api import patch, validation
from zaqar.api.bodies import Bodies
from zaqar.api.bound import Bound
from zaqar.api.context import Caller, Document, Guard, Policy
from zaqar.api.errors import BadRequestBody, ValidationFailed
from zaqar.api.validation import Limits
from zaqar.core import spaces
from zaqar.storage import base, errors

#: What a purge can remove.
PURGEABLE = ("messages", "subscriptions")


class Queues(Bound):
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
        self._queues = storage.queue_controller
        self._messages = storage.message_controller
        self._subscriptions = storage.subscription_controller

    def list(
        self,
        marker: str | None,
        limit: int | None,
        detailed: bool,
        *,
        caller: Caller,
        name: str | None = None,
        metadata: dict[str, str] | None = None,
    ) -> base.Page[base.Queue]:
        """A page of the project's queues in name order. With ``listing_filters``, only
        those whose name contains ``name`` and whose metadata has each ``metadata`` value
        (compared as an integer when it reads as one)."""
        project = self._enter("queues:get_all", caller)
        limit = self._policy.default_limit if limit is None else limit
        validation.queue_listing_limit(limit, self._limits)
        if self._policy.listing_filters and (name or metadata):
            page = self._filtered(project, marker, limit, detailed, name, metadata or {})
        else:
            page = self._queues.list(project, marker, limit, detailed)
        if detailed and self._policy.queue_settings:
            shown = [base.Queue(q.name, self._shown(q.metadata or {})) for q in page.items]
            return base.Page(shown, page.next_marker)
        return page

    def _filtered(
        self,
        project: str | None,
        marker: str | None,
        limit: int,
        detailed: bool,
        name: str | None,
        metadata: dict[str, str],
    ) -> base.Page[base.Queue]:
        """Reads the project's queues in name order until a page of matches is full: the
        filters are the same on every driver, and cost a scan of the project's queues."""
        wanted = {key: _filter_value(value) for key, value in metadata.items()}
        page_size = self._limits.max_queues_per_page
        found: builtins.list[base.Queue] = []
        while True:
            page = self._queues.list(project, marker, page_size, detailed or bool(wanted))
            for queue in page.items:
                stored = queue.metadata or {}
                if name and name not in queue.name:
                    continue
                if any(stored.get(key) != value for key, value in wanted.items()):
                    continue
                found.append(base.Queue(queue.name, queue.metadata if detailed else None))
                if len(found) == limit:
                    return base.Page(found, queue.name)
            if len(page.items) < page_size or page.next_marker is None:
                return base.Page(found, found[-1].name if found else None)
            marker = page.next_marker

    def count(self, *, caller: Caller) -> int:
        """How many queues the caller's project has."""
        project = self._enter("queues:get_all", caller)
        return self._queues.count(project)

    def create(self, name: str, document: Document | None = None, *, caller: Caller) -> bool:
        """Create the queue, with the metadata ``document()`` gives if there is one; True
        when it did not exist (an existing queue keeps its metadata)."""
        project = self._enter("queues:create", caller, name)
        metadata = None if document is None else self._metadata(document())
        return self._queues.create(name, project, metadata)

    def exists(self, name: str, *, caller: Caller) -> bool:
        project = self._enter("queues:get", caller, name)
        return self._queues.exists(name, project)

    def get_metadata(self, name: str, *, caller: Caller) -> dict[str, Any]:
        """The queue's metadata; with lazy queues a missing queue has none (a missing topic
        is not found, as in the original), and with queue settings every setting shows (its
        default when the queue has none)."""
        project = self._enter("queues:get", caller, name)
        try:
            metadata = self._queues.get_metadata(name, project)
        except errors.QueueDoesNotExist:
            if not self._policy.lazy_queues or self._space is spaces.TOPICS:
                raise
            metadata = {}
        return self._shown(metadata) if self._policy.queue_settings else metadata

    def set_metadata(self, name: str, document: Document, *, caller: Caller) -> None:
        """Replace the queue's metadata with the JSON object ``document()`` returns."""
        project = self._enter("queues:update", caller, name)
        self._queues.set_metadata(name, self._metadata(document()), project)

    def patch(self, name: str, document: Document, *, caller: Caller) -> dict[str, Any]:
        """Change the queue's metadata by the JSON patch ``document()`` gives (``patch``);
        the metadata as ``get_metadata`` shows it afterwards. No concurrent change is lost.
        """
        project = self._enter("queues:update", caller, name)
        changes = patch.parse(document())
        reserved = validation.reserved_defaults(self._limits)

        def change(current: dict[str, Any]) -> dict[str, Any]:
            patched = patch.apply(changes, current, reserved)
            try:
                validation.queue_settings(patched, self._limits)
            except ValidationFailed as error:
                # The original reports a bad setting in a patch as a bad body.
                raise BadRequestBody(str(error)) from error
            self._bodies.check_settings(patched)
            return patched

        updated = self._queues.update_metadata(name, change, project)
        return self._shown(updated) if self._policy.queue_settings else updated

    def purge(self, name: str, document: Document | None, *, caller: Caller) -> None:
        """Remove what of the queue ``{"resource_types": [...]}`` names (all when there is no
        document): every message, claimed or not, and every subscription. The queue stays."""
        project = self._enter("queues:purge", caller, name)
        types = PURGEABLE if document is None else _purged_types(document())
        if "subscriptions" in types:
            self._subscriptions.delete_all(name, project)
        if "messages" not in types:
            return
        try:
            there = self._queues.stats(name, project).total
        except errors.QueueDoesNotExist:
            return
        page_size = self._limits.max_messages_per_page
        # The messages there when the purge began; some posted meanwhile may stay.
        for _ in range(there // page_size + 1):
            page = self._messages.list(
                name,
                project,
                None,
                page_size,
                echo=True,
                include_claimed=True,
                include_delayed=True,
            )
            if not page.items:
                return
            self._messages.bulk_delete(name, [m.id for m in page.items], project)

    def delete(self, name: str, *, caller: Caller) -> None:
        project = self._enter("queues:delete", caller, name)
        self._queues.delete(name, project)

    def stats(self, name: str, *, caller: Caller) -> base.QueueStats:
        project = self._enter("queues:stats", caller, name)
        try:
            return self._queues.stats(name, project)
        except errors.QueueDoesNotExist:
            if not self._policy.lazy_queues:
                raise
            return base.QueueStats(free=0, claimed=0)

    def _metadata(self, metadata: Any) -> dict[str, Any]:
        if not isinstance(metadata, dict):
            raise BadRequestBody("Document type not supported.")
        if not self._policy.reserved_metadata:
            if any(key.startswith("_") for key in metadata):
                raise ValidationFailed(
                    'Reserved queue attributes in metadata (which names start with "_") can '
                    f"not be set in API {self._policy.version}."
                )
        else:
            validation.queue_settings(metadata, self._limits)
            self._bodies.check_settings(metadata)
        return metadata

    def _shown(self, metadata: dict[str, Any]) -> dict[str, Any]:
        """``metadata`` with every setting, stored or default (a falsy one counts as unset)."""
        shown = dict(metadata)
        for key, default in validation.reserved_defaults(self._limits).items():
            if not shown.get(key):
                shown[key] = default
        return shown


def _purged_types(document: Any) -> tuple[str, ...]:
    if not isinstance(document, dict):
        raise BadRequestBody("Document type not supported.")
    if "resource_types" not in document:
        raise ValidationFailed('Post body must contain key "resource_types".')
    types = document["resource_types"]
    if not isinstance(types, list) or not all(t in PURGEABLE for t in types):
        raise ValidationFailed("Resource types must be a sub set of {'messages', 'subscriptions'}.")
    return tuple(types)


def _filter_value(text: str) -> Any:
    """A metadata filter's value: an integer when it reads as one (as the original does)."""
    try:
        return int(text)
    except ValueError:
        return text
