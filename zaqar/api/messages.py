"""Message operations."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from zaqar.api import settings, validation
from zaqar.api.bodies import Bodies
from zaqar.api.bound import Bound
from zaqar.api.context import Caller, Guard, Policy, SizedDocument
from zaqar.api.errors import BadRequestBody, ValidationFailed
from zaqar.api.validation import Limits
from zaqar.core import spaces
from zaqar.storage import base


@dataclass(frozen=True)
class Listing:
    """A page of messages, and the listing options the service chose for the caller, which
    the link to the next page must carry (v2 shows delayed messages of an undelayed queue)."""

    page: base.Page[base.Message]
    chosen: dict[str, Any] = field(default_factory=dict)


class Messages(Bound):
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
        self._messages = storage.message_controller
        self._queues = storage.queue_controller

    def post(self, queue: str, document: SizedDocument, *, caller: Caller) -> builtins.list[str]:
        """Post the messages of the batch ``document(limit)`` gives; their ids, in order.

        A batch is a JSON array of messages (or ``{"messages": [...]}``, ``batch_envelope``),
        each a JSON object with ``body`` and ``ttl`` (which ``request_defaults`` make
        optional). With lazy queues a missing queue is created. With queue settings the
        queue's ``_default_message_ttl``, ``_max_messages_post_size`` and
        ``_default_message_delay`` apply; a message's own ``delay`` only on a delayed queue,
        and ``_enable_encrypt_messages`` stores the bodies encrypted (``bodies``).
        """
        project = self._enter("messages:create", caller, queue)
        client_id = caller.required_client_id()
        found = self._settings(queue, project)
        size = self._limits.max_messages_post_size
        queue_size = found.get("_max_messages_post_size")
        if queue_size:
            size = min(size, int(queue_size))
        batch = self._batch(document(size), self._default_ttl(found), settings.message_delay(found))
        for message in batch:
            validation.message_ttl(message.ttl, self._limits)
            validation.message_delay(message.delay, self._limits)
        batch = self._bodies.kept(batch, found, project)
        if self._policy.lazy_queues:
            return settings.post_creating(self._storage, queue, batch, client_id, project)
        return self._messages.post(queue, batch, client_id, project)

    def _settings(self, queue: str, project: str | None) -> dict[str, Any]:
        return settings.of_queue(self._policy, self._queues, queue, project)

    def _default_ttl(self, found: dict[str, Any]) -> int | None:
        """The ttl of a message posted without one; None when it is required."""
        if not self._policy.request_defaults:
            return None
        queue_ttl = found.get("_default_message_ttl")
        return int(queue_ttl) if queue_ttl else self._limits.default_message_ttl

    def _batch(
        self, document: Any, default_ttl: int | None, default_delay: int | None
    ) -> builtins.list[base.NewMessage]:
        """The messages of the batch; ``default_delay`` is None where delays are ignored."""
        if self._policy.batch_envelope:
            if not isinstance(document, dict) or "messages" not in document:
                raise ValidationFailed("No messages were found in the request body.")
            document = document["messages"]
        if not isinstance(document, list):
            raise BadRequestBody("Document type not supported.")
        if not document:
            raise ValidationFailed("No messages to enqueu.")
        batch = []
        for message in document:
            if not isinstance(message, dict):
                raise BadRequestBody("Document type not supported.")
            if default_ttl is None:
                ttl = validation.field(message, "ttl", int)
            else:
                ttl = validation.field(message, "ttl", int, default=default_ttl)
            body = validation.field(message, "body", object)
            delay = 0
            if default_delay is not None:
                delay = validation.field(message, "delay", int, default=default_delay)
            batch.append(base.NewMessage(ttl=ttl, body=body, delay=delay))
        return batch

    def _check_claims(
        self, queue: str, message_ids: Sequence[str], claim_ids: Sequence[str], project: str | None
    ) -> None:
        found = self._messages.bulk_get(queue, message_ids, project)
        holding = {message.claim_id for message in found if message.claimed}
        for claim_id in claim_ids:
            if claim_id not in holding:
                # The original answers 503 here; it is the request that is wrong.
                raise ValidationFailed(
                    f"Claim {claim_id} does not hold any of the messages to delete."
                )

    def list(
        self,
        queue: str,
        marker: str | None,
        limit: int | None,
        echo: bool,
        include_claimed: bool,
        include_delayed: bool = False,
        *,
        caller: Caller,
    ) -> Listing:
        """A page of the queue read as a feed; ``echo`` shows the caller's own messages.

        With queue settings, ``include_delayed`` shows delayed messages; on a queue without
        ``_default_message_delay`` they are always shown (as the original does), and the
        listing says so for the next page's link.
        """
        project = self._enter("messages:get_all", caller, queue)
        client_id = caller.required_client_id()
        limit = self._policy.default_limit if limit is None else limit
        validation.message_listing_limit(limit, self._limits)
        chosen: dict[str, Any] = {}
        if not self._policy.queue_settings:
            include_delayed = False  # before v2, delays are no option (and never made)
        elif not include_delayed:
            if settings.message_delay(self._settings(queue, project)) is None:
                include_delayed = True
                chosen["include_delayed"] = True
        page = self._messages.list(
            queue, project, marker, limit, echo, client_id, include_claimed, include_delayed
        )
        opened = self._bodies.opened(page.items, project)
        if opened is not page.items:
            page = base.Page(opened, page.next_marker)
        return Listing(page, chosen)

    def get(self, queue: str, message_id: str, *, caller: Caller) -> base.Message:
        project = self._enter("messages:get", caller, queue)
        found = self._messages.get(queue, message_id, project)
        return self._bodies.opened_one(found, project)

    def bulk_get(
        self, queue: str, message_ids: Sequence[str], *, caller: Caller
    ) -> builtins.list[base.Message]:
        project = self._enter("messages:get_all", caller, queue)
        validation.message_listing_limit(len(message_ids), self._limits)
        found = self._messages.bulk_get(queue, message_ids, project)
        return self._bodies.opened(found, project)

    def delete(self, queue: str, message_id: str, claim_id: str | None, *, caller: Caller) -> None:
        project = self._enter("messages:delete", caller, queue)
        self._messages.delete(queue, message_id, project, claim_id)

    def bulk_delete(self, queue: str, message_ids: Sequence[str], *, caller: Caller) -> None:
        project = self._enter("messages:delete_all", caller, queue)
        validation.message_listing_limit(len(message_ids), self._limits)
        self._messages.bulk_delete(queue, message_ids, project)

    def delete_or_pop(
        self,
        queue: str,
        message_ids: Sequence[str] | None,
        pop: int | None,
        claim_ids: Sequence[str] | None = None,
        *,
        caller: Caller,
    ) -> builtins.list[base.Message] | None:
        """v1.1 and v2's collection DELETE: by ``ids`` (None back) or ``pop`` free messages
        (taken and deleted at once: each goes to one popper only); exactly one of them.

        With ``message_delete_with_claim_id``, a delete by ids also names ``claim_ids``,
        each of which must hold one of the messages."""
        project = self._enter("messages:delete_all", caller, queue)
        if pop is not None and message_ids is not None:
            raise ValidationFailed(
                "pop and id params cannot be present together in the delete request."
            )
        if pop is None and message_ids is None:
            raise ValidationFailed(
                'The request should have either "ids" or "pop" parameter in the request, to '
                "be able to delete."
            )
        with_claims = self._limits.message_delete_with_claim_id
        if with_claims and (message_ids is None) != (claim_ids is None):
            raise ValidationFailed(
                'The request should have both "ids" and "claim_ids" parameter in the request '
                "when message_delete_with_claim_id is True."
            )
        if message_ids is not None:
            high = self._limits.max_messages_per_page
            if not 0 < len(message_ids) <= high:
                raise ValidationFailed(
                    f"ids parameter should have at least 1 and not greater than {high} values."
                )
            if with_claims and claim_ids:
                self._check_claims(queue, message_ids, claim_ids, project)
            self._messages.bulk_delete(queue, message_ids, project)
            return None
        assert pop is not None
        high = self._limits.max_messages_per_claim_or_pop
        if not 0 < pop <= high:
            raise ValidationFailed(
                f"Pop value must be at least 1 and may not be greater than {high}."
            )
        popped = self._messages.pop(queue, pop, project)
        return self._bodies.opened(popped, project)
