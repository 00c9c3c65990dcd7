"""The circuit breaker of a store, on a clock that moves only when told to."""

from __future__ import annotations

import logging
import threading

import pytest

from tests.clock import Clock
from zaqar.storage import errors
from zaqar.storage.breaker import Breaker


class Unreachable(Exception):
    """What a driver's code raises in these tests when the backend is away."""


def call(breaker: Breaker, reachable: bool) -> None:
    """One request's conversation with a backend that is, or is not, reachable."""
    with breaker.attempt() as attempt:
        if not reachable:
            attempt.unreachable()
            raise Unreachable


def fails(breaker: Breaker) -> None:
    with pytest.raises(Unreachable):
        call(breaker, reachable=False)


def held_off(breaker: Breaker) -> None:
    with pytest.raises(errors.ServiceUnavailable, match="breaker open"):
        call(breaker, reachable=True)


@pytest.fixture
def clock() -> Clock:
    return Clock(100.0)


@pytest.fixture
def breaker(clock: Clock) -> Breaker:
    return Breaker("test store", 2.0, clock)


def test_a_closed_breaker_lets_every_request_through(breaker: Breaker) -> None:
    for _ in range(3):
        call(breaker, reachable=True)
    assert not breaker.is_open


def test_one_unreachable_backend_opens_it_and_requests_are_held_off_at_once(
    breaker: Breaker, clock: Clock
) -> None:
    fails(breaker)
    assert breaker.is_open
    held_off(breaker)
    clock.advance(1.9)
    held_off(breaker)


def test_after_the_open_period_one_probe_goes_through_and_its_success_closes_it(
    breaker: Breaker, clock: Clock
) -> None:
    fails(breaker)
    clock.advance(2.0)
    call(breaker, reachable=True)  # the probe
    assert not breaker.is_open
    call(breaker, reachable=True)


def test_a_probe_that_fails_keeps_it_open_for_another_period_from_the_failure(
    breaker: Breaker, clock: Clock
) -> None:
    fails(breaker)
    clock.advance(2.0)
    probe = breaker.admit()
    clock.advance(5.0)  # the probe took a timeout to fail
    probe.unreachable()
    breaker.record(probe)
    assert breaker.is_open
    clock.advance(1.9)
    held_off(breaker)
    clock.advance(0.1)
    call(breaker, reachable=True)
    assert not breaker.is_open


def test_while_a_probe_is_out_others_are_held_off_and_one_more_goes_each_period(
    breaker: Breaker, clock: Clock
) -> None:
    fails(breaker)
    clock.advance(2.0)
    first = breaker.admit()
    assert first.probe
    held_off(breaker)
    # A probe that hangs does not keep the breaker open for good.
    clock.advance(2.0)
    second = breaker.admit()
    assert second.probe
    breaker.record(second)
    assert not breaker.is_open
    # The late answer of the first probe changes nothing.
    breaker.record(first)
    assert not breaker.is_open


def test_an_error_the_backend_answered_with_counts_as_reaching_it(
    breaker: Breaker, clock: Clock
) -> None:
    fails(breaker)
    clock.advance(2.0)
    with pytest.raises(KeyError), breaker.attempt():
        raise KeyError("queue missing")  # an answer, not an outage
    assert not breaker.is_open


def test_an_exit_that_says_nothing_leaves_it_as_it_was(breaker: Breaker, clock: Clock) -> None:
    fails(breaker)
    clock.advance(2.0)
    with pytest.raises(KeyboardInterrupt), breaker.attempt():
        raise KeyboardInterrupt
    assert breaker.is_open
    clock.advance(2.0)
    call(breaker, reachable=True)
    assert not breaker.is_open


def test_a_late_failure_of_a_request_let_in_before_it_opened_holds_it_open_longer(
    breaker: Breaker, clock: Clock
) -> None:
    # Both requests went in while it was closed; the second took a timeout to fail.
    first, second = breaker.admit(), breaker.admit()
    first.unreachable()
    breaker.record(first)
    clock.advance(1.5)
    second.unreachable()
    breaker.record(second)
    # The period counts from the latest news of the backend being away.
    clock.advance(1.9)
    held_off(breaker)
    clock.advance(0.1)
    call(breaker, reachable=True)
    assert not breaker.is_open


def test_a_period_of_zero_turns_it_off(clock: Clock) -> None:
    breaker = Breaker("test store", 0.0, clock)
    for _ in range(3):
        fails(breaker)
    assert not breaker.is_open
    call(breaker, reachable=True)


def test_it_logs_once_when_it_opens_and_once_when_it_closes(
    breaker: Breaker, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="zaqar.storage.breaker")
    fails(breaker)
    for _ in range(5):
        held_off(breaker)
    clock.advance(2.0)
    fails(breaker)  # a failed probe
    held_off(breaker)
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 1 and "test store is unreachable: breaker open" in messages[0]
    clock.advance(2.0)
    call(breaker, reachable=True)
    for _ in range(3):
        call(breaker, reachable=True)
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 2 and "test store answers again: breaker closed" in messages[1]


def test_many_threads_see_one_opening_and_one_probe_per_period(clock: Clock) -> None:
    breaker = Breaker("test store", 2.0, clock)
    fails(breaker)
    clock.advance(2.0)
    probes: list[bool] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def request() -> None:
        start.wait(timeout=5)
        try:
            attempt = breaker.admit()
        except errors.ServiceUnavailable:
            return
        with lock:
            probes.append(attempt.probe)

    threads = [threading.Thread(target=request) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=5)
    assert probes == [True]
