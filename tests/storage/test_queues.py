"""QueueController: create, exists, list, metadata, delete and stats."""

from __future__ import annotations

import threading

import pytest

from zaqar.storage import base, errors

from .support import EPOCH, Clock, Post

# ---------------------------------------------------------------------------------------------
# create / exists


def test_creating_a_new_queue_returns_true_and_it_then_exists(
    queues: base.QueueController,
) -> None:
    assert queues.exists("fizbit") is False
    assert queues.create("fizbit") is True
    assert queues.exists("fizbit") is True


def test_creating_an_existing_queue_returns_false(queues: base.QueueController) -> None:
    assert queues.create("fizbit") is True
    assert queues.create("fizbit") is False
    assert queues.exists("fizbit") is True
    assert [q.name for q in queues.list().items] == ["fizbit"]


def test_a_queue_created_without_metadata_has_empty_metadata(
    queues: base.QueueController,
) -> None:
    queues.create("fizbit")
    assert queues.get_metadata("fizbit") == {}


def test_a_queue_created_with_metadata_keeps_it(queues: base.QueueController) -> None:
    queues.create("fizbit", metadata={"ttl": 30, "nested": {"a": [1, 2]}})
    assert queues.get_metadata("fizbit") == {"ttl": 30, "nested": {"a": [1, 2]}}


def test_creating_an_existing_queue_changes_nothing(
    queues: base.QueueController, messages: base.MessageController, post: Post
) -> None:
    queues.create("fizbit", metadata={"keep": True})
    ids = post("fizbit", count=2)

    assert queues.create("fizbit", metadata={"keep": False, "new": 1}) is False

    assert queues.get_metadata("fizbit") == {"keep": True}
    later = post("fizbit")
    listed = messages.list("fizbit", echo=True, limit=10).items
    assert [message.id for message in listed] == ids + later


def test_a_queue_exists_only_in_the_project_that_created_it(
    queues: base.QueueController,
) -> None:
    queues.create("fizbit", project="alpha")
    assert queues.exists("fizbit", project="alpha") is True
    assert queues.exists("fizbit", project="beta") is False
    assert queues.exists("fizbit") is False


def test_a_global_queue_does_not_exist_in_a_named_project(
    queues: base.QueueController,
) -> None:
    queues.create("fizbit")
    assert queues.exists("fizbit") is True
    assert queues.exists("fizbit", project="alpha") is False


def test_the_same_name_in_two_projects_makes_two_independent_queues(
    queues: base.QueueController,
) -> None:
    assert queues.create("fizbit", metadata={"who": "global"}) is True
    assert queues.create("fizbit", project="alpha", metadata={"who": "alpha"}) is True
    assert queues.create("fizbit", project="beta", metadata={"who": "beta"}) is True

    assert queues.get_metadata("fizbit") == {"who": "global"}
    assert queues.get_metadata("fizbit", project="alpha") == {"who": "alpha"}
    assert queues.get_metadata("fizbit", project="beta") == {"who": "beta"}


def test_queue_names_are_case_sensitive(queues: base.QueueController) -> None:
    queues.create("fizbit")
    assert queues.exists("FIZBIT") is False
    assert queues.create("FIZBIT") is True


def test_count_is_the_number_of_queues_of_the_project(queues: base.QueueController) -> None:
    assert queues.count("alpha") == 0
    for name in ("a", "b", "c"):
        queues.create(name, project="alpha")
    queues.create("a", project="beta")
    queues.create("global")
    assert (queues.count("alpha"), queues.count("beta"), queues.count()) == (3, 1, 1)
    queues.delete("b", project="alpha")
    assert queues.count("alpha") == 2


# ---------------------------------------------------------------------------------------------
# list


def test_listing_returns_queue_names_in_byte_order(queues: base.QueueController) -> None:
    names = ["b", "B", "_x", "-y", "9", "a", "Za", "a-b", "a_b", "aa"]
    for name in names:
        queues.create(name)

    page = queues.list(limit=100)

    expected = sorted(names, key=lambda name: name.encode("utf-8"))
    assert [queue.name for queue in page.items] == expected
    assert expected[:3] == ["-y", "9", "B"]


def test_listing_orders_non_ascii_names_by_their_utf8_bytes(
    queues: base.QueueController,
) -> None:
    names = ["é", "z", "Ω", "a", "ü"]
    for name in names:
        queues.create(name)
    page = queues.list(limit=100)
    assert [queue.name for queue in page.items] == sorted(names, key=str.encode)


def test_listing_returns_at_most_limit_queues(queues: base.QueueController) -> None:
    for number in range(5):
        queues.create(f"q{number}")
    page = queues.list(limit=3)
    assert [queue.name for queue in page.items] == ["q0", "q1", "q2"]


def test_the_next_marker_of_a_queue_page_continues_after_its_last_queue(
    queues: base.QueueController,
) -> None:
    for number in range(5):
        queues.create(f"q{number}")

    first = queues.list(limit=2)
    second = queues.list(marker=first.next_marker, limit=2)
    third = queues.list(marker=second.next_marker, limit=2)
    fourth = queues.list(marker=third.next_marker, limit=2)

    assert [q.name for q in first.items] == ["q0", "q1"]
    assert [q.name for q in second.items] == ["q2", "q3"]
    assert [q.name for q in third.items] == ["q4"]
    assert fourth == base.Page([], None)


def test_listing_after_a_queue_name_marker_returns_only_later_names(
    queues: base.QueueController,
) -> None:
    for name in ["apple", "banana", "cherry"]:
        queues.create(name)
    assert [q.name for q in queues.list(marker="banana").items] == ["cherry"]


def test_a_queue_marker_need_not_name_an_existing_queue(queues: base.QueueController) -> None:
    for name in ["apple", "banana", "cherry"]:
        queues.create(name)
    assert [q.name for q in queues.list(marker="b").items] == ["banana", "cherry"]


def test_a_queue_marker_past_the_last_name_gives_an_empty_page(
    queues: base.QueueController,
) -> None:
    queues.create("apple")
    assert queues.list(marker="zzz") == base.Page([], None)


def test_listing_an_empty_project_gives_an_empty_page_without_marker(
    queues: base.QueueController,
) -> None:
    queues.create("fizbit", project="alpha")
    assert queues.list(project="beta") == base.Page([], None)


def test_listing_shows_only_the_queues_of_the_given_project(
    queues: base.QueueController,
) -> None:
    queues.create("global-1")
    queues.create("alpha-1", project="alpha")
    queues.create("alpha-2", project="alpha")
    queues.create("beta-1", project="beta")

    assert [q.name for q in queues.list().items] == ["global-1"]
    assert [q.name for q in queues.list(project="alpha").items] == ["alpha-1", "alpha-2"]
    assert [q.name for q in queues.list(project="beta").items] == ["beta-1"]


def test_paging_through_a_project_never_crosses_into_another_project(
    queues: base.QueueController,
) -> None:
    for name in ["a", "c", "e"]:
        queues.create(name, project="alpha")
    for name in ["b", "d", "f"]:
        queues.create(name, project="beta")

    seen: list[str] = []
    marker = None
    while True:
        page = queues.list(project="alpha", marker=marker, limit=1)
        if not page.items:
            break
        seen.extend(q.name for q in page.items)
        marker = page.next_marker
    assert seen == ["a", "c", "e"]


def test_a_plain_listing_leaves_metadata_out(queues: base.QueueController) -> None:
    queues.create("fizbit", metadata={"a": 1})
    assert queues.list().items == [base.Queue("fizbit", None)]


def test_a_detailed_listing_includes_each_queues_metadata(
    queues: base.QueueController,
) -> None:
    queues.create("one", metadata={"a": 1})
    queues.create("two")
    queues.create("three", metadata={"nested": {"list": [1, "x", None]}})

    page = queues.list(detailed=True)

    assert page.items == [
        base.Queue("one", {"a": 1}),
        base.Queue("three", {"nested": {"list": [1, "x", None]}}),
        base.Queue("two", {}),
    ]


def test_a_detailed_listing_shows_metadata_as_last_set(queues: base.QueueController) -> None:
    queues.create("fizbit", metadata={"old": True})
    queues.set_metadata("fizbit", {"new": True})
    assert queues.list(detailed=True).items == [base.Queue("fizbit", {"new": True})]


# ---------------------------------------------------------------------------------------------
# metadata


def test_setting_metadata_replaces_it_entirely(queues: base.QueueController) -> None:
    queues.create("fizbit", metadata={"a": 1, "b": 2})
    queues.set_metadata("fizbit", {"c": 3})
    assert queues.get_metadata("fizbit") == {"c": 3}


def test_setting_empty_metadata_clears_it(queues: base.QueueController) -> None:
    queues.create("fizbit", metadata={"a": 1})
    queues.set_metadata("fizbit", {})
    assert queues.get_metadata("fizbit") == {}


def test_metadata_round_trips_any_json_object(queues: base.QueueController) -> None:
    metadata = {
        "@queue": "x",
        "unicode ☃": "snow ❄ man",
        "long": "v" * 60_000,
        "numbers": [0, -1, 1.5, 10**15],
        "flags": [True, False, None],
        "nested": {"deeper": {"deepest": {}}},
    }
    queues.create("fizbit")
    queues.set_metadata("fizbit", metadata)
    assert queues.get_metadata("fizbit") == metadata


def test_setting_metadata_of_one_project_leaves_the_other_alone(
    queues: base.QueueController,
) -> None:
    queues.create("fizbit")
    queues.create("fizbit", project="alpha")
    queues.set_metadata("fizbit", {"who": "alpha"}, project="alpha")
    assert queues.get_metadata("fizbit") == {}
    assert queues.get_metadata("fizbit", project="alpha") == {"who": "alpha"}


def test_getting_metadata_of_a_missing_queue_raises_queue_does_not_exist(
    queues: base.QueueController,
) -> None:
    with pytest.raises(errors.QueueDoesNotExist) as caught:
        queues.get_metadata("nope", project="alpha")
    assert caught.value.name == "nope"
    assert caught.value.project == "alpha"


def test_getting_metadata_of_another_projects_queue_raises_queue_does_not_exist(
    queues: base.QueueController,
) -> None:
    queues.create("fizbit", project="alpha")
    with pytest.raises(errors.QueueDoesNotExist):
        queues.get_metadata("fizbit")
    with pytest.raises(errors.QueueDoesNotExist):
        queues.get_metadata("fizbit", project="beta")


def test_setting_metadata_of_a_missing_queue_raises_and_creates_nothing(
    queues: base.QueueController,
) -> None:
    with pytest.raises(errors.QueueDoesNotExist) as caught:
        queues.set_metadata("nope", {"a": 1})
    assert caught.value.name == "nope"
    assert caught.value.project is None
    assert queues.exists("nope") is False


def test_setting_metadata_of_another_projects_queue_raises_queue_does_not_exist(
    queues: base.QueueController,
) -> None:
    queues.create("fizbit", project="alpha")
    with pytest.raises(errors.QueueDoesNotExist):
        queues.set_metadata("fizbit", {"a": 1}, project="beta")
    assert queues.get_metadata("fizbit", project="alpha") == {}


def test_update_metadata_applies_a_change_to_the_current_metadata(
    queues: base.QueueController,
) -> None:
    queues.create("fizbit", metadata={"a": 1, "b": 2})
    updated = queues.update_metadata("fizbit", lambda current: {**current, "a": 10, "c": 3})
    assert updated == {"a": 10, "b": 2, "c": 3}
    assert queues.get_metadata("fizbit") == updated
    assert queues.update_metadata("fizbit", lambda current: {}) == {}
    assert queues.get_metadata("fizbit") == {}


def test_update_metadata_of_a_missing_queue_raises_and_creates_nothing(
    queues: base.QueueController,
) -> None:
    with pytest.raises(errors.QueueDoesNotExist):
        queues.update_metadata("ghost", lambda current: {"x": 1})
    assert queues.exists("ghost") is False


def test_a_change_that_refuses_writes_nothing(queues: base.QueueController) -> None:
    queues.create("fizbit", metadata={"a": 1})

    def refuse(current: dict[str, object]) -> dict[str, object]:
        raise ValueError("no")

    with pytest.raises(ValueError):
        queues.update_metadata("fizbit", refuse)
    assert queues.get_metadata("fizbit") == {"a": 1}


def test_concurrent_metadata_updates_lose_nothing(queues: base.QueueController) -> None:
    """Eight writers each add their own keys at once: every key is there at the end."""
    queues.create("fizbit", project="p")
    failures: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for round_ in range(5):
                key = f"w{n}-{round_}"
                queues.update_metadata("fizbit", lambda current, key=key: {**current, key: n}, "p")
        except BaseException as error:  # noqa: BLE001 - reported below
            failures.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    assert queues.get_metadata("fizbit", "p") == {
        f"w{n}-{round_}": n for n in range(8) for round_ in range(5)
    }


# ---------------------------------------------------------------------------------------------
# delete


def test_deleting_a_queue_removes_it(queues: base.QueueController) -> None:
    queues.create("fizbit")
    queues.delete("fizbit")
    assert queues.exists("fizbit") is False
    assert queues.list() == base.Page([], None)
    with pytest.raises(errors.QueueDoesNotExist):
        queues.get_metadata("fizbit")


def test_deleting_a_missing_queue_is_no_error(queues: base.QueueController) -> None:
    queues.delete("nope")
    queues.delete("nope", project="alpha")


def test_deleting_a_queue_purges_its_messages(
    queues: base.QueueController, messages: base.MessageController, post: Post
) -> None:
    queues.create("fizbit")
    ids = post("fizbit", count=3)

    queues.delete("fizbit")
    queues.create("fizbit")

    assert messages.list("fizbit", echo=True, include_claimed=True) == base.Page([], None)
    assert messages.bulk_get("fizbit", ids) == []
    with pytest.raises(errors.MessageDoesNotExist):
        messages.get("fizbit", ids[0])
    assert queues.stats("fizbit") == base.QueueStats(free=0, claimed=0)


def test_deleting_a_queue_purges_its_claims(
    queues: base.QueueController,
    messages: base.MessageController,
    claims: base.ClaimController,
    post: Post,
) -> None:
    queues.create("fizbit")
    post("fizbit", count=3)
    claim = claims.create("fizbit", ttl=300, grace=60)
    assert claim is not None

    queues.delete("fizbit")
    queues.create("fizbit")

    with pytest.raises(errors.ClaimDoesNotExist):
        claims.get("fizbit", claim.id)
    with pytest.raises(errors.ClaimDoesNotExist):
        claims.update("fizbit", claim.id, ttl=300, grace=60)
    assert queues.stats("fizbit") == base.QueueStats(free=0, claimed=0)


def test_deleting_a_queue_leaves_the_same_name_in_other_projects_alone(
    queues: base.QueueController, messages: base.MessageController, post: Post
) -> None:
    queues.create("fizbit")
    queues.create("fizbit", project="alpha")
    kept = post("fizbit", count=2, project="alpha")
    post("fizbit", count=2)

    queues.delete("fizbit")

    assert queues.exists("fizbit", project="alpha") is True
    listed = messages.list("fizbit", project="alpha", echo=True).items
    assert [message.id for message in listed] == kept


def test_deleting_a_queue_leaves_other_queues_messages_alone(
    queues: base.QueueController, messages: base.MessageController, post: Post
) -> None:
    queues.create("doomed")
    queues.create("kept")
    post("doomed", count=2)
    kept = post("kept", count=2)

    queues.delete("doomed")

    assert [m.id for m in messages.list("kept", echo=True).items] == kept


def test_a_recreated_queue_starts_empty_and_accepts_messages(
    queues: base.QueueController, messages: base.MessageController, post: Post
) -> None:
    queues.create("fizbit", metadata={"old": True})
    post("fizbit", count=3)
    queues.delete("fizbit")

    assert queues.create("fizbit") is True
    assert queues.get_metadata("fizbit") == {}
    ids = post("fizbit", count=2)
    assert [m.id for m in messages.list("fizbit", echo=True).items] == ids


# ---------------------------------------------------------------------------------------------
# stats


def test_stats_of_an_empty_queue_count_nothing_and_have_no_stamps(
    queues: base.QueueController, queue: str
) -> None:
    stats = queues.stats(queue)
    assert stats == base.QueueStats(free=0, claimed=0, oldest=None, newest=None)
    assert stats.total == 0


def test_stats_count_free_and_claimed_messages(
    queues: base.QueueController, claims: base.ClaimController, queue: str, post: Post
) -> None:
    post(queue, count=5)
    assert claims.create(queue, ttl=300, grace=60, limit=2) is not None

    stats = queues.stats(queue)

    assert (stats.free, stats.claimed, stats.total) == (3, 2, 5)


def test_stats_count_messages_of_a_lapsed_claim_as_free(
    queues: base.QueueController,
    claims: base.ClaimController,
    queue: str,
    post: Post,
    clock: Clock,
) -> None:
    post(queue, count=3, ttl=600)
    claims.create(queue, ttl=60, grace=60, limit=2)
    clock.advance(61)
    stats = queues.stats(queue)
    assert (stats.free, stats.claimed, stats.total) == (3, 0, 3)


def test_stats_count_messages_of_a_released_claim_as_free(
    queues: base.QueueController, claims: base.ClaimController, queue: str, post: Post
) -> None:
    post(queue, count=3)
    claim = claims.create(queue, ttl=300, grace=60, limit=2)
    assert claim is not None
    claims.delete(queue, claim.id)
    stats = queues.stats(queue)
    assert (stats.free, stats.claimed, stats.total) == (3, 0, 3)


def test_stats_leave_out_expired_messages(
    queues: base.QueueController, queue: str, post: Post, clock: Clock
) -> None:
    post(queue, count=2, ttl=60)
    live = post(queue, count=3, ttl=120)
    clock.advance(60)

    stats = queues.stats(queue)

    assert (stats.free, stats.claimed, stats.total) == (3, 0, 3)
    assert stats.oldest is not None and stats.oldest.id == live[0]


def test_stats_of_a_queue_whose_messages_all_expired_have_no_stamps(
    queues: base.QueueController, queue: str, post: Post, clock: Clock
) -> None:
    post(queue, count=2, ttl=60)
    clock.advance(61)
    assert queues.stats(queue) == base.QueueStats(free=0, claimed=0)


def test_stats_leave_out_deleted_messages(
    queues: base.QueueController, messages: base.MessageController, queue: str, post: Post
) -> None:
    ids = post(queue, count=4)
    messages.delete(queue, ids[0])
    messages.bulk_delete(queue, ids[1:3])
    stats = queues.stats(queue)
    assert (stats.free, stats.claimed, stats.total) == (1, 0, 1)


def test_stats_stamp_the_oldest_and_newest_message(
    queues: base.QueueController, queue: str, post: Post, clock: Clock
) -> None:
    first = post(queue, count=2)
    clock.advance(10)
    middle = post(queue)
    clock.advance(5)
    last = post(queue, count=2)
    clock.advance(3)

    stats = queues.stats(queue)

    assert stats.oldest is not None and stats.newest is not None
    assert stats.oldest.id == first[0]
    assert stats.oldest.age == 18
    assert stats.oldest.created == pytest.approx(EPOCH, abs=1)
    assert stats.newest.id == last[-1]
    assert stats.newest.age == 3
    assert stats.newest.created == pytest.approx(EPOCH + 15, abs=1)
    assert middle[0] not in (stats.oldest.id, stats.newest.id)


def test_stats_stamps_include_claimed_messages(
    queues: base.QueueController, claims: base.ClaimController, queue: str, post: Post
) -> None:
    ids = post(queue, count=3)
    claim = claims.create(queue, ttl=300, grace=60, limit=3)
    assert claim is not None

    stats = queues.stats(queue)

    assert (stats.free, stats.claimed) == (0, 3)
    assert stats.oldest is not None and stats.oldest.id == ids[0]
    assert stats.newest is not None and stats.newest.id == ids[-1]


def test_stats_of_a_single_message_queue_stamp_it_as_oldest_and_newest(
    queues: base.QueueController, queue: str, post: Post
) -> None:
    [only] = post(queue)
    stats = queues.stats(queue)
    assert stats.oldest is not None and stats.newest is not None
    assert stats.oldest.id == stats.newest.id == only


def test_stats_of_a_missing_queue_raise_queue_does_not_exist(
    queues: base.QueueController,
) -> None:
    with pytest.raises(errors.QueueDoesNotExist) as caught:
        queues.stats("nope", project="alpha")
    assert caught.value.name == "nope"
    assert caught.value.project == "alpha"


def test_stats_of_another_projects_queue_raise_queue_does_not_exist(
    queues: base.QueueController, post: Post
) -> None:
    queues.create("fizbit", project="alpha")
    post("fizbit", count=2, project="alpha")
    with pytest.raises(errors.QueueDoesNotExist):
        queues.stats("fizbit")


def test_stats_count_only_the_messages_of_their_own_queue(
    queues: base.QueueController, post: Post
) -> None:
    queues.create("one")
    queues.create("two")
    queues.create("one", project="alpha")
    post("one", count=2)
    post("two", count=3)
    post("one", count=4, project="alpha")

    assert queues.stats("one").total == 2
    assert queues.stats("two").total == 3
    assert queues.stats("one", project="alpha").total == 4
