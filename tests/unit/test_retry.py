"""The retry schedule is the original's, figure for figure."""

from __future__ import annotations

import pytest

from zaqar.core import retry


@pytest.mark.parametrize(
    ("function", "expected"),
    [
        ("linear", [5, 10, 15, 20, 25]),
        ("arithmetic", [5, 7, 12, 20, 30]),
        ("geometric", [5, 7, 12, 19, 30]),
        ("exponential", [5, 7, 12, 19, 30]),
    ],
)
def test_the_backoff_functions_give_the_original_pauses(function: str, expected: list[int]) -> None:
    assert retry.BACKOFF[function](5, 30) == expected


def test_the_default_policy_retries_fourteen_times() -> None:
    assert retry.pauses({}) == [0, 0, 0, 5, 5, 5, 5, 10, 15, 20, 25, 30, 30, 30]


def test_tries_come_when_the_original_made_them() -> None:
    # Policy 1/1/1/11/1 linear: the original tried at 0, 0, 1, 2, 8 and 19 seconds.
    policy = {
        "retries_with_no_delay": 1,
        "minimum_delay_retries": 1,
        "minimum_delay": 1,
        "maximum_delay": 11,
        "maximum_delay_retries": 1,
        "retry_backoff_function": "linear",
    }
    times = [0.0]
    for pause in retry.pauses(policy):
        times.append(times[-1] + pause)
    assert times == [0, 0, 1, 2, 8, 19]


def test_the_subscription_policy_wins_unless_an_override_is_ignored() -> None:
    mine, queue = {"minimum_delay": 1}, {"minimum_delay": 2}
    assert retry.chosen(mine, queue) is mine
    assert retry.chosen({}, queue) is queue
    assert retry.chosen(None, None) == {}
    assert retry.chosen({**mine, "ignore_subscription_override": True}, queue) is queue
    assert retry.chosen(mine, {**queue, "ignore_subscription_override": True})["minimum_delay"] == 2
    # Not merged: the missing keys take the defaults, not the other policy's.
    assert retry.pauses(retry.chosen({"maximum_delay_retries": 0}, queue))[3] == 5
