"""A queue's settings (its reserved metadata, API v2) as the operations carry them out."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from zaqar.api.context import Policy
from zaqar.storage import base, errors

#: Stands for the service as the poster of the messages it moves to a dead-letter queue, so
#: that no client's ``echo=false`` listing leaves them out.
DEAD_LETTER_CLIENT = uuid.uuid5(uuid.NAMESPACE_URL, "zaqar:dead-letter").hex


def of_queue(
    policy: Policy, queues: base.QueueController, name: str, project: str | None
) -> dict[str, Any]:
    """The queue's settings where the version carries them out (v2): its metadata; nothing
    for a missing queue (lazy queues have no settings) or before v2."""
    if not policy.queue_settings:
        return {}
    # PERF: one more read per post, listing and claim, as the original makes; a later speed
    # pass may cache queue settings for a moment.
    try:
        return queues.get_metadata(name, project)
    except errors.QueueDoesNotExist:
        return {}


def post_creating(
    storage: base.DataDriver,
    queue: str,
    batch: Sequence[base.NewMessage],
    client_id: str,
    project: str | None,
    ids: Sequence[str] | None = None,
) -> list[str]:
    """Post the batch, creating the queue when it is missing (lazy queues)."""
    try:
        return storage.message_controller.post(queue, batch, client_id, project, ids)
    except errors.QueueDoesNotExist:
        pass
    # Created between the two calls by someone else, or here: either way it exists.
    storage.queue_controller.create(queue, project)
    return storage.message_controller.post(queue, batch, client_id, project, ids)


def message_delay(settings: dict[str, Any]) -> int | None:
    """The delay of a message posted without one, when the queue is delayed; else None (a
    queue without a delay ignores the messages' own)."""
    delay = settings.get("_default_message_delay")
    return int(delay) if delay else None


@dataclass(frozen=True)
class DeadLetter:
    """Where a queue's messages go once claimed ``max_claim_count`` times."""

    queue: str
    max_claim_count: int
    #: The TTL moved messages get; None keeps their own.
    ttl: int | None

    @classmethod
    def of(cls, settings: dict[str, Any]) -> DeadLetter | None:
        queue = settings.get("_dead_letter_queue")
        count = settings.get("_max_claim_count")
        if not queue or count is None:
            return None
        return cls(queue, int(count), settings.get("_dead_letter_queue_messages_ttl") or None)

    def is_over(self, message: base.Message) -> bool:
        """Whether the claim that just took ``message`` (and counted it) is one too many."""
        return message.claim_count > self.max_claim_count

    def copy_id(self, message: base.Message) -> str:
        """The id of the message's copy in the dead-letter queue: always the same one, so a
        move that is repeated (after a crash, or by a second claimer once the first one's
        claim lapsed) stores it once."""
        return uuid.uuid5(uuid.NAMESPACE_OID, f"{self.queue}/{message.id}").hex

    def move(
        self,
        storage: base.DataDriver,
        source: str,
        moved: list[base.Message],
        project: str | None,
    ) -> None:
        """Move ``moved`` (held by our claim) from ``source`` to the dead-letter queue.

        The copies are stored before the originals are deleted, so a failure in between
        leaves a message in both places, never in none: the original stays claimed until
        the claim lapses, and the next claim moves it again, which stores no second copy.
        Works across pools: both steps go through ``storage``, which routes each queue.
        """
        batch = [
            base.NewMessage(
                ttl=self.ttl or message.ttl, body=message.body, checksum=message.checksum
            )
            for message in moved
        ]
        ids = [self.copy_id(message) for message in moved]
        # Queues are lazy in v2: the dead-letter queue is made on its first message.
        post_creating(storage, self.queue, batch, DEAD_LETTER_CLIENT, project, ids)
        storage.message_controller.bulk_delete(source, [message.id for message in moved], project)
