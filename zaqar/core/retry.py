"""When a failed delivery is tried again: the original's retry policy, computed as it does.

A policy is a queue's ``_retry_policy`` metadata or a subscription's ``_retry_policy``
option. Which one applies: the queue's when either says ``ignore_subscription_override``,
else the subscription's, else the queue's, else the defaults; the two are never merged, and
each key a policy lacks takes its default.

After the first try, a delivery is tried ``retries_with_no_delay`` times at once, then
``minimum_delay_retries`` times ``minimum_delay`` seconds apart, then once after each pause
of the backoff function over ``minimum_delay .. maximum_delay`` (in steps of
``LINEAR_INTERVAL``), then ``maximum_delay_retries`` times ``maximum_delay`` seconds apart;
then it is given up.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

RETRIES_WITH_NO_DELAY = 3
MINIMUM_DELAY_RETRIES = 3
MINIMUM_DELAY = 5
MAXIMUM_DELAY = 30
MAXIMUM_DELAY_RETRIES = 3
#: The original's fixed step of every backoff function.
LINEAR_INTERVAL = 5


def _steps(low: int, high: int) -> int:
    return int((high - low) / LINEAR_INTERVAL)


def linear(low: int, high: int) -> list[int]:
    return list(range(low, high, LINEAR_INTERVAL))


def arithmetic(low: int, high: int) -> list[int]:
    count = _steps(low, high)
    step = 2.0 * (high - low) / (count * (count - 1))
    return [int(low + (a - 1) * a * step / 2) for a in range(1, count + 1)]


def geometric(low: int, high: int) -> list[int]:
    count = _steps(low, high)
    ratio = math.pow(10, math.log10(high / low) / (count - 1))
    return [int(low * math.pow(ratio, a - 1)) for a in range(1, count + 1)]


def exponential(low: int, high: int) -> list[int]:
    count = _steps(low, high)
    ratio = math.pow(10, math.log10(high / low) / (count - 1))
    return [int(low / ratio * math.pow(ratio, a)) for a in range(1, count + 1)]


BACKOFF: dict[str, Callable[[int, int], list[int]]] = {
    "linear": linear,
    "arithmetic": arithmetic,
    "exponential": exponential,
    "geometric": geometric,
}
BACKOFF_FUNCTIONS = tuple(BACKOFF)


def chosen(subscription_policy: Any, queue_policy: Any) -> Mapping[str, Any]:
    """The policy that applies (see the module's comment)."""
    mine = subscription_policy if isinstance(subscription_policy, Mapping) else {}
    queue = queue_policy if isinstance(queue_policy, Mapping) else {}
    if mine.get("ignore_subscription_override") or queue.get("ignore_subscription_override"):
        return queue
    return mine or queue


def pauses(policy: Mapping[str, Any]) -> list[float]:
    """The seconds to wait before each retry, in order: one entry per retry."""
    low = int(policy.get("minimum_delay", MINIMUM_DELAY))
    high = int(policy.get("maximum_delay", MAXIMUM_DELAY))
    backoff = BACKOFF[policy.get("retry_backoff_function") or "linear"]
    # A policy the API refused (fewer than two steps) cannot reach here; stay safe anyway.
    steps = backoff(low, high) if _steps(low, high) >= 2 and low > 0 else linear(low, high)
    return [
        *[0.0] * int(policy.get("retries_with_no_delay", RETRIES_WITH_NO_DELAY)),
        *[float(low)] * int(policy.get("minimum_delay_retries", MINIMUM_DELAY_RETRIES)),
        *[float(pause) for pause in steps],
        *[float(high)] * int(policy.get("maximum_delay_retries", MAXIMUM_DELAY_RETRIES)),
    ]
