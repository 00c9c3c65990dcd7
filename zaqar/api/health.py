"""The detailed health of the storage (admin API, v1.1 and v2): a real round of operations.

Each store behind the service (the one store, or every pool) gets a throw-away queue in a
project of its own, and the round the original runs: create the queue, post 100 messages,
claim them, list them, delete each with its claim, release the claim, delete by ids, delete
the queue. Each step reports whether it succeeded and how long it took; a failure carries a
``ref`` that the server's log names, so an operator can find its cause.
"""

from __future__ import annotations

import functools
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

from zaqar.api.bound import Bound
from zaqar.api.context import Caller, Guard, Policy
from zaqar.api.validation import Limits
from zaqar.storage import base

LOG = logging.getLogger(__name__)

#: The round's messages, as the original posts them.
MESSAGES = 100
MESSAGE_TTL = 600
CLAIM_TTL = 60
CLAIM_GRACE = 300


class Health(Bound):
    def __init__(
        self, storage: base.DataDriver, limits: Limits, policy: Policy, guard: Guard
    ) -> None:
        super().__init__(limits, policy, guard)
        self._storage = storage

    def report(self, *, caller: Caller) -> dict[str, Any]:
        """One store's report, or with pooling ``catalog_reachable`` and one per pool."""
        self._enter("health:get", caller)
        pools = self._storage.pool_drivers()
        if not pools:
            return store_report(self._storage)
        report: dict[str, Any] = {"catalog_reachable": self._storage.control.is_alive()}
        for name in sorted(pools):
            report[name] = store_report(pools[name])
        return report


def store_report(driver: base.DataDriver) -> dict[str, Any]:
    reachable = driver.is_alive()
    # An unreachable store would fail every step, each after its own timeout.
    steps = _round(driver) if reachable else {}
    return {"storage_reachable": reachable, "operation_status": steps}


def _round(driver: base.DataDriver) -> dict[str, dict[str, Any]]:
    steps: dict[str, dict[str, Any]] = {}
    project = uuid.uuid4().hex
    queue = uuid.uuid4().hex
    client = uuid.uuid4().hex

    def step(name: str, operation: Callable[[], Any]) -> tuple[bool, Any]:
        began = time.monotonic()
        ref = None
        result = None
        try:
            result = operation()
        except Exception:  # noqa: BLE001 - a failed step is reported, with its log reference
            ref = uuid.uuid4().hex
            LOG.exception("health check step %s failed (ref %s)", name, ref)
        steps[name] = {
            "succeeded": ref is None,
            "seconds": time.monotonic() - began,
            "ref": ref,
        }
        return ref is None, result

    queues, messages, claims = (
        driver.queue_controller,
        driver.message_controller,
        driver.claim_controller,
    )
    created, _ = step("create_queue", lambda: queues.create(queue, project))
    if not created:
        return steps
    batch = [base.NewMessage(ttl=MESSAGE_TTL, body={"event": f"p_{n}"}) for n in range(MESSAGES)]
    _, ids = step("post_messages", lambda: messages.post(queue, batch, client, project))
    if ids:
        _, claim = step(
            "claim_messages",
            lambda: claims.create(queue, CLAIM_TTL, CLAIM_GRACE, MESSAGES, project),
        )
        step(
            "list_messages",
            lambda: messages.list(
                queue, project, echo=True, client_uuid=client, include_claimed=True
            ),
        )
        if claim is not None:
            for message in claim.messages:
                deleted, _ = step(
                    "delete_messages",
                    functools.partial(messages.delete, queue, message.id, project, claim.id),
                )
                if not deleted:
                    break
            step("delete_claim", lambda: claims.delete(queue, claim.id, project))
    step("bulk_delete_messages", lambda: messages.bulk_delete(queue, ids or [], project))
    step("delete_queue", lambda: queues.delete(queue, project))
    return steps
