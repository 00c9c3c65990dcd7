"""v2's delayed queues and dead-letter queues (SPEC §5.2), over HTTP.

The storage conformance suite carries delays and posting under given ids on every backend;
these tests check what the API makes of them, on the HTTP backends.
"""

from __future__ import annotations

from typing import Any

import pytest

from .support import Api, Clock, assert_error
from .versions import V2

PATCH_TYPE = "application/openstack-messaging-v2.0-json-patch"


def post(api: Api, queue: str, messages: list[dict[str, Any]]) -> list[str]:
    resp = api.post(V2.queue(queue) + "/messages", json={"messages": messages})
    assert resp.status_code == 201, resp.text
    return [href.rsplit("/", 1)[1] for href in resp.json["resources"]]


def listed(api: Api, queue: str, query: str = "") -> list[str]:
    resp = api.get(V2.queue(queue) + "/messages?echo=true" + query)
    assert resp.status_code == 200, resp.text
    return [message["id"] for message in resp.json["messages"]]


def claim(api: Api, queue: str, limit: int = 10) -> list[str]:
    resp = api.post(V2.queue(queue) + f"/claims?limit={limit}", json={"ttl": 60, "grace": 60})
    if resp.status_code == 204:
        return []
    assert resp.status_code == 201, resp.text
    return [message["id"] for message in resp.json["messages"]]


# -- delayed queues


def test_a_delayed_queue_hides_its_messages_for_the_queues_delay(api: Api, clock: Clock) -> None:
    api.put(V2.queue("q"), json={"_default_message_delay": 30})
    [message] = post(api, "q", [{"body": 1}])
    assert listed(api, "q") == []
    assert claim(api, "q") == []
    assert api.delete(V2.queue("q") + "/messages?pop=5").json == {"messages": []}
    assert listed(api, "q", "&include_delayed=true") == [message]
    clock.advance(30)
    assert listed(api, "q") == [message]


def test_a_message_may_carry_its_own_delay_on_a_delayed_queue(api: Api, clock: Clock) -> None:
    api.put(V2.queue("q"), json={"_default_message_delay": 30})
    now, soon, later = post(
        api, "q", [{"body": 1, "delay": 0}, {"body": 2, "delay": 10}, {"body": 3}]
    )
    assert claim(api, "q") == [now]
    clock.advance(10)
    assert claim(api, "q") == [soon]
    clock.advance(20)
    assert claim(api, "q") == [later]


def test_a_queue_without_a_delay_ignores_the_messages_delays(api: Api, clock: Clock) -> None:
    [message] = post(api, "q", [{"body": 1, "delay": 30}])
    assert claim(api, "q") == [message]


def test_listing_an_undelayed_queue_shows_delayed_messages_and_its_link_says_so(
    api: Api, clock: Clock
) -> None:
    # Posted while the queue was delayed; the delay removed since.
    api.put(V2.queue("q"), json={"_default_message_delay": 30})
    [message] = post(api, "q", [{"body": 1}])
    removal = [{"op": "remove", "path": "/metadata/_default_message_delay"}]
    assert api.patch(V2.queue("q"), json=removal, content_type=PATCH_TYPE).status_code == 200
    resp = api.get(V2.queue("q") + "/messages?echo=true")
    assert [found["id"] for found in resp.json["messages"]] == [message]
    assert "include_delayed=true" in resp.json["links"][0]["href"]


@pytest.mark.parametrize("delay", [-1, 901])
def test_a_message_delay_out_of_range_is_refused(api: Api, delay: int) -> None:
    api.put(V2.queue("q"), json={"_default_message_delay": 30})
    resp = api.post(V2.queue("q") + "/messages", json={"messages": [{"body": 1, "delay": delay}]})
    assert_error(
        resp,
        400,
        "Invalid API request",
        "The Delay TTL for a message may not exceed 900 seconds,and must be at least 0 "
        "seconds long.",
    )
    assert listed(api, "q", "&include_delayed=true") == []


def test_a_message_delay_must_be_an_integer(api: Api) -> None:
    api.put(V2.queue("q"), json={"_default_message_delay": 30})
    resp = api.post(V2.queue("q") + "/messages", json={"messages": [{"body": 1, "delay": "x"}]})
    assert resp.status_code == 400
    assert "delay" in resp.json["description"]


# -- dead-letter queues

DEAD_LETTERING = {"_max_claim_count": 2, "_dead_letter_queue": "dead"}


def test_a_message_claimed_too_often_moves_to_the_dead_letter_queue(api: Api, clock: Clock) -> None:
    api.put(V2.queue("q"), json=DEAD_LETTERING)
    [message] = post(api, "q", [{"body": {"order": 7}}])
    for _ in range(2):
        assert claim(api, "q") == [message]
        clock.advance(61)  # the claim lapses, unanswered
    # The third claim finds it over its count: moved, and the claim is empty.
    assert claim(api, "q") == []
    assert listed(api, "q", "&include_claimed=true") == []
    resp = api.get(V2.queue("dead") + "/messages?echo=false")
    [moved] = resp.json["messages"]
    assert moved["body"] == {"order": 7}
    assert moved["id"] != message
    # Moved once only, however often the queue is claimed again.
    assert claim(api, "q") == []
    assert len(listed(api, "dead")) == 1


def test_a_claim_hands_out_the_messages_under_the_count_and_moves_the_others(
    api: Api, clock: Clock
) -> None:
    api.put(V2.queue("q"), json={"_max_claim_count": 1, "_dead_letter_queue": "dead"})
    [old] = post(api, "q", [{"body": "old"}])
    assert claim(api, "q") == [old]
    clock.advance(61)
    [new] = post(api, "q", [{"body": "new"}])
    assert claim(api, "q") == [new]
    assert [m["body"] for m in api.get(V2.queue("dead") + "/messages").json["messages"]] == ["old"]


def test_moved_messages_take_the_dead_letter_ttl(api: Api, clock: Clock) -> None:
    api.put(
        V2.queue("q"),
        json={**DEAD_LETTERING, "_max_claim_count": 0, "_dead_letter_queue_messages_ttl": 120},
    )
    post(api, "q", [{"body": 1, "ttl": 3600}])
    assert claim(api, "q") == []
    [moved] = api.get(V2.queue("dead") + "/messages").json["messages"]
    assert moved["ttl"] == 120
    clock.advance(121)
    assert listed(api, "dead") == []


def test_without_both_settings_nothing_is_moved(api: Api, clock: Clock) -> None:
    api.put(V2.queue("q"), json={"_max_claim_count": 0})
    [message] = post(api, "q", [{"body": 1}])
    assert claim(api, "q") == [message]
    assert listed(api, "dead") == []
