"""What every family of operations (queues, messages, claims) starts from."""

from __future__ import annotations

from zaqar.api import validation
from zaqar.api.context import Caller, Guard, Policy
from zaqar.api.validation import Limits
from zaqar.core import spaces


class Bound:
    """Operations over one storage driver, bound to one API version's policy and to one
    name space (queues, or topics)."""

    def __init__(
        self, limits: Limits, policy: Policy, guard: Guard, space: spaces.Space = spaces.QUEUES
    ) -> None:
        self._limits = limits
        self._policy = policy
        self._guard = guard
        self._space = space

    def _enter(self, action: str, caller: Caller, queue: str | None = None) -> str | None:
        """Every operation's first step: the queue name (when it names one), then the rule
        of ``action`` (``zaqar.api.policies``), in the original's order. Returns the project
        storage keeps the space's queues under: the caller's, or its topics'."""
        if queue is not None:
            validation.queue_identification(queue, caller.project, self._space)
        self._guard(self._space.action(action), caller)
        return self._space.stored(caller.project)
