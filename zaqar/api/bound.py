"""What every family of operations (queues, messages, claims) starts from."""

from __future__ import annotations

from zaqar.api import validation
from zaqar.api.context import Caller, Guard, Policy
from zaqar.api.validation import Limits


class Bound:
    """Operations over one storage driver, bound to one API version's policy."""

    def __init__(self, limits: Limits, policy: Policy, guard: Guard) -> None:
        self._limits = limits
        self._policy = policy
        self._guard = guard

    def _enter(self, action: str, caller: Caller, queue: str | None = None) -> None:
        """Every operation's first step: the queue name (when it names one), then the rule
        of ``action`` (``zaqar.api.policies``), in the original's order."""
        if queue is not None:
            validation.queue_identification(queue, caller.project)
        self._guard(action, caller)
