"""v2's subscriptions API (SPEC §5.2): create, list, get, patch, confirm, delete, purge.

The storage conformance suite carries subscriptions on every driver; these tests check the
wire behaviour on the HTTP backends; ``tests/notification`` carries delivery itself.
"""

from __future__ import annotations

from typing import Any

from zaqar.storage import base

from .support import PROJECT, Api, Clock, assert_error
from .versions import V2

HOOK = "http://hooks.example.com/zaqar"
DUPLICATE = (
    "Such subscription already exists.Subscriptions are unique by project + queue + subscriber URI."
)
TYPES = "['http', 'https', 'mailto', 'trust+http', 'trust+https']"


def subscriptions(queue: str = "q") -> str:
    return V2.queue(queue) + "/subscriptions"


def subscribe(api: Api, queue: str = "q", **fields: Any) -> str:
    resp = api.post(subscriptions(queue), json={"subscriber": HOOK, **fields})
    assert resp.status_code == 201, resp.text
    assert resp.headers["Location"] == subscriptions(queue)
    return str(resp.json["subscription_id"])


def test_a_subscription_reads_back_with_its_defaults(api: Api, clock: Clock) -> None:
    sid = subscribe(api, options={"post_headers": {"X-Token": "t"}})
    clock.advance(5)
    got = api.get(subscriptions() + f"/{sid}")
    assert got.status_code == 200, got.text
    assert got.json == {
        "id": sid,
        "source": "q",
        "subscriber": HOOK,
        "ttl": 3600,
        "age": 5,
        "options": {"post_headers": {"X-Token": "t"}},
        "confirmed": False,
    }
    # Subscribing to a missing queue made it, as posting does.
    assert [q["name"] for q in api.get(V2.prefix + "/queues").json["queues"]] == ["q"]


def test_a_duplicate_gets_the_same_id_until_confirmed_then_conflicts(api: Api) -> None:
    sid = subscribe(api)
    assert subscribe(api, ttl=600) == sid
    confirm = api.put(subscriptions() + f"/{sid}/confirm", json={"confirmed": True})
    assert confirm.status_code == 204, confirm.text
    assert confirm.headers["Location"] == subscriptions() + f"/{sid}/confirm"
    assert api.get(subscriptions() + f"/{sid}").json["confirmed"] is True
    resp = api.post(subscriptions(), json={"subscriber": HOOK})
    assert_error(resp, 409, "Resource conflict", DUPLICATE)
    # The same subscriber on another queue is another subscription.
    assert subscribe(api, "other") != sid


def test_listing_pages_by_marker(api: Api) -> None:
    made = {subscribe(api, subscriber=f"{HOOK}/{n}") for n in range(5)}
    first = api.get(subscriptions() + "?limit=2").json
    assert len(first["subscriptions"]) == 2
    seen = [s["id"] for s in first["subscriptions"]]
    href = first["links"][0]["href"]
    assert first["links"][0]["rel"] == "next"
    while True:
        page = api.get(href).json
        if not page["subscriptions"]:
            assert page["links"] == []
            break
        seen += [s["id"] for s in page["subscriptions"]]
        href = page["links"][0]["href"]
    assert sorted(seen) == sorted(made) and len(seen) == 5
    default = api.get(subscriptions()).json["subscriptions"]
    assert len(default) == 5
    assert api.get(subscriptions("missing")).json == {"subscriptions": [], "links": []}


def test_listing_limits_are_checked(api: Api) -> None:
    for limit in (0, 21):
        resp = api.get(subscriptions() + f"?limit={limit}")
        assert_error(
            resp,
            400,
            "Invalid API request",
            "Limit must be at least 1 and may not be greater than 20.",
        )


def test_patch_changes_what_it_gives_and_ignores_nulls(api: Api, clock: Clock) -> None:
    sid = subscribe(api, options={"a": 1})
    clock.advance(10)
    resp = api.patch(subscriptions() + f"/{sid}", json={"ttl": 7200, "options": {"b": 2}})
    assert resp.status_code == 204, resp.text
    assert resp.headers["Location"] == subscriptions() + f"/{sid}"
    got = api.get(subscriptions() + f"/{sid}").json
    assert (got["ttl"], got["options"], got["subscriber"]) == (7200, {"b": 2}, HOOK)
    # What python-zaqarclient's update sends for what it leaves alone.
    resp = api.patch(
        subscriptions() + f"/{sid}",
        json={"subscriber": "https://elsewhere.example.com/", "ttl": None, "options": {}},
    )
    assert resp.status_code == 204, resp.text
    got = api.get(subscriptions() + f"/{sid}").json
    assert (got["subscriber"], got["ttl"], got["options"]) == (
        "https://elsewhere.example.com/",
        7200,
        {},
    )


def test_patch_to_a_taken_subscriber_conflicts_and_a_missing_one_is_404(api: Api) -> None:
    first = subscribe(api)
    second = subscribe(api, subscriber="mailto:ops@example.com")
    resp = api.patch(subscriptions() + f"/{second}", json={"subscriber": HOOK})
    assert resp.status_code == 409, resp.text
    assert api.get(subscriptions() + f"/{first}").json["subscriber"] == HOOK
    resp = api.patch(subscriptions() + "/nope", json={"ttl": 600})
    assert resp.status_code == 404, resp.text


def test_confirm_takes_a_boolean_and_an_existing_subscription(api: Api) -> None:
    sid = subscribe(api)
    for document in ({}, {"confirmed": "yes"}, {"confirmed": 1}, []):
        resp = api.put(subscriptions() + f"/{sid}/confirm", json=document)
        assert_error(resp, 400, "Invalid API request", "The 'confirmed' should be boolean.")
    resp = api.put(subscriptions() + "/nope/confirm", json={"confirmed": True})
    assert resp.status_code == 404, resp.text
    assert (
        api.put(subscriptions() + f"/{sid}/confirm", json={"confirmed": False}).status_code == 204
    )
    assert api.get(subscriptions() + f"/{sid}").json["confirmed"] is False


def test_get_and_delete(api: Api) -> None:
    sid = subscribe(api)
    assert api.delete(subscriptions() + f"/{sid}").status_code == 204
    resp = api.get(subscriptions() + f"/{sid}")
    assert_error(resp, 404, "Not found", f"Subscription {sid} does not exist")
    assert api.delete(subscriptions() + f"/{sid}").status_code == 204


def test_a_subscription_expires_at_its_ttl(api: Api, clock: Clock) -> None:
    sid = subscribe(api, ttl=60)
    clock.advance(61)
    assert api.get(subscriptions() + f"/{sid}").status_code == 404
    assert api.get(subscriptions()).json["subscriptions"] == []
    assert subscribe(api, ttl=60) != sid


def test_heats_ttl_of_seven_thousand_years_is_taken(api: Api) -> None:
    sid = subscribe(api, ttl=220367260800)
    assert api.get(subscriptions() + f"/{sid}").json["ttl"] == 220367260800


def test_bad_documents_are_refused_with_the_originals_messages(api: Api) -> None:
    wrong_type = f"The subscriber type of subscription must be supported in the list {TYPES}."
    too_long = (
        "The TTL seconds for a subscription plus current time must be less than "
        "9999-12-31 23:59:59.999999."
    )
    short = "The TTL for a subscription must be at least 60 seconds long."
    random_backoff = {"_retry_policy": {"retry_backoff_function": "random"}}
    cases: list[tuple[Any, str]] = [
        ({}, "Missing parameter subscriber in body."),
        ({"subscriber": "ftp://files.example.com/"}, wrong_type),
        ({"subscriber": 42}, wrong_type),
        ({"subscriber": None}, wrong_type),
        ({"subscriber": "http://"}, "The subscriber 'http://' names no receiver."),
        ({"subscriber": HOOK, "ttl": 59}, short),
        ({"subscriber": HOOK, "ttl": "600"}, "TTL must be an integer."),
        ({"subscriber": HOOK, "ttl": 10**14}, too_long),
        ({"subscriber": HOOK, "options": [1]}, "Options must be a dict."),
        ({"subscriber": HOOK, "options": random_backoff}, "invalid retry_backoff_function."),
        (
            {"subscriber": HOOK, "options": {"_retry_policy": {"minimum_delay": 25}}},
            "invalid minimum_delay and maximum_delay.",
        ),
        ([HOOK], "Subscriptions must be a dict."),
    ]
    for document, description in cases:
        resp = api.post(subscriptions(), json=document)
        assert_error(resp, 400, "Invalid API request", description)
    sid = subscribe(api)
    resp = api.patch(subscriptions() + f"/{sid}", json={})
    assert_error(resp, 400, "Invalid API request", "No subscription to create.")
    assert api.get(subscriptions()).json["subscriptions"][0]["id"] == sid


def test_purge_removes_subscriptions_as_its_body_says(api: Api) -> None:
    subscribe(api)
    api.post(V2.queue("q") + "/messages", json={"messages": [{"body": 1}]})
    purge = V2.queue("q") + "/purge"
    assert api.post(purge, json={"resource_types": ["messages"]}).status_code == 204
    assert len(api.get(subscriptions()).json["subscriptions"]) == 1
    assert api.post(purge, json={"resource_types": ["subscriptions"]}).status_code == 204
    assert api.get(subscriptions()).json["subscriptions"] == []
    subscribe(api)
    assert api.post(purge).status_code == 204
    assert api.get(subscriptions()).json["subscriptions"] == []


def test_deleting_the_queue_deletes_its_subscriptions(api: Api) -> None:
    sid = subscribe(api)
    assert api.delete(V2.queue("q")).status_code == 204
    assert api.get(subscriptions() + f"/{sid}").status_code == 404


def test_projects_and_queues_do_not_see_each_others_subscriptions(api: Api) -> None:
    sid = subscribe(api)
    other = {"project": "another-project"}
    assert api.get(subscriptions(), **other).json["subscriptions"] == []
    assert api.get(subscriptions() + f"/{sid}", **other).status_code == 404
    assert api.get(subscriptions("elsewhere") + f"/{sid}").status_code == 404
    assert api.patch(subscriptions() + f"/{sid}", json={"ttl": 600}, **other).status_code == 404
    api.delete(subscriptions() + f"/{sid}", **other)
    api.delete(subscriptions("elsewhere") + f"/{sid}")
    assert api.get(subscriptions() + f"/{sid}").json["ttl"] == 3600


def test_the_delivery_log_and_dead_letters_read_what_the_notifiers_stored(
    api: Api, clock: Clock
) -> None:
    sid = subscribe(api)
    deliveries = api.boot.storage.delivery_controller
    found = api.get(subscriptions() + f"/{sid}/deliveries")
    assert found.status_code == 200, found.text
    assert found.json == {"deliveries": []}
    cursor = deliveries.acquire("q", PROJECT, sid, "n1", 30)
    assert cursor is not None
    tried = [
        base.Attempt(1, "a" * 32, 1, clock.now, "failed", 503, "HTTP 503", 0.0125, clock.now + 5),
        base.Attempt(1, "a" * 32, 2, clock.now + 5, "dead", None, "timed out", 10.0, None),
    ]
    letter = base.DeadLetter(1, "a" * 32, 300, {"x": [1]}, clock.now - 1, 2, "timed out", clock.now)
    assert deliveries.checkpoint("q", PROJECT, sid, "n1", cursor=1, attempts=tried, dead=[letter])

    log = api.get(subscriptions() + f"/{sid}/deliveries?limit=1")
    assert log.status_code == 200, log.text
    [newest] = log.json["deliveries"]
    assert newest["attempt"] == 2 and newest["outcome"] == "dead"
    assert newest["error"] == "timed out" and newest["next_try"] is None
    assert newest["href"] == V2.queue("q") + "/messages/" + "a" * 32
    assert newest["latency_ms"] == 10000.0
    older = api.get(subscriptions() + f"/{sid}/deliveries").json["deliveries"][1]
    assert older["status"] == 503 and older["next_try"].endswith("Z")

    dead = api.get(subscriptions() + f"/{sid}/dead_letters")
    assert dead.status_code == 200, dead.text
    [shown] = dead.json["dead_letters"]
    assert shown["body"] == {"x": [1]} and shown["attempts"] == 2
    assert shown["reason"] == "timed out" and shown["message_id"] == "a" * 32
    after = api.get(dead.json["links"][0]["href"])
    assert after.json == {"dead_letters": [], "links": []}
    # Another project sees none of it.
    other = api.get(subscriptions() + f"/{sid}/dead_letters", project="another")
    assert other.status_code == 404


def test_the_delivery_log_of_a_missing_subscription_is_404_and_limits_are_checked(
    api: Api,
) -> None:
    missing = "0" * 32
    for path in ("deliveries", "dead_letters"):
        resp = api.get(subscriptions() + f"/{missing}/{path}")
        assert resp.status_code == 404, resp.text
    sid = subscribe(api)
    for path in ("deliveries", "dead_letters"):
        for limit in (0, 101):
            resp = api.get(subscriptions() + f"/{sid}/{path}?limit={limit}")
            assert resp.status_code == 400, resp.text
    odd = api.get(subscriptions() + f"/{sid}/dead_letters?marker=not-a-marker")
    assert odd.json == {"dead_letters": [], "links": []}


def test_dead_letters_are_asked_to_be_replayed_by_message_id_or_all(api: Api, clock: Clock) -> None:
    sid = subscribe(api)
    deliveries = api.boot.storage.delivery_controller
    assert deliveries.acquire("q", PROJECT, sid, "n1", 30) is not None
    letters = [
        base.DeadLetter(m, f"{m:032x}", 300, {"m": m}, clock.now, 4, "HTTP 503", clock.now)
        for m in (1, 2, 3)
    ]
    assert deliveries.checkpoint("q", PROJECT, sid, "n1", cursor=3, dead=letters)
    replay = subscriptions() + f"/{sid}/dead_letters/replay"

    named = api.post(replay, json={"message_ids": [f"{2:032x}", "unknown"]})
    assert named.status_code == 202, named.text
    assert named.json == {"replaying": 1}
    shown = api.get(subscriptions() + f"/{sid}/dead_letters").json["dead_letters"]
    assert [letter["replay"] for letter in shown] == [False, True, False]
    everything = api.post(replay)
    assert (everything.status_code, everything.json) == (202, {"replaying": 3})
    assert api.post(replay, json={}).json == {"replaying": 3}
    assert len(deliveries.replays("q", PROJECT, sid, 10)) == 3

    wrong = "message_ids must be a list of 1 to 100 message ids."
    for body in ({"message_ids": []}, {"message_ids": "abc"}, {"message_ids": [1]}):
        assert_error(api.post(replay, json=body), 400, "Invalid API request", wrong)
    too_many = {"message_ids": [f"{n:032x}" for n in range(101)]}
    assert_error(api.post(replay, json=too_many), 400, "Invalid API request", wrong)
    assert api.post(replay, json=[1]).status_code == 400
    missing = api.post(subscriptions() + f"/{'0' * 32}/dead_letters/replay")
    assert missing.status_code == 404, missing.text
    # Another project can replay none of it.
    assert api.post(replay, project="another").status_code == 404


def test_a_new_subscription_answers_its_signing_secret_once(api: Api) -> None:
    made = api.post(subscriptions(), json={"subscriber": HOOK})
    assert made.status_code == 201, made.text
    secret = made.json["signing_secret"]
    assert len(secret) == 64 and int(secret, 16) >= 0
    sid = made.json["subscription_id"]
    # The same subscription again (unconfirmed): its id, and no secret.
    again = api.post(subscriptions(), json={"subscriber": HOOK})
    assert again.json == {"subscription_id": sid}
    shown = api.get(subscriptions() + f"/{sid}").json
    assert secret not in str(shown) and "secret" not in str(shown)
    assert secret not in api.get(subscriptions()).text
    stored = api.boot.storage.subscription_controller.get("q", sid, PROJECT)
    assert stored.secret == secret
    other = api.post(subscriptions("q2"), json={"subscriber": HOOK}).json["signing_secret"]
    assert other != secret
