"""The confirmation flow (``require_confirmation``, CLIENTS.md §4.4), end to end on SQLite:
subscribing sends a SubscriptionConfirmation with a pre-signed URL; nothing is delivered
until the subscriber replays it; unconfirming sends an UnsubscribeConfirmation."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.support import Api
from zaqar import bootstrap

from .subscribers import Subscriber, endpoints
from .test_delivery import Running, _conf, _eventually

KEY = "confirmation-test-key"
SUBSCRIPTIONS = "/v2/queues/nq/subscriptions"


@pytest.fixture
def service(tmp_path: Path) -> Iterator[tuple[Api, Running]]:
    conf = _conf("sqlite", tmp_path, require_confirmation=True)
    conf.set_override("secret_key", KEY, group="signed_url")
    boot = bootstrap.Bootstrap(conf)
    running = Running(boot.storage, conf)
    try:
        yield Api(boot.transport.app, boot), running
    finally:
        running.stop()
        boot.close()


def _requests(subscriber: Subscriber, kind: str) -> list[dict[str, Any]]:
    with subscriber.lock:
        return [body for body in subscriber.received if body.get("Message_Type") == kind]


def _notifications(subscriber: Subscriber) -> list[Any]:
    with subscriber.lock:
        return [b["body"] for b in subscriber.received if b.get("Message_Type") == "Notification"]


def _check_request(
    body: dict[str, Any], kind: str, text: str, sid: str, ttl: int, headers: dict[str, str]
) -> None:
    path = f"/v2/queues/nq/subscriptions/{sid}/confirm"
    assert set(body) == {
        "Message_Type",
        "Message",
        "URL-Signature",
        "URL-Methods",
        "URL-Paths",
        "X-Project-ID",
        "URL-Expires",
        "SubscribeBody",
        "UnsubscribeBody",
        "queue_name",
    }
    assert body["Message_Type"] == kind and body["Message"] == text
    assert (body["URL-Methods"], body["URL-Paths"]) == ("PUT", path)
    assert body["X-Project-ID"] == "proj1" and body["queue_name"] == "nq"
    assert body["SubscribeBody"] == {"confirmed": True}
    assert body["UnsubscribeBody"] == {"confirmed": False}
    expires = datetime.datetime.strptime(body["URL-Expires"], "%Y-%m-%dT%H:%M:%S")
    expected = datetime.datetime.now(datetime.UTC).replace(tzinfo=None) + datetime.timedelta(
        seconds=ttl
    )
    assert abs((expires - expected).total_seconds()) < 30
    # The original's recipe, with a backslash and an "n" between the parts.
    signed = rf"{path}\nPUT\nproj1\n{body['URL-Expires']}".encode()
    assert body["URL-Signature"] == hmac.new(KEY.encode(), signed, hashlib.sha256).hexdigest()
    assert headers["X-Custom"] == "yes"  # the subscription's post_headers apply


def test_nothing_is_delivered_until_the_subscriber_confirms_with_the_signed_url(
    service: tuple[Api, Running],
) -> None:
    api, running = service
    with endpoints() as (url, seen):
        hook = seen["fast"]
        document = {
            "subscriber": f"{url}/fast",
            "ttl": 600,
            "options": {"post_headers": {"X-Custom": "yes"}},
        }
        made = api.post(SUBSCRIPTIONS, json=document, project="proj1")
        assert made.status_code == 201, made.text
        sid, secret = made.json["subscription_id"], made.json["signing_secret"]
        _eventually(lambda: len(_requests(hook, "SubscriptionConfirmation")) == 1, 20, "asked")
        [asked] = _requests(hook, "SubscriptionConfirmation")
        with hook.lock:
            headers, raw = hook.headers[0], hook.raw[0]
        text = "You have chosen to subscribe to the queue: nq"
        _check_request(asked, "SubscriptionConfirmation", text, sid, 600, headers)
        # Signed like every webhook, with the key the create answered.
        stamp = headers["X-Zaqar-Signature"].split(",")[0].removeprefix("t=")
        mac = hmac.new(secret.encode(), f"{stamp}.".encode() + raw, hashlib.sha256)
        assert headers["X-Zaqar-Signature"] == f"t={stamp},v1={mac.hexdigest()}"

        # Unconfirmed: a post reaches no one, and a second subscribe asks again.
        post = {"messages": [{"body": "before", "ttl": 300}]}
        assert api.post("/v2/queues/nq/messages", json=post, project="proj1").status_code == 201
        again = api.post(SUBSCRIPTIONS, json=document, project="proj1")
        assert again.status_code == 201 and again.json == {"subscription_id": sid}
        _eventually(lambda: len(_requests(hook, "SubscriptionConfirmation")) == 2, 20, "re-asked")
        time.sleep(0.3)
        assert _notifications(hook) == []

        # The subscriber replays the signed headers, and nothing else, to confirm.
        confirm = api.put(
            asked["URL-Paths"],
            json=asked["SubscribeBody"],
            project=None,
            headers={
                name: asked[name]
                for name in ("URL-Signature", "URL-Methods", "URL-Paths", "URL-Expires")
            }
            | {"X-Project-ID": asked["X-Project-ID"]},
        )
        assert confirm.status_code == 204, confirm.text
        assert api.get(f"{SUBSCRIPTIONS}/{sid}", project="proj1").json["confirmed"] is True
        # The signed URL opens that confirmation only.
        other = api.get(
            f"{SUBSCRIPTIONS}/{sid}",
            project=None,
            headers={name: asked[name] for name in ("URL-Signature", "URL-Paths", "URL-Expires")}
            | {"URL-Methods": "GET,PUT", "X-Project-ID": "proj1"},
        )
        assert other.status_code == 404

        post = {"messages": [{"body": "after", "ttl": 300}]}
        assert api.post("/v2/queues/nq/messages", json=post, project="proj1").status_code == 201
        _eventually(lambda: _notifications(hook) == ["after"], 20, "delivered")
        time.sleep(0.3)
        assert _notifications(hook) == ["after"]  # "before" was never delivered

        # Unconfirming tells the subscriber, with the URL to subscribe again.
        off = api.put(f"{SUBSCRIPTIONS}/{sid}/confirm", json={"confirmed": False}, project="proj1")
        assert off.status_code == 204
        _eventually(lambda: len(_requests(hook, "UnsubscribeConfirmation")) == 1, 20, "told")
        [told] = _requests(hook, "UnsubscribeConfirmation")
        with hook.lock:
            headers = hook.headers[-1]
        text = (
            "You have unsubscribed successfully to the queue: nq, you can resubscribe it by "
            "using confirmed=True."
        )
        _check_request(told, "UnsubscribeConfirmation", text, sid, 3600, headers)
    assert running.notifier.metrics.skipped == 1


def test_without_a_key_no_request_is_sent_and_the_api_still_confirms(tmp_path: Path) -> None:
    conf = _conf("sqlite", tmp_path, require_confirmation=True)
    boot = bootstrap.Bootstrap(conf)
    try:
        api = Api(boot.transport.app, boot)
        with endpoints() as (url, seen):
            made = api.post(SUBSCRIPTIONS, json={"subscriber": f"{url}/fast"}, project="proj1")
            assert made.status_code == 201
            sid = made.json["subscription_id"]
            time.sleep(0.5)
            assert seen["fast"].received == []
            resp = api.put(
                f"{SUBSCRIPTIONS}/{sid}/confirm", json={"confirmed": True}, project="proj1"
            )
            assert resp.status_code == 204
    finally:
        boot.close()


def test_a_topic_subscriber_confirms_under_the_topic_and_hears_of_its_messages(
    service: tuple[Api, Running],
) -> None:
    """A topic's confirmation URL and notifications name the topic's routes, and a queue
    of the same name is another channel."""
    api, _ = service
    topic = "/v2/topics/nq"
    with endpoints() as (url, seen):
        hook = seen["fast"]
        made = api.post(topic + "/subscriptions", json={"subscriber": f"{url}/fast"}, project="p")
        assert made.status_code == 201, made.text
        sid = made.json["subscription_id"]
        _eventually(lambda: len(_requests(hook, "SubscriptionConfirmation")) == 1, 20, "asked")
        [asked] = _requests(hook, "SubscriptionConfirmation")
        assert asked["Message"] == "You have chosen to subscribe to the topic: nq"
        assert asked["URL-Paths"] == f"{topic}/subscriptions/{sid}/confirm"
        assert (asked["X-Project-ID"], asked["queue_name"]) == ("p", "nq")
        signed = {name: asked[name] for name in ("URL-Signature", "URL-Paths", "URL-Expires")}
        confirm = api.put(
            asked["URL-Paths"],
            json=asked["SubscribeBody"],
            project=None,
            headers=signed | {"URL-Methods": "PUT", "X-Project-ID": "p"},
        )
        assert confirm.status_code == 204, confirm.text
        # The grant opens the topic's confirmation, not the queue's of the same name.
        queue_path = f"/v2/queues/nq/subscriptions/{sid}/confirm"
        refused = api.put(
            queue_path,
            json={"confirmed": True},
            project=None,
            headers=signed | {"URL-Methods": "PUT", "X-Project-ID": "p", "URL-Paths": queue_path},
        )
        assert refused.status_code == 404

        post = {"messages": [{"body": "to the queue", "ttl": 300}]}
        assert api.post("/v2/queues/nq/messages", json=post, project="p").status_code == 201
        post = {"messages": [{"body": "to the topic", "ttl": 300}]}
        published = api.post(topic + "/messages", json=post, project="p")
        assert published.status_code == 201, published.text
        _eventually(lambda: _notifications(hook) == ["to the topic"], 20, "delivered")
        with hook.lock:
            [told] = [b for b in hook.received if b.get("Message_Type") == "Notification"]
        assert told["href"] == published.json["resources"][0]
        assert told["href"].startswith(topic + "/messages/")
        assert told["queue_name"] == "nq"
