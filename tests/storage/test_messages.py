"""MessageController: post, list, get, bulk_get, delete (the §2.9 table), bulk_delete, pop."""

from __future__ import annotations

import uuid

import pytest

from zaqar.storage import base, errors

from .support import Clock, Post

#: Ids no driver can issue: the API allows only ``[a-zA-Z0-9_-]+``.
MALFORMED_IDS = ["not an id!", "", "../..", "{}"]


def ids_of(items: list[base.Message]) -> list[str]:
    return [message.id for message in items]


def list_all(
    messages: base.MessageController, queue: str, project: str | None = None, limit: int = 3
) -> list[base.Message]:
    """Every listable message (echo on, claimed included), page by page."""
    found: list[base.Message] = []
    marker = None
    while True:
        page = messages.list(
            queue, project, marker=marker, limit=limit, echo=True, include_claimed=True
        )
        if not page.items:
            assert page.next_marker is None
            return found
        found.extend(page.items)
        marker = page.next_marker


def gone_id(messages: base.MessageController, queue: str, post: Post) -> str:
    """A well-formed id of a message that no longer exists."""
    [message_id] = post(queue)
    messages.delete(queue, message_id)
    return message_id


def released_claim_id(claims: base.ClaimController, queue: str, post: Post) -> str:
    """A well-formed id of a claim that no longer exists (its message is free again)."""
    post(queue)
    claim = claims.create(queue, ttl=300, grace=60, limit=1)
    assert claim is not None
    claims.delete(queue, claim.id)
    return claim.id


# ---------------------------------------------------------------------------------------------
# post


def test_posting_returns_one_id_per_message_in_posting_order(
    messages: base.MessageController, queue: str, client: str
) -> None:
    batch = [base.NewMessage(ttl=60 + n, body={"n": n}) for n in range(5)]

    ids = messages.post(queue, batch, client)

    assert len(ids) == 5
    assert len(set(ids)) == 5
    listed = messages.list(queue, echo=True).items
    assert ids_of(listed) == ids
    assert [m.body for m in listed] == [{"n": n} for n in range(5)]
    assert [m.ttl for m in listed] == [60, 61, 62, 63, 64]


def test_message_ids_are_non_empty_url_safe_strings(queue: str, post: Post) -> None:
    for message_id in post(queue, count=5):
        assert isinstance(message_id, str)
        assert message_id
        assert all(char.isascii() and (char.isalnum() or char in "-_") for char in message_id)


def test_message_ids_are_unique_across_batches_and_queues(
    queues: base.QueueController, post: Post
) -> None:
    queues.create("one")
    queues.create("two")
    ids = post("one", count=10) + post("two", count=10) + post("one", count=10)
    assert len(set(ids)) == 30


def test_successive_batches_are_listed_after_earlier_ones(
    messages: base.MessageController, queue: str, post: Post
) -> None:
    first = post(queue, count=3)
    second = post(queue, count=2)
    third = post(queue, count=4)
    assert ids_of(list_all(messages, queue)) == first + second + third


def test_a_posted_message_starts_fresh(
    messages: base.MessageController, queue: str, post: Post, clock: Clock
) -> None:
    [message_id] = post(queue, ttl=120, bodies=[{"event": "hi"}])
    message = messages.get(queue, message_id)
    assert message == base.Message(
        id=message_id,
        ttl=120,
        age=0,
        body={"event": "hi"},
        claim_id=None,
        claim_count=0,
        claimed=False,
    )


@pytest.mark.parametrize(
    "body",
    [
        {"event": "BackupStarted", "backup_id": "c378813c-3f0b-11e2-ad92-7823d2b0f3ce"},
        ["a", 1, 2.5, None, True, {"x": []}],
        "plain text",
        "",
        0,
        -7,
        1.25,
        10**15,
        True,
        False,
        None,
        {},
        [],
        {"unicode ☃": "snow ❄ man", "rtl": "שלום", "astral": "𝄞"},
        {"escapes": 'quote " backslash \\ newline \n tab \t nul \u0000'},
        {"lone surrogate": "\ud800"},
        {"deep": {"deeper": {"deepest": [[[[1]]]]}}},
    ],
    ids=repr,
)
def test_a_message_body_round_trips_any_json_value(
    messages: base.MessageController, queue: str, post: Post, body: base.JSON
) -> None:
    [message_id] = post(queue, bodies=[body])
    assert messages.get(queue, message_id).body == body
    assert messages.list(queue, echo=True).items[0].body == body


def test_a_large_message_body_round_trips(
    messages: base.MessageController, queue: str, post: Post
) -> None:
    body = {"blob": "x" * (256 * 1024)}
    [message_id] = post(queue, bodies=[body])
    assert messages.get(queue, message_id).body == body


def test_storage_accepts_ttls_and_page_sizes_outside_the_api_limits(
    messages: base.MessageController, queue: str, post: Post, clock: Clock
) -> None:
    # Drivers never validate API limits: that is zaqar.api's job.
    short = post(queue, count=25, ttl=1)
    long = post(queue, count=1, ttl=2_000_000)
    assert ids_of(messages.list(queue, echo=True, limit=100).items) == short + long
    assert ids_of(messages.pop(queue, 21)) == short[:21]
    clock.advance(1)
    assert ids_of(messages.list(queue, echo=True, limit=100).items) == long


def test_posting_to_a_missing_queue_raises_queue_does_not_exist(
    queues: base.QueueController, post: Post
) -> None:
    with pytest.raises(errors.QueueDoesNotExist) as caught:
        post("nope", count=2, project="alpha")
    assert caught.value.name == "nope"
    assert caught.value.project == "alpha"
    assert queues.exists("nope", project="alpha") is False


def test_posting_to_another_projects_queue_raises_queue_does_not_exist(
    queues: base.QueueController, messages: base.MessageController, post: Post
) -> None:
    queues.create("fizbit", project="alpha")
    with pytest.raises(errors.QueueDoesNotExist):
        post("fizbit")
    with pytest.raises(errors.QueueDoesNotExist):
        post("fizbit", project="beta")
    assert list_all(messages, "fizbit", project="alpha") == []


def test_a_batch_that_fails_part_way_stores_none_of_its_messages(
    messages: base.MessageController, queues: base.QueueController, queue: str, client: str
) -> None:
    before = messages.post(queue, [base.NewMessage(60, {"n": "before"})], client)
    # The only way to make a batch fail part-way without mocking the database: its last
    # message cannot be stored (its body is no JSON value).
    batch = [
        base.NewMessage(60, {"n": 1}),
        base.NewMessage(60, {"n": 2}),
        base.NewMessage(60, object()),
    ]
    with pytest.raises(Exception):  # noqa: B017 - the error type is not part of the contract
        messages.post(queue, batch, client)

    assert ids_of(list_all(messages, queue)) == before
    assert queues.stats(queue).total == 1
    after = messages.post(queue, [base.NewMessage(60, {"n": "after"})], client)
    assert ids_of(list_all(messages, queue)) == before + after


def test_posting_an_empty_batch_stores_nothing_and_returns_no_ids(
    messages: base.MessageController, queue: str, client: str, post: Post
) -> None:
    assert messages.post(queue, [], client) == []
    assert list_all(messages, queue) == []
    ids = post(queue, count=2)
    assert ids_of(list_all(messages, queue)) == ids


# ---------------------------------------------------------------------------------------------
# list


def test_listing_returns_messages_in_posting_order(
    messages: base.MessageController, queue: str, post: Post
) -> None:
    ids = post(queue, count=7)
    page = messages.list(queue, echo=True, limit=10)
    assert ids_of(page.items) == ids
    assert page.next_marker is not None


def test_listing_returns_at_most_limit_messages(
    messages: base.MessageController, queue: str, post: Post
) -> None:
    ids = post(queue, count=7)
    assert ids_of(messages.list(queue, echo=True, limit=3).items) == ids[:3]
    assert ids_of(messages.list(queue, echo=True, limit=1).items) == ids[:1]


def test_listing_defaults_to_ten_messages(
    messages: base.MessageController, queue: str, post: Post
) -> None:
    ids = post(queue, count=12)
    assert ids_of(messages.list(queue, echo=True).items) == ids[:10]


def test_listing_after_a_marker_returns_only_later_messages(
    messages: base.MessageController, queue: str, post: Post
) -> None:
    ids = post(queue, count=5)
    first = messages.list(queue, echo=True, limit=2)
    second = messages.list(queue, marker=first.next_marker, echo=True, limit=10)
    assert ids_of(first.items) == ids[:2]
    assert ids_of(second.items) == ids[2:]


def test_paging_with_markers_visits_every_message_once_in_order(
    messages: base.MessageController, queue: str, post: Post
) -> None:
    ids = post(queue, count=4) + post(queue, count=3) + post(queue, count=4)
    for limit in (1, 2, 3, 11, 50):
        assert ids_of(list_all(messages, queue, limit=limit)) == ids


def test_the_page_after_the_last_message_is_empty_and_has_no_marker(
    messages: base.MessageController, queue: str, post: Post
) -> None:
    post(queue, count=2)
    page = messages.list(queue, echo=True, limit=2)
    assert messages.list(queue, marker=page.next_marker, echo=True) == base.Page([], None)


def test_a_marker_stays_valid_when_earlier_messages_are_deleted(
    messages: base.MessageController, queue: str, post: Post
) -> None:
    ids = post(queue, count=6)
    page = messages.list(queue, echo=True, limit=3)

    messages.bulk_delete(queue, ids[:3])
    later = messages.list(queue, marker=page.next_marker, echo=True, limit=10)

    assert ids_of(later.items) == ids[3:]


def test_a_marker_stays_valid_when_the_message_it_points_at_is_deleted(
    messages: base.MessageController, queue: str, post: Post
) -> None:
    ids = post(queue, count=4)
    page = messages.list(queue, echo=True, limit=2)
    messages.delete(queue, ids[1])
    assert ids_of(messages.list(queue, marker=page.next_marker, echo=True).items) == ids[2:]


def test_a_marker_picks_up_messages_posted_after_it_was_handed_out(
    messages: base.MessageController, queue: str, post: Post
) -> None:
    ids = post(queue, count=2)
    page = messages.list(queue, echo=True, limit=10)
    assert ids_of(page.items) == ids

    later = post(queue, count=3)

    assert ids_of(messages.list(queue, marker=page.next_marker, echo=True).items) == later


def test_a_marker_from_one_listing_works_with_different_filters(
    messages: base.MessageController, queue: str, post: Post, client: str
) -> None:
    mine = post(queue, count=2)
    other = uuid.uuid4().hex
    theirs = post(queue, count=2, client_uuid=other)
    page = messages.list(queue, echo=True, limit=1)
    rest = messages.list(queue, marker=page.next_marker, client_uuid=client, limit=10)
    assert ids_of(page.items) == mine[:1]
    assert ids_of(rest.items) == theirs


@pytest.mark.parametrize("marker", ["not a marker", "1.5", "abc123", "", "{}"])
def test_listing_after_a_malformed_marker_gives_an_empty_page(
    messages: base.MessageController, queue: str, post: Post, marker: str
) -> None:
    post(queue, count=3)
    assert messages.list(queue, marker=marker, echo=True) == base.Page([], None)


@pytest.mark.parametrize("marker", [str(2**63), str(2**70), "9" * 40])
def test_listing_after_a_marker_the_driver_cannot_represent_gives_an_empty_page(
    messages: base.MessageController, queue: str, post: Post, marker: str
) -> None:
    post(queue, count=3)
    assert messages.list(queue, marker=marker, echo=True) == base.Page([], None)


def test_a_marker_from_another_queue_does_not_break_listing(
    queues: base.QueueController, messages: base.MessageController, post: Post
) -> None:
    queues.create("one")
    queues.create("two")
    post("one", count=3)
    two = post("two", count=1)
    marker = messages.list("one", echo=True, limit=10).next_marker
    assert marker is not None
    # Markers are per queue: whatever this one selects, the listing must not fail or leak.
    page = messages.list("two", marker=marker, echo=True, limit=10)
    assert set(ids_of(page.items)) <= set(two)


def test_listing_a_missing_queue_gives_an_empty_page(
    messages: base.MessageController,
) -> None:
    assert messages.list("nope", echo=True) == base.Page([], None)
    assert messages.list("nope", project="alpha", marker="5", echo=True) == base.Page([], None)


def test_listing_an_empty_queue_gives_an_empty_page(
    messages: base.MessageController, queue: str
) -> None:
    assert messages.list(queue, echo=True, include_claimed=True) == base.Page([], None)


def test_listing_shows_only_the_given_projects_messages(
    queues: base.QueueController, messages: base.MessageController, post: Post
) -> None:
    queues.create("fizbit")
    queues.create("fizbit", project="alpha")
    global_ids = post("fizbit", count=2)
    alpha_ids = post("fizbit", count=3, project="alpha")

    assert ids_of(list_all(messages, "fizbit")) == global_ids
    assert ids_of(list_all(messages, "fizbit", project="alpha")) == alpha_ids
    assert list_all(messages, "fizbit", project="beta") == []


def test_listing_without_echo_leaves_out_the_clients_own_messages(
    messages: base.MessageController, queue: str, post: Post, client: str
) -> None:
    other = uuid.uuid4().hex
    mine_1 = post(queue, count=2)
    theirs_1 = post(queue, count=2, client_uuid=other)
    post(queue, count=1)
    theirs_2 = post(queue, count=1, client_uuid=other)

    page = messages.list(queue, client_uuid=client, echo=False, limit=10)

    assert ids_of(page.items) == theirs_1 + theirs_2
    assert mine_1[0] not in ids_of(page.items)


def test_listing_without_echo_only_own_messages_gives_an_empty_page(
    messages: base.MessageController, queue: str, post: Post, client: str
) -> None:
    post(queue, count=3)
    assert messages.list(queue, client_uuid=client) == base.Page([], None)


def test_listing_with_echo_includes_the_clients_own_messages(
    messages: base.MessageController, queue: str, post: Post, client: str
) -> None:
    mine = post(queue, count=2)
    theirs = post(queue, count=2, client_uuid=uuid.uuid4().hex)
    page = messages.list(queue, client_uuid=client, echo=True, limit=10)
    assert ids_of(page.items) == mine + theirs


def test_listing_without_a_client_id_leaves_nothing_out(
    messages: base.MessageController, queue: str, post: Post
) -> None:
    ids = post(queue, count=2) + post(queue, count=2, client_uuid=uuid.uuid4().hex)
    assert ids_of(messages.list(queue, client_uuid=None, echo=False).items) == ids


def test_paging_without_echo_skips_own_messages_across_pages(
    messages: base.MessageController, queue: str, post: Post, client: str
) -> None:
    other = uuid.uuid4().hex
    expected = []
    for _ in range(4):
        post(queue, count=2)
        expected += post(queue, count=1, client_uuid=other)

    seen: list[str] = []
    marker = None
    while True:
        page = messages.list(queue, marker=marker, limit=1, client_uuid=client)
        if not page.items:
            break
        seen += ids_of(page.items)
        marker = page.next_marker
    assert seen == expected


def test_listing_leaves_out_claimed_messages_by_default(
    messages: base.MessageController, claims: base.ClaimController, queue: str, post: Post
) -> None:
    ids = post(queue, count=5)
    assert claims.create(queue, ttl=300, grace=60, limit=2) is not None
    assert ids_of(messages.list(queue, echo=True).items) == ids[2:]


def test_listing_with_include_claimed_shows_claimed_messages_as_claimed(
    messages: base.MessageController, claims: base.ClaimController, queue: str, post: Post
) -> None:
    ids = post(queue, count=4)
    claim = claims.create(queue, ttl=300, grace=60, limit=2)
    assert claim is not None

    listed = messages.list(queue, echo=True, include_claimed=True).items

    assert ids_of(listed) == ids
    assert [m.claimed for m in listed] == [True, True, False, False]
    assert [m.claim_id for m in listed] == [claim.id, claim.id, None, None]


def test_listing_only_claimed_messages_gives_an_empty_page(
    messages: base.MessageController, claims: base.ClaimController, queue: str, post: Post
) -> None:
    post(queue, count=3)
    claims.create(queue, ttl=300, grace=60, limit=10)
    assert messages.list(queue, echo=True) == base.Page([], None)


def test_listing_shows_messages_again_once_their_claim_lapses(
    messages: base.MessageController,
    claims: base.ClaimController,
    queue: str,
    post: Post,
    clock: Clock,
) -> None:
    ids = post(queue, count=3, ttl=600)
    claim = claims.create(queue, ttl=60, grace=60, limit=2)
    assert claim is not None
    clock.advance(61)

    listed = messages.list(queue, echo=True).items

    assert ids_of(listed) == ids
    assert [m.claimed for m in listed] == [False, False, False]
    # A lapsed claim's id stays on its messages until they are claimed again or released.
    assert [m.claim_id for m in listed] == [claim.id, claim.id, None]


def test_listing_shows_messages_again_once_their_claim_is_released(
    messages: base.MessageController, claims: base.ClaimController, queue: str, post: Post
) -> None:
    ids = post(queue, count=3)
    claim = claims.create(queue, ttl=300, grace=60, limit=2)
    assert claim is not None
    claims.delete(queue, claim.id)

    listed = messages.list(queue, echo=True).items

    assert ids_of(listed) == ids
    assert [(m.claimed, m.claim_id) for m in listed] == [(False, None)] * 3


def test_listing_leaves_out_expired_messages(
    messages: base.MessageController, queue: str, post: Post, clock: Clock
) -> None:
    short = post(queue, count=2, ttl=60)
    long = post(queue, count=2, ttl=120)
    clock.advance(59)
    assert ids_of(messages.list(queue, echo=True).items) == short + long
    clock.advance(1)
    assert ids_of(messages.list(queue, echo=True, include_claimed=True).items) == long
    clock.advance(60)
    assert messages.list(queue, echo=True, include_claimed=True) == base.Page([], None)


def test_listed_messages_report_their_ttl_and_age(
    messages: base.MessageController, queue: str, post: Post, clock: Clock
) -> None:
    post(queue, ttl=300)
    clock.advance(7)
    post(queue, ttl=120)
    clock.advance(3)
    listed = messages.list(queue, echo=True).items
    assert [(m.ttl, m.age) for m in listed] == [(300, 10), (120, 3)]


# ---------------------------------------------------------------------------------------------
# get


def test_getting_a_message_returns_it(
    messages: base.MessageController, queue: str, post: Post, clock: Clock
) -> None:
    [message_id] = post(queue, ttl=200, bodies=[{"k": "v"}])
    clock.advance(42)
    assert messages.get(queue, message_id) == base.Message(
        id=message_id, ttl=200, age=42, body={"k": "v"}
    )


def test_getting_a_claimed_message_returns_it_with_its_claim(
    messages: base.MessageController, claims: base.ClaimController, queue: str, post: Post
) -> None:
    [message_id] = post(queue)
    claim = claims.create(queue, ttl=300, grace=60)
    assert claim is not None
    message = messages.get(queue, message_id)
    assert (message.claimed, message.claim_id, message.claim_count) == (True, claim.id, 1)


def test_getting_an_unknown_message_raises_message_does_not_exist(
    messages: base.MessageController, queue: str, post: Post
) -> None:
    message_id = gone_id(messages, queue, post)
    with pytest.raises(errors.MessageDoesNotExist) as caught:
        messages.get(queue, message_id)
    assert caught.value.message_id == message_id
    assert caught.value.queue == queue
    assert caught.value.project is None


@pytest.mark.parametrize("message_id", MALFORMED_IDS)
def test_getting_a_malformed_message_id_raises_message_does_not_exist(
    messages: base.MessageController, queue: str, post: Post, message_id: str
) -> None:
    post(queue)
    with pytest.raises(errors.MessageDoesNotExist):
        messages.get(queue, message_id)


def test_getting_a_message_through_another_queue_raises_message_does_not_exist(
    queues: base.QueueController, messages: base.MessageController, post: Post
) -> None:
    queues.create("one")
    queues.create("two")
    [message_id] = post("one")
    with pytest.raises(errors.MessageDoesNotExist):
        messages.get("two", message_id)


def test_getting_a_message_through_another_project_raises_message_does_not_exist(
    queues: base.QueueController, messages: base.MessageController, post: Post
) -> None:
    queues.create("fizbit", project="alpha")
    queues.create("fizbit", project="beta")
    queues.create("fizbit")
    [message_id] = post("fizbit", project="alpha")
    with pytest.raises(errors.MessageDoesNotExist):
        messages.get("fizbit", message_id, project="beta")
    with pytest.raises(errors.MessageDoesNotExist) as caught:
        messages.get("fizbit", message_id)
    assert caught.value.project is None


def test_getting_a_message_of_a_missing_queue_raises_message_does_not_exist(
    queues: base.QueueController, messages: base.MessageController, queue: str, post: Post
) -> None:
    [message_id] = post(queue)
    with pytest.raises(errors.MessageDoesNotExist):
        messages.get("nope", message_id)


def test_getting_an_expired_message_raises_message_does_not_exist(
    messages: base.MessageController, queue: str, post: Post, clock: Clock
) -> None:
    [message_id] = post(queue, ttl=60)
    clock.advance(59)
    assert messages.get(queue, message_id).id == message_id
    clock.advance(1)
    with pytest.raises(errors.MessageDoesNotExist):
        messages.get(queue, message_id)


# ---------------------------------------------------------------------------------------------
# bulk_get


def test_bulk_get_returns_the_requested_messages(
    messages: base.MessageController, queue: str, post: Post
) -> None:
    ids = post(queue, count=5)
    found = messages.bulk_get(queue, [ids[3], ids[0], ids[4]])
    assert sorted(ids_of(found)) == sorted([ids[3], ids[0], ids[4]])
    assert {m.id: m.body for m in found} == {
        ids[0]: {"n": 0},
        ids[3]: {"n": 3},
        ids[4]: {"n": 4},
    }


def test_bulk_get_skips_unknown_malformed_and_foreign_ids(
    queues: base.QueueController, messages: base.MessageController, queue: str, post: Post
) -> None:
    queues.create("other")
    queues.create(queue, project="alpha")
    ids = post(queue, count=2)
    deleted = gone_id(messages, queue, post)
    [other_queue] = post("other")
    [other_project] = post(queue, project="alpha")

    found = messages.bulk_get(
        queue, [*MALFORMED_IDS, deleted, ids[1], other_queue, other_project, ids[0]]
    )

    assert sorted(ids_of(found)) == sorted(ids)


def test_bulk_get_of_only_unknown_ids_returns_nothing(
    messages: base.MessageController, queue: str, post: Post
) -> None:
    post(queue, count=2)
    assert messages.bulk_get(queue, [gone_id(messages, queue, post), "bogus!"]) == []
    assert messages.bulk_get(queue, []) == []


def test_bulk_get_returns_claimed_messages_too(
    messages: base.MessageController, claims: base.ClaimController, queue: str, post: Post
) -> None:
    ids = post(queue, count=3)
    claim = claims.create(queue, ttl=300, grace=60, limit=2)
    assert claim is not None
    found = {m.id: m for m in messages.bulk_get(queue, ids)}
    assert set(found) == set(ids)
    assert [found[i].claimed for i in ids] == [True, True, False]


def test_bulk_get_skips_expired_messages(
    messages: base.MessageController, queue: str, post: Post, clock: Clock
) -> None:
    short = post(queue, ttl=60)
    long = post(queue, ttl=120)
    clock.advance(60)
    assert ids_of(messages.bulk_get(queue, short + long)) == long


def test_bulk_get_through_a_missing_queue_returns_nothing(
    messages: base.MessageController, queue: str, post: Post
) -> None:
    ids = post(queue, count=2)
    assert messages.bulk_get("nope", ids) == []


# ---------------------------------------------------------------------------------------------
# delete: the decision table of SPEC §2.9, row by row


def assert_gone(messages: base.MessageController, queue: str, message_id: str) -> None:
    with pytest.raises(errors.MessageDoesNotExist):
        messages.get(queue, message_id)


def assert_present(messages: base.MessageController, queue: str, message_id: str) -> None:
    assert messages.get(queue, message_id).id == message_id


@pytest.mark.parametrize("message_id", MALFORMED_IDS)
def test_deleting_a_malformed_message_id_does_nothing(
    messages: base.MessageController, queue: str, post: Post, message_id: str
) -> None:
    ids = post(queue, count=2)
    messages.delete(queue, message_id)
    assert ids_of(list_all(messages, queue)) == ids


def test_deleting_a_malformed_message_id_with_a_malformed_claim_id_does_nothing(
    messages: base.MessageController, queue: str, post: Post
) -> None:
    ids = post(queue)
    messages.delete(queue, "not an id!", claim="not a claim!")
    assert ids_of(list_all(messages, queue)) == ids


@pytest.mark.parametrize("claim_id", ["not a claim!", "", "../.."])
def test_deleting_with_a_malformed_claim_id_raises_invalid_claim_id(
    messages: base.MessageController, queue: str, post: Post, claim_id: str
) -> None:
    [message_id] = post(queue)
    with pytest.raises(errors.InvalidClaimId) as caught:
        messages.delete(queue, message_id, claim=claim_id)
    assert caught.value.claim_id == claim_id
    assert isinstance(caught.value, errors.NotPermitted)
    assert_present(messages, queue, message_id)


def test_deleting_a_claimed_message_with_a_malformed_claim_id_raises_invalid_claim_id(
    messages: base.MessageController, claims: base.ClaimController, queue: str, post: Post
) -> None:
    [message_id] = post(queue)
    assert claims.create(queue, ttl=300, grace=60) is not None
    with pytest.raises(errors.InvalidClaimId):
        messages.delete(queue, message_id, claim="not a claim!")
    assert_present(messages, queue, message_id)


def test_deleting_a_missing_message_with_a_malformed_claim_id_raises_invalid_claim_id(
    messages: base.MessageController, queue: str, post: Post
) -> None:
    message_id = gone_id(messages, queue, post)
    with pytest.raises(errors.InvalidClaimId):
        messages.delete(queue, message_id, claim="not a claim!")


def test_deleting_in_a_missing_queue_with_a_malformed_claim_id_raises_invalid_claim_id(
    messages: base.MessageController, queue: str, post: Post
) -> None:
    [message_id] = post(queue)
    with pytest.raises(errors.InvalidClaimId):
        messages.delete("nope", message_id, claim="not a claim!")


def test_deleting_a_missing_message_does_nothing(
    messages: base.MessageController, queue: str, post: Post
) -> None:
    message_id = gone_id(messages, queue, post)
    kept = post(queue)
    messages.delete(queue, message_id)
    assert ids_of(list_all(messages, queue)) == kept


def test_deleting_a_missing_message_with_a_well_formed_claim_id_does_nothing(
    messages: base.MessageController, claims: base.ClaimController, queue: str, post: Post
) -> None:
    claim_id = released_claim_id(claims, queue, post)
    message_id = gone_id(messages, queue, post)
    messages.delete(queue, message_id, claim=claim_id)


def test_deleting_an_expired_message_does_nothing(
    messages: base.MessageController, queue: str, post: Post, clock: Clock
) -> None:
    [message_id] = post(queue, ttl=60)
    clock.advance(60)
    messages.delete(queue, message_id)
    assert_gone(messages, queue, message_id)


def test_deleting_a_message_in_a_missing_queue_does_nothing(
    messages: base.MessageController, queue: str, post: Post
) -> None:
    [message_id] = post(queue)
    messages.delete("nope", message_id)
    messages.delete("nope", message_id, project="alpha")
    assert_present(messages, queue, message_id)


def test_deleting_a_message_through_another_queue_leaves_it_alone(
    queues: base.QueueController, messages: base.MessageController, post: Post
) -> None:
    queues.create("one")
    queues.create("two")
    [message_id] = post("one")
    messages.delete("two", message_id)
    assert_present(messages, "one", message_id)


def test_deleting_a_message_through_another_project_leaves_it_alone(
    queues: base.QueueController, messages: base.MessageController, post: Post
) -> None:
    queues.create("fizbit", project="alpha")
    queues.create("fizbit")
    [message_id] = post("fizbit", project="alpha")
    messages.delete("fizbit", message_id)
    messages.delete("fizbit", message_id, project="beta")
    assert messages.get("fizbit", message_id, project="alpha").id == message_id


def test_deleting_a_claimed_message_without_a_claim_id_raises_message_is_claimed(
    messages: base.MessageController, claims: base.ClaimController, queue: str, post: Post
) -> None:
    [message_id] = post(queue)
    assert claims.create(queue, ttl=300, grace=60) is not None
    with pytest.raises(errors.MessageIsClaimed) as caught:
        messages.delete(queue, message_id)
    assert caught.value.message_id == message_id
    assert_present(messages, queue, message_id)


def test_deleting_a_free_message_without_a_claim_id_deletes_it(
    messages: base.MessageController, queue: str, post: Post
) -> None:
    ids = post(queue, count=3)
    messages.delete(queue, ids[1])
    assert_gone(messages, queue, ids[1])
    assert ids_of(list_all(messages, queue)) == [ids[0], ids[2]]


def test_deleting_a_message_whose_claim_lapsed_without_a_claim_id_deletes_it(
    messages: base.MessageController,
    claims: base.ClaimController,
    queue: str,
    post: Post,
    clock: Clock,
) -> None:
    [message_id] = post(queue, ttl=600)
    assert claims.create(queue, ttl=60, grace=60) is not None
    clock.advance(61)
    messages.delete(queue, message_id)
    assert_gone(messages, queue, message_id)


def test_deleting_a_released_message_without_a_claim_id_deletes_it(
    messages: base.MessageController, claims: base.ClaimController, queue: str, post: Post
) -> None:
    [message_id] = post(queue)
    claim = claims.create(queue, ttl=300, grace=60)
    assert claim is not None
    claims.delete(queue, claim.id)
    messages.delete(queue, message_id)
    assert_gone(messages, queue, message_id)


def test_deleting_a_claimed_message_with_its_claim_id_deletes_it(
    messages: base.MessageController, claims: base.ClaimController, queue: str, post: Post
) -> None:
    ids = post(queue, count=2)
    claim = claims.create(queue, ttl=300, grace=60)
    assert claim is not None
    messages.delete(queue, ids[0], claim=claim.id)
    assert_gone(messages, queue, ids[0])
    assert_present(messages, queue, ids[1])


def test_deleting_with_the_id_of_a_lapsed_claim_still_on_the_message_deletes_it(
    messages: base.MessageController,
    claims: base.ClaimController,
    queue: str,
    post: Post,
    clock: Clock,
) -> None:
    [message_id] = post(queue, ttl=600)
    claim = claims.create(queue, ttl=60, grace=60)
    assert claim is not None
    clock.advance(61)
    messages.delete(queue, message_id, claim=claim.id)
    assert_gone(messages, queue, message_id)


def test_deleting_a_message_claimed_by_another_claim_raises_message_not_claimed_by(
    messages: base.MessageController, claims: base.ClaimController, queue: str, post: Post
) -> None:
    first, second = post(queue, count=2)
    claim_one = claims.create(queue, ttl=300, grace=60, limit=1)
    claim_two = claims.create(queue, ttl=300, grace=60, limit=1)
    assert claim_one is not None and claim_two is not None

    with pytest.raises(errors.MessageNotClaimedBy) as caught:
        messages.delete(queue, second, claim=claim_one.id)

    assert caught.value.message_id == second
    assert caught.value.claim_id == claim_one.id
    assert_present(messages, queue, second)


def test_deleting_a_claimed_message_with_an_unknown_claim_id_raises_message_not_claimed_by(
    messages: base.MessageController, claims: base.ClaimController, queue: str, post: Post
) -> None:
    stale = released_claim_id(claims, queue, post)
    [message_id] = post(queue)
    assert claims.create(queue, ttl=300, grace=60, limit=10) is not None
    with pytest.raises(errors.MessageNotClaimedBy):
        messages.delete(queue, message_id, claim=stale)
    assert_present(messages, queue, message_id)


def test_deleting_with_a_lapsed_claim_id_after_a_new_claim_raises_message_not_claimed_by(
    messages: base.MessageController,
    claims: base.ClaimController,
    queue: str,
    post: Post,
    clock: Clock,
) -> None:
    [message_id] = post(queue, ttl=600)
    old = claims.create(queue, ttl=60, grace=60)
    assert old is not None
    clock.advance(61)
    new = claims.create(queue, ttl=60, grace=60)
    assert new is not None and new.id != old.id

    with pytest.raises(errors.MessageNotClaimedBy):
        messages.delete(queue, message_id, claim=old.id)
    messages.delete(queue, message_id, claim=new.id)
    assert_gone(messages, queue, message_id)


def test_deleting_a_released_message_with_its_old_claim_id_raises_message_not_claimed(
    messages: base.MessageController, claims: base.ClaimController, queue: str, post: Post
) -> None:
    [message_id] = post(queue)
    claim = claims.create(queue, ttl=300, grace=60)
    assert claim is not None
    claims.delete(queue, claim.id)

    with pytest.raises(errors.MessageNotClaimed) as caught:
        messages.delete(queue, message_id, claim=claim.id)

    assert caught.value.message_id == message_id
    assert_present(messages, queue, message_id)


def test_deleting_a_never_claimed_message_with_a_claim_id_raises_message_not_claimed(
    messages: base.MessageController, claims: base.ClaimController, queue: str, post: Post
) -> None:
    claim_id = released_claim_id(claims, queue, post)
    [message_id] = post(queue)
    with pytest.raises(errors.MessageNotClaimed):
        messages.delete(queue, message_id, claim=claim_id)
    assert_present(messages, queue, message_id)


def test_deleting_with_another_claims_id_after_its_own_claim_lapsed_raises_not_claimed(
    messages: base.MessageController,
    claims: base.ClaimController,
    queue: str,
    post: Post,
    clock: Clock,
) -> None:
    first, second = post(queue, count=2, ttl=600)
    lapsed = claims.create(queue, ttl=60, grace=60, limit=1)
    assert lapsed is not None
    clock.advance(61)
    live = claims.create(queue, ttl=300, grace=60, limit=1)
    # The live claim takes the oldest free message: the first one, whose claim lapsed.
    assert live is not None and ids_of(live.messages) == [first]
    held = claims.create(queue, ttl=60, grace=60, limit=1)
    assert held is not None and ids_of(held.messages) == [second]
    clock.advance(61)

    # ``second`` carries the lapsed claim ``held``; ``live`` is some other claim.
    with pytest.raises(errors.MessageNotClaimed):
        messages.delete(queue, second, claim=live.id)
    assert_present(messages, queue, second)


def test_the_delete_errors_are_not_permitted_errors() -> None:
    for error_type in (
        errors.MessageIsClaimed,
        errors.MessageNotClaimed,
        errors.MessageNotClaimedBy,
        errors.InvalidClaimId,
    ):
        assert issubclass(error_type, errors.NotPermitted)
        assert issubclass(error_type, errors.StorageError)


# ---------------------------------------------------------------------------------------------
# bulk_delete


def test_bulk_delete_removes_the_given_messages(
    messages: base.MessageController, queue: str, post: Post
) -> None:
    ids = post(queue, count=5)
    messages.bulk_delete(queue, [ids[0], ids[2], ids[4]])
    assert ids_of(list_all(messages, queue)) == [ids[1], ids[3]]


def test_bulk_delete_removes_claimed_messages_regardless_of_their_claim(
    messages: base.MessageController, claims: base.ClaimController, queue: str, post: Post
) -> None:
    ids = post(queue, count=3)
    claim = claims.create(queue, ttl=300, grace=60, limit=2)
    assert claim is not None

    messages.bulk_delete(queue, ids[:2])

    assert ids_of(list_all(messages, queue)) == ids[2:]
    with pytest.raises(errors.ClaimDoesNotExist):
        claims.get(queue, claim.id)


def test_bulk_delete_skips_unknown_and_malformed_ids(
    messages: base.MessageController, queue: str, post: Post
) -> None:
    ids = post(queue, count=3)
    deleted = gone_id(messages, queue, post)
    messages.bulk_delete(queue, [*MALFORMED_IDS, deleted, ids[1]])
    assert ids_of(list_all(messages, queue)) == [ids[0], ids[2]]


def test_bulk_delete_of_nothing_does_nothing(
    messages: base.MessageController, queue: str, post: Post
) -> None:
    ids = post(queue, count=2)
    messages.bulk_delete(queue, [])
    assert ids_of(list_all(messages, queue)) == ids


def test_bulk_delete_leaves_messages_of_other_queues_and_projects_alone(
    queues: base.QueueController, messages: base.MessageController, queue: str, post: Post
) -> None:
    queues.create("other")
    queues.create(queue, project="alpha")
    mine = post(queue, count=2)
    other_queue = post("other", count=2)
    other_project = post(queue, count=2, project="alpha")

    messages.bulk_delete(queue, mine + other_queue + other_project)

    assert list_all(messages, queue) == []
    assert ids_of(list_all(messages, "other")) == other_queue
    assert ids_of(list_all(messages, queue, project="alpha")) == other_project


def test_bulk_delete_in_a_missing_queue_does_nothing(
    messages: base.MessageController, queue: str, post: Post
) -> None:
    ids = post(queue, count=2)
    messages.bulk_delete("nope", ids)
    assert ids_of(list_all(messages, queue)) == ids


# ---------------------------------------------------------------------------------------------
# pop


def test_pop_returns_and_deletes_the_oldest_messages(
    messages: base.MessageController, queue: str, post: Post
) -> None:
    ids = post(queue, count=5)

    popped = messages.pop(queue, 3)

    assert ids_of(popped) == ids[:3]
    assert [m.body for m in popped] == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert ids_of(list_all(messages, queue)) == ids[3:]
    for message_id in ids[:3]:
        assert_gone(messages, queue, message_id)


def test_pop_returns_fewer_messages_when_fewer_are_free(
    messages: base.MessageController, queue: str, post: Post
) -> None:
    ids = post(queue, count=2)
    assert ids_of(messages.pop(queue, 10)) == ids
    assert messages.pop(queue, 10) == []


def test_pop_skips_claimed_messages(
    messages: base.MessageController, claims: base.ClaimController, queue: str, post: Post
) -> None:
    ids = post(queue, count=4)
    claim = claims.create(queue, ttl=300, grace=60, limit=2)
    assert claim is not None

    assert ids_of(messages.pop(queue, 10)) == ids[2:]
    assert ids_of(claims.get(queue, claim.id).messages) == ids[:2]


def test_pop_takes_messages_whose_claim_lapsed(
    messages: base.MessageController,
    claims: base.ClaimController,
    queue: str,
    post: Post,
    clock: Clock,
) -> None:
    ids = post(queue, count=2, ttl=600)
    claims.create(queue, ttl=60, grace=60, limit=1)
    clock.advance(61)
    assert ids_of(messages.pop(queue, 10)) == ids


def test_pop_skips_expired_messages(
    messages: base.MessageController, queue: str, post: Post, clock: Clock
) -> None:
    post(queue, count=2, ttl=60)
    live = post(queue, count=2, ttl=120)
    clock.advance(60)
    assert ids_of(messages.pop(queue, 10)) == live


def test_pop_from_an_empty_or_missing_queue_returns_nothing(
    messages: base.MessageController, queue: str
) -> None:
    assert messages.pop(queue, 5) == []
    assert messages.pop("nope", 5) == []


def test_pop_takes_only_from_the_given_project(
    queues: base.QueueController, messages: base.MessageController, post: Post
) -> None:
    queues.create("fizbit")
    queues.create("fizbit", project="alpha")
    global_ids = post("fizbit", count=2)
    alpha_ids = post("fizbit", count=2, project="alpha")

    assert ids_of(messages.pop("fizbit", 10, project="alpha")) == alpha_ids
    assert ids_of(list_all(messages, "fizbit")) == global_ids
