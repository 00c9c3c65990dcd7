"""Push delivery end to end on real storage: a notifier delivers every posted message to
webhook subscribers on loopback, retries 5xx answers and timeouts, dead-letters what its
policy gives up, keeps a delivery log, mails ``mailto`` subscribers through a real SMTP
server, and never lets a dead subscriber delay a live one."""

from __future__ import annotations

import asyncio
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from oslo_config import cfg

import zaqar.conf
from tests.backends import BY_NAME
from zaqar.notification import senders
from zaqar.notification.notifier import Notifier
from zaqar.storage import base, loading

from .subscribers import closed_port, endpoints

#: Delivery on one SQL store, one Redis store and through pooling; the storage suite carries
#: the delivery records' contract across every driver.
BACKENDS = ["sqlite", "redis", "pooled-sqlite-redis"]

#: The shortest policy validation allows: after the first try, one retry at once and the
#: linear backoff's two (after 0 s and 5 s).
QUICK_DEATH = {
    "retries_with_no_delay": 1,
    "minimum_delay_retries": 0,
    "minimum_delay": 0,
    "maximum_delay": 10,
    "maximum_delay_retries": 0,
    "retry_backoff_function": "linear",
}


def _conf(backend: str, tmp_path: Path, **notification: Any) -> cfg.ConfigOpts:
    conf = zaqar.conf.load([], default_config_files=[])
    BY_NAME[backend].prepare(conf, tmp_path)
    settings = {
        "poll_interval": 0.05,
        "checkpoint_interval": 0.05,
        "request_timeout": 0.3,
        "lease_seconds": 3.0,
        "max_in_flight_per_subscriber": 16,
        **notification,
    }
    for name, value in settings.items():
        conf.set_override(name, value, group="notification")
    return conf


@pytest.fixture(params=BACKENDS)
def conf(request: pytest.FixtureRequest, tmp_path: Path) -> cfg.ConfigOpts:
    return _conf(request.param, tmp_path)


@pytest.fixture
def storage(conf: cfg.ConfigOpts) -> Iterator[base.DataDriver]:
    control = loading.load_control_driver(conf)
    data = loading.load_data_driver(conf, control)
    try:
        yield data
    finally:
        data.close()
        control.close()


class Running:
    """A notifier on its own event loop in a thread, stopped at the end of the test."""

    def __init__(self, storage: base.DataDriver, conf: cfg.ConfigOpts) -> None:
        self.notifier = Notifier(storage, conf)
        self._loop = asyncio.new_event_loop()
        self._stop = asyncio.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        self._loop.run_until_complete(self.notifier.run(self._stop))

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=30)
        assert not self._thread.is_alive()


@pytest.fixture
def notifier(storage: base.DataDriver, conf: cfg.ConfigOpts) -> Iterator[Running]:
    running = Running(storage, conf)
    try:
        yield running
    finally:
        running.stop()


def _subscribe(
    storage: base.DataDriver, queue: str, subscriber: str, options: dict[str, Any] | None = None
) -> str:
    storage.queue_controller.create(queue, "p")
    made = storage.subscription_controller.create(
        queue, subscriber, 3600, options or {}, "p", secret=secrets.token_hex(32)
    )
    assert made is not None
    return made


def _post(storage: base.DataDriver, queue: str, count: int, batch: int = 10) -> list[str]:
    ids: list[str] = []
    for start in range(0, count, batch):
        messages = [
            base.NewMessage(ttl=600, body={"n": n}) for n in range(start, min(count, start + batch))
        ]
        ids += storage.message_controller.post(queue, messages, "c" * 32, "p")
    return ids


def _eventually(check: Callable[[], bool], seconds: float, what: str) -> float:
    """Wait until ``check()``; the time it took."""
    start = time.monotonic()
    while not check():
        if time.monotonic() - start > seconds:
            raise AssertionError(f"not within {seconds} s: {what}")
        time.sleep(0.02)
    return time.monotonic() - start


def _dead(storage: base.DataDriver, queue: str, subscription: str) -> list[base.DeadLetter]:
    found: list[base.DeadLetter] = []
    marker = None
    while True:
        page = storage.delivery_controller.dead_letters(queue, "p", subscription, marker, 100)
        found += page.items
        if not page.items:
            return found
        marker = int(page.next_marker or 0)


def test_live_subscribers_get_every_message_while_dead_ones_fill_the_dead_letters(
    storage: base.DataDriver, notifier: Running
) -> None:
    count = 60
    with endpoints(slow_seconds=1.0) as (url, seen):
        fast = _subscribe(storage, "q", f"{url}/fast")
        _subscribe(storage, "q", f"{url}/flaky")
        slow = _subscribe(storage, "q", f"{url}/slow", {"_retry_policy": QUICK_DEATH})
        closed = _subscribe(
            storage,
            "q",
            f"http://127.0.0.1:{closed_port()}/hook",
            {"_retry_policy": QUICK_DEATH},
        )
        ids = _post(storage, "q", count)
        posted_at = time.monotonic()
        _eventually(lambda: set(seen["fast"].ids()) == set(ids), 20, "the fast one has all")
        fast_lag = seen["fast"].last_at - posted_at
        _eventually(lambda: set(seen["flaky"].ids()) == set(ids), 30, "the flaky one has all")
        _eventually(lambda: len(_dead(storage, "q", closed)) == count, 40, "closed dead")
        _eventually(lambda: len(_dead(storage, "q", slow)) == count, 60, "slow dead")
        dead_lag = time.monotonic() - posted_at
        # The dead ones cost the fast one nothing: it was done long before they were (each
        # of their messages takes more than 5 s of retry pauses).
        assert fast_lag < min(10.0, dead_lag / 2)

    flaky = seen["flaky"]
    assert all(flaky.tries[message_id] == 3 for message_id in ids)
    dead = _dead(storage, "q", closed)
    assert [letter.message_id for letter in dead] == ids
    assert {letter.attempts for letter in dead} == {4}  # the first try and three retries
    assert all(letter.reason.startswith("Cannot connect to host 127.0.0.1:") for letter in dead)
    assert {letter.reason for letter in _dead(storage, "q", slow)} == {"timed out"}
    assert [letter.body for letter in dead] == [{"n": n} for n in range(count)]

    # The payload: the original's keys, and the message's id and href.
    first = next(body for body in seen["fast"].received if body["message_id"] == ids[0])
    assert first == {
        "ttl": 600,
        "body": {"n": 0},
        "Message_Type": "Notification",
        "queue_name": "q",
        "message_id": ids[0],
        "href": f"/v2/queues/q/messages/{ids[0]}",
    }
    log = storage.delivery_controller.attempts("q", "p", fast, limit=5)
    # (A loaded machine may time a fast try out too: it is then tried again.)
    assert "delivered" in {attempt.outcome for attempt in log}
    assert {attempt.status for attempt in log if attempt.outcome == "delivered"} == {204}
    closed_log = storage.delivery_controller.attempts("q", "p", closed, limit=200)
    assert {attempt.outcome for attempt in closed_log} == {"failed", "dead"}
    assert all(a.next_try is not None for a in closed_log if a.outcome == "failed")
    metrics = notifier.notifier.metrics
    assert metrics.delivered >= 2 * count and metrics.dead >= 2 * count


def test_post_data_and_post_headers_shape_the_request(
    storage: base.DataDriver, notifier: Running
) -> None:
    with endpoints() as (url, seen):
        template = '{"workflow_id": "w", "params": {"env": {"notification": "$zaqar_message$"}}}'
        _subscribe(
            storage,
            "q",
            f"{url}/fast",
            {"post_data": template, "post_headers": {"X-Token": "secret"}},
        )
        [message_id] = _post(storage, "q", 1)
        _eventually(lambda: len(seen["fast"].received) == 1, 20, "delivered")
    body = seen["fast"].received[0]
    # Signed with the subscription's key, over the timestamp and the body as sent.
    secret = storage.subscription_controller.list("q", "p").items[0].secret
    assert secret
    stamp = seen["fast"].headers[0][senders.SIGNATURE_HEADER].split(",")[0][2:]
    raw = seen["fast"].raw[0]
    assert seen["fast"].headers[0][senders.SIGNATURE_HEADER] == senders.signature(
        secret, int(stamp), raw
    )
    assert abs(int(stamp) - time.time()) < 60
    assert body["workflow_id"] == "w"
    assert body["params"]["env"]["notification"]["message_id"] == message_id
    assert seen["fast"].headers[0]["X-Token"] == "secret"
    assert seen["fast"].headers[0]["Content-Type"] == "application/json"


def test_a_subscription_hears_only_of_messages_posted_after_it(
    storage: base.DataDriver, notifier: Running
) -> None:
    with endpoints() as (url, seen):
        storage.queue_controller.create("q", "p")
        _post(storage, "q", 3)
        _subscribe(storage, "q", f"{url}/fast")
        later = _post(storage, "q", 2)
        _eventually(lambda: len(seen["fast"].received) == 2, 20, "delivered")
        time.sleep(0.3)
    assert sorted(seen["fast"].ids()) == sorted(later)


def test_replayed_dead_letters_are_delivered_again_and_leave_the_dead_letters(
    storage: base.DataDriver, notifier: Running
) -> None:
    """An operator replays what a dead subscriber missed once it is back (here: once the
    subscription names a live receiver), some by message id, then the rest; one replayed
    while still refused is a dead letter again."""
    dead_hook = f"http://127.0.0.1:{closed_port()}/hook"
    with endpoints() as (url, seen):
        subscription = _subscribe(storage, "q", dead_hook, {"_retry_policy": QUICK_DEATH})
        ids = _post(storage, "q", 5)
        _eventually(lambda: len(_dead(storage, "q", subscription)) == 5, 40, "all dead")
        deliveries = storage.delivery_controller

        # Replayed while the receiver is still down: dead again, with new attempts.
        assert deliveries.replay("q", "p", subscription, [ids[4]]) == 1
        _eventually(
            lambda: (
                deliveries.attempts("q", "p", subscription, limit=1)[0].message_id == ids[4]
                and not _dead(storage, "q", subscription)[-1].replay
            ),
            40,
            "dead again",
        )
        assert len(_dead(storage, "q", subscription)) == 5

        storage.subscription_controller.update("q", subscription, "p", subscriber=f"{url}/fast")
        time.sleep(0.3)  # the runner takes the new receiver at the next walk
        assert deliveries.replay("q", "p", subscription, ids[:2]) == 2
        _eventually(lambda: sorted(seen["fast"].ids()) == sorted(ids[:2]), 20, "two replayed")
        _eventually(
            lambda: [d.message_id for d in _dead(storage, "q", subscription)] == ids[2:],
            20,
            "two gone from the dead letters",
        )
        assert deliveries.replay("q", "p", subscription) == 3
        _eventually(lambda: sorted(seen["fast"].ids()) == sorted(ids), 20, "all replayed")
        _eventually(lambda: not _dead(storage, "q", subscription), 20, "no dead letter left")
        assert deliveries.replays("q", "p", subscription, 10) == []
    assert notifier.notifier.metrics.replayed == 5
    replayed = next(body for body in seen["fast"].received if body["message_id"] == ids[0])
    assert replayed["body"] == {"n": 0}
    assert replayed["href"] == f"/v2/queues/q/messages/{ids[0]}"


def test_an_unconfirmed_subscription_gets_nothing_when_confirmation_is_required(
    tmp_path: Path,
) -> None:
    conf = _conf("sqlite", tmp_path, require_confirmation=True)
    control = loading.load_control_driver(conf)
    storage = loading.load_data_driver(conf, control)
    running = Running(storage, conf)
    try:
        with endpoints() as (url, seen):
            subscription = _subscribe(storage, "q", f"{url}/fast")
            _post(storage, "q", 2)
            time.sleep(0.5)
            assert seen["fast"].received == []
            storage.subscription_controller.confirm("q", subscription, "p", True)
            after = _post(storage, "q", 1)
            _eventually(lambda: len(seen["fast"].received) == 1, 20, "delivered")
            time.sleep(0.3)
            assert sorted(seen["fast"].ids()) == sorted(after)
        assert running.notifier.metrics.skipped == 2
    finally:
        running.stop()
        storage.close()
        control.close()


class _Inbox:
    def __init__(self) -> None:
        self.mails: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.mails.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


def test_a_mailto_subscriber_gets_a_mail_per_message(tmp_path: Path) -> None:
    inbox = _Inbox()
    port = closed_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    try:
        conf = _conf("sqlite", tmp_path, smtp_host="127.0.0.1", smtp_port=port)
        control = loading.load_control_driver(conf)
        storage = loading.load_data_driver(conf, control)
        running = Running(storage, conf)
        try:
            _subscribe(
                storage,
                "q",
                "mailto:ops@example.com?subject=Queue%20news",
                {"from": "zaqar@example.com"},
            )
            [message_id] = _post(storage, "q", 1)
            _eventually(lambda: len(inbox.mails) == 1, 20, "mailed")
        finally:
            running.stop()
            storage.close()
            control.close()
    finally:
        smtp.stop()
    sender, recipients, content = inbox.mails[0]
    assert sender == "zaqar@example.com" and recipients == ["ops@example.com"]
    mail = message_from_bytes(content)
    assert mail["Subject"] == "Queue news"
    assert mail["From"] == "zaqar@example.com"
    sent = json.loads(mail.get_payload(decode=True))
    assert sent["body"] == {"n": 0} and sent["message_id"] == message_id


def test_a_second_notifier_takes_over_when_the_first_stops(
    storage: base.DataDriver, conf: cfg.ConfigOpts
) -> None:
    with endpoints() as (url, seen):
        _subscribe(storage, "q", f"{url}/fast")
        first = Running(storage, conf)
        before = _post(storage, "q", 20)
        _eventually(lambda: set(seen["fast"].ids()) == set(before), 20, "first delivers")
        first.stop()  # gives its leases up
        second = Running(storage, conf)
        try:
            after = _post(storage, "q", 20)
            _eventually(lambda: set(after) <= set(seen["fast"].ids()), 20, "second delivers")
        finally:
            second.stop()
    # A notifier that stops in order checkpoints first: nothing is delivered twice.
    assert sorted(seen["fast"].ids()) == sorted(before + after)
