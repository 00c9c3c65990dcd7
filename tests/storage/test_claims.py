"""ClaimController: create, get, update and delete (release), and how claims extend TTLs."""

from __future__ import annotations

import pytest

from zaqar.storage import base, errors

from .support import Clock, Post

MALFORMED_CLAIM_IDS = ["not a claim!", "", "../..", "{}"]


def ids_of(items: list[base.Message]) -> list[str]:
    return [message.id for message in items]


def claim_or_fail(
    claims: base.ClaimController,
    queue: str,
    ttl: int = 300,
    grace: int = 60,
    limit: int = 10,
    project: str | None = None,
) -> base.Claim:
    claim = claims.create(queue, ttl=ttl, grace=grace, limit=limit, project=project)
    assert claim is not None, "expected the claim to take messages"
    return claim


def released_claim_id(claims: base.ClaimController, queue: str, post: Post) -> str:
    post(queue)
    claim = claim_or_fail(claims, queue, limit=1)
    claims.delete(queue, claim.id)
    return claim.id


# ---------------------------------------------------------------------------------------------
# create


def test_a_claim_takes_up_to_limit_messages_oldest_first(
    claims: base.ClaimController, queue: str, post: Post
) -> None:
    ids = post(queue, count=3) + post(queue, count=4)
    claim = claim_or_fail(claims, queue, limit=5)
    assert ids_of(claim.messages) == ids[:5]


def test_a_claim_takes_ten_messages_by_default(
    claims: base.ClaimController, queue: str, post: Post
) -> None:
    ids = post(queue, count=12)
    claim = claims.create(queue, ttl=300, grace=60)
    assert claim is not None
    assert ids_of(claim.messages) == ids[:10]


def test_a_claim_may_take_more_messages_than_the_api_allows(
    claims: base.ClaimController, queue: str, post: Post
) -> None:
    # Drivers never validate API limits (the API caps a claim at 20 messages).
    ids = post(queue, count=30)
    assert ids_of(claim_or_fail(claims, queue, limit=25).messages) == ids[:25]


def test_a_claim_takes_fewer_messages_when_fewer_are_free(
    claims: base.ClaimController, queue: str, post: Post
) -> None:
    ids = post(queue, count=3)
    assert ids_of(claim_or_fail(claims, queue, limit=20).messages) == ids


def test_a_new_claim_reports_its_id_ttl_and_zero_age(
    claims: base.ClaimController, queue: str, post: Post, clock: Clock
) -> None:
    post(queue, count=2, ttl=600)
    clock.advance(30)
    claim = claim_or_fail(claims, queue, ttl=120, grace=60)
    assert claim.id
    assert all(char.isascii() and (char.isalnum() or char in "-_") for char in claim.id)
    assert (claim.ttl, claim.age) == (120, 0)


def test_claimed_messages_carry_the_claim(
    claims: base.ClaimController, queue: str, post: Post, clock: Clock
) -> None:
    ids = post(queue, count=2, ttl=600, bodies=[{"a": 1}, ["b"]])
    clock.advance(12)
    claim = claim_or_fail(claims, queue)
    assert claim.messages == [
        base.Message(ids[0], 600, 12, {"a": 1}, claim.id, 1, True),
        base.Message(ids[1], 600, 12, ["b"], claim.id, 1, True),
    ]


def test_claim_ids_are_unique(claims: base.ClaimController, queue: str, post: Post) -> None:
    post(queue, count=5)
    ids = {claim_or_fail(claims, queue, limit=1).id for _ in range(5)}
    assert len(ids) == 5


def test_a_claim_takes_only_free_messages(
    claims: base.ClaimController, queue: str, post: Post
) -> None:
    ids = post(queue, count=5)
    first = claim_or_fail(claims, queue, limit=2)
    second = claim_or_fail(claims, queue, limit=2)
    third = claim_or_fail(claims, queue, limit=2)
    assert ids_of(first.messages) == ids[:2]
    assert ids_of(second.messages) == ids[2:4]
    assert ids_of(third.messages) == ids[4:]


def test_a_claim_skips_claimed_messages_between_free_ones(
    claims: base.ClaimController, queue: str, post: Post
) -> None:
    a, b, c, d = post(queue, count=4)
    first = claim_or_fail(claims, queue, limit=2)  # a, b
    claim_or_fail(claims, queue, limit=1)  # c
    claims.delete(queue, first.id)  # a and b are free again
    claim_or_fail(claims, queue, limit=1)  # a
    # Now a and c are claimed, b and d are free.
    assert ids_of(claim_or_fail(claims, queue, limit=10).messages) == [b, d]


def test_a_client_can_claim_its_own_messages(
    claims: base.ClaimController, queue: str, post: Post, client: str
) -> None:
    ids = post(queue, count=2, client_uuid=client)
    assert ids_of(claim_or_fail(claims, queue).messages) == ids


def test_claiming_when_every_message_is_claimed_returns_none(
    claims: base.ClaimController, queue: str, post: Post
) -> None:
    post(queue, count=2)
    claim_or_fail(claims, queue)
    assert claims.create(queue, ttl=300, grace=60) is None


def test_claiming_an_empty_queue_returns_none(claims: base.ClaimController, queue: str) -> None:
    assert claims.create(queue, ttl=300, grace=60) is None


def test_claiming_a_missing_queue_returns_none(
    claims: base.ClaimController, queues: base.QueueController
) -> None:
    assert claims.create("nope", ttl=300, grace=60) is None
    assert claims.create("nope", ttl=300, grace=60, project="alpha") is None
    assert queues.exists("nope") is False


def test_claiming_takes_only_the_given_projects_messages(
    claims: base.ClaimController, queues: base.QueueController, post: Post
) -> None:
    queues.create("fizbit")
    queues.create("fizbit", project="alpha")
    queues.create("fizbit", project="beta")
    post("fizbit", count=2)
    alpha = post("fizbit", count=2, project="alpha")

    assert claims.create("fizbit", ttl=300, grace=60, project="beta") is None
    assert ids_of(claim_or_fail(claims, "fizbit", project="alpha").messages) == alpha
    assert queues.stats("fizbit").free == 2


def test_claiming_skips_expired_messages(
    claims: base.ClaimController, queue: str, post: Post, clock: Clock
) -> None:
    post(queue, count=2, ttl=60)
    live = post(queue, count=2, ttl=120)
    clock.advance(60)
    assert ids_of(claim_or_fail(claims, queue).messages) == live


def test_claiming_a_queue_of_only_expired_messages_returns_none(
    claims: base.ClaimController, queue: str, post: Post, clock: Clock
) -> None:
    post(queue, count=2, ttl=60)
    clock.advance(60)
    assert claims.create(queue, ttl=300, grace=60) is None


def test_messages_of_a_lapsed_claim_can_be_claimed_again(
    claims: base.ClaimController,
    messages: base.MessageController,
    queue: str,
    post: Post,
    clock: Clock,
) -> None:
    ids = post(queue, count=2, ttl=600)
    first = claim_or_fail(claims, queue, ttl=60)
    clock.advance(60)

    second = claim_or_fail(claims, queue, ttl=60)

    assert second.id != first.id
    assert ids_of(second.messages) == ids
    assert [m.claim_count for m in second.messages] == [2, 2]
    assert all(messages.get(queue, i).claim_id == second.id for i in ids)
    with pytest.raises(errors.ClaimDoesNotExist):
        claims.get(queue, first.id)


def test_messages_of_a_released_claim_can_be_claimed_again(
    claims: base.ClaimController, queue: str, post: Post
) -> None:
    ids = post(queue, count=2)
    first = claim_or_fail(claims, queue)
    claims.delete(queue, first.id)
    second = claim_or_fail(claims, queue)
    assert ids_of(second.messages) == ids
    assert [m.claim_count for m in second.messages] == [2, 2]


def test_a_claim_is_live_until_its_ttl_runs_out(
    claims: base.ClaimController,
    messages: base.MessageController,
    queue: str,
    post: Post,
    clock: Clock,
) -> None:
    [message_id] = post(queue, ttl=600)
    claim = claim_or_fail(claims, queue, ttl=60)
    clock.advance(59)
    assert messages.get(queue, message_id).claimed is True
    assert claims.create(queue, ttl=60, grace=60) is None
    clock.advance(1)
    assert messages.get(queue, message_id).claimed is False
    assert messages.get(queue, message_id).claim_id == claim.id


# ---------------------------------------------------------------------------------------------
# create: TTL extension (SPEC §4.5)


def test_a_claim_extends_a_message_that_would_die_first_to_claim_ttl_plus_grace(
    claims: base.ClaimController,
    messages: base.MessageController,
    queue: str,
    post: Post,
    clock: Clock,
) -> None:
    [message_id] = post(queue, ttl=100)

    claim = claim_or_fail(claims, queue, ttl=300, grace=60)

    assert claim.messages[0].ttl == 360
    assert messages.get(queue, message_id).ttl == 360
    assert claims.get(queue, claim.id).messages[0].ttl == 360
    # The message now lives until the claim's expiry plus the grace period.
    claims.delete(queue, claim.id)
    clock.advance(359)
    assert messages.get(queue, message_id).ttl == 360
    clock.advance(1)
    with pytest.raises(errors.MessageDoesNotExist):
        messages.get(queue, message_id)


def test_an_extended_message_keeps_counting_its_age_from_creation(
    claims: base.ClaimController,
    messages: base.MessageController,
    queue: str,
    post: Post,
    clock: Clock,
) -> None:
    [message_id] = post(queue, ttl=100)
    clock.advance(40)
    claim = claim_or_fail(claims, queue, ttl=300, grace=60)
    assert claim.messages[0].age == 40
    clock.advance(20)
    assert messages.get(queue, message_id).age == 60


def test_the_extension_counts_from_the_claim_not_from_the_message(
    claims: base.ClaimController,
    messages: base.MessageController,
    queue: str,
    post: Post,
    clock: Clock,
) -> None:
    [message_id] = post(queue, ttl=100)
    clock.advance(50)
    claim_or_fail(claims, queue, ttl=100, grace=60)  # claim expires at 150, message at 100

    # Kept alive until claim expiry + grace = 50 + 100 + 60 = 210 seconds after posting.
    clock.advance(159)
    assert messages.get(queue, message_id).ttl == 160
    clock.advance(1)
    with pytest.raises(errors.MessageDoesNotExist):
        messages.get(queue, message_id)


def test_a_claim_leaves_a_message_that_outlives_it_untouched(
    claims: base.ClaimController,
    messages: base.MessageController,
    queue: str,
    post: Post,
    clock: Clock,
) -> None:
    # The message outlives the 300-second claim but dies before claim expiry + grace.
    [message_id] = post(queue, ttl=330)

    claim = claim_or_fail(claims, queue, ttl=300, grace=60)

    assert claim.messages[0].ttl == 330
    assert messages.get(queue, message_id).ttl == 330
    clock.advance(329)
    assert messages.get(queue, message_id).id == message_id
    clock.advance(1)
    with pytest.raises(errors.MessageDoesNotExist):
        messages.get(queue, message_id)


def test_a_message_expiring_exactly_with_the_claim_is_not_extended(
    claims: base.ClaimController,
    messages: base.MessageController,
    queue: str,
    post: Post,
    clock: Clock,
) -> None:
    [message_id] = post(queue, ttl=300)
    claim = claim_or_fail(claims, queue, ttl=300, grace=60)
    assert claim.messages[0].ttl == 300
    assert messages.get(queue, message_id).ttl == 300


def test_a_claim_extends_only_the_messages_that_need_it(
    claims: base.ClaimController, queue: str, post: Post
) -> None:
    post(queue, ttl=100)
    post(queue, ttl=1000)
    claim = claim_or_fail(claims, queue, ttl=300, grace=60)
    assert [m.ttl for m in claim.messages] == [360, 1000]


def test_releasing_a_claim_does_not_shrink_extended_ttls(
    claims: base.ClaimController, messages: base.MessageController, queue: str, post: Post
) -> None:
    [message_id] = post(queue, ttl=100)
    claim = claim_or_fail(claims, queue, ttl=300, grace=60)
    claims.delete(queue, claim.id)
    assert messages.get(queue, message_id).ttl == 360


# ---------------------------------------------------------------------------------------------
# get


def test_getting_a_claim_returns_its_ttl_age_and_messages(
    claims: base.ClaimController, queue: str, post: Post, clock: Clock
) -> None:
    ids = post(queue, count=3, ttl=600)
    claim = claim_or_fail(claims, queue, ttl=120, limit=2)
    clock.advance(15)

    found = claims.get(queue, claim.id)

    assert (found.id, found.ttl, found.age) == (claim.id, 120, 15)
    assert ids_of(found.messages) == ids[:2]
    assert all(m.claimed and m.claim_id == claim.id for m in found.messages)
    assert [m.age for m in found.messages] == [15, 15]


def test_a_claim_lists_only_the_messages_it_still_holds(
    claims: base.ClaimController, messages: base.MessageController, queue: str, post: Post
) -> None:
    ids = post(queue, count=3)
    claim = claim_or_fail(claims, queue)
    messages.delete(queue, ids[1], claim=claim.id)
    assert ids_of(claims.get(queue, claim.id).messages) == [ids[0], ids[2]]


def test_getting_a_claim_through_another_queue_raises_claim_does_not_exist(
    claims: base.ClaimController, queues: base.QueueController, post: Post
) -> None:
    queues.create("one")
    queues.create("two")
    post("one")
    post("two")
    claim = claim_or_fail(claims, "one")
    with pytest.raises(errors.ClaimDoesNotExist) as caught:
        claims.get("two", claim.id)
    assert caught.value.claim_id == claim.id
    assert caught.value.queue == "two"
    assert caught.value.project is None


def test_getting_a_claim_through_another_project_raises_claim_does_not_exist(
    claims: base.ClaimController, queues: base.QueueController, post: Post
) -> None:
    queues.create("fizbit", project="alpha")
    queues.create("fizbit")
    post("fizbit", project="alpha")
    claim = claim_or_fail(claims, "fizbit", project="alpha")
    with pytest.raises(errors.ClaimDoesNotExist):
        claims.get("fizbit", claim.id)
    with pytest.raises(errors.ClaimDoesNotExist) as caught:
        claims.get("fizbit", claim.id, project="beta")
    assert caught.value.project == "beta"
    assert claims.get("fizbit", claim.id, project="alpha").id == claim.id


def test_getting_a_claim_of_a_missing_queue_raises_claim_does_not_exist(
    claims: base.ClaimController, queue: str, post: Post
) -> None:
    post(queue)
    claim = claim_or_fail(claims, queue)
    with pytest.raises(errors.ClaimDoesNotExist):
        claims.get("nope", claim.id)


def test_getting_an_unknown_claim_raises_claim_does_not_exist(
    claims: base.ClaimController, queue: str, post: Post
) -> None:
    # A well-formed id that names no claim: one whose claim was released.
    claim_id = released_claim_id(claims, queue, post)
    post(queue)
    claim_or_fail(claims, queue)
    with pytest.raises(errors.ClaimDoesNotExist):
        claims.get(queue, claim_id)


@pytest.mark.parametrize("claim_id", MALFORMED_CLAIM_IDS)
def test_getting_a_malformed_claim_id_raises_claim_does_not_exist(
    claims: base.ClaimController, queue: str, post: Post, claim_id: str
) -> None:
    post(queue)
    claim_or_fail(claims, queue)
    with pytest.raises(errors.ClaimDoesNotExist) as caught:
        claims.get(queue, claim_id)
    assert caught.value.claim_id == claim_id


def test_getting_an_expired_claim_raises_claim_does_not_exist(
    claims: base.ClaimController, queue: str, post: Post, clock: Clock
) -> None:
    post(queue, ttl=600)
    claim = claim_or_fail(claims, queue, ttl=60)
    clock.advance(59)
    assert claims.get(queue, claim.id).age == 59
    clock.advance(1)
    with pytest.raises(errors.ClaimDoesNotExist):
        claims.get(queue, claim.id)


def test_getting_a_released_claim_raises_claim_does_not_exist(
    claims: base.ClaimController, queue: str, post: Post
) -> None:
    post(queue, count=2)
    claim = claim_or_fail(claims, queue)
    claims.delete(queue, claim.id)
    with pytest.raises(errors.ClaimDoesNotExist):
        claims.get(queue, claim.id)


def test_getting_a_claim_whose_messages_were_all_deleted_raises_claim_does_not_exist(
    claims: base.ClaimController, messages: base.MessageController, queue: str, post: Post
) -> None:
    ids = post(queue, count=2)
    claim = claim_or_fail(claims, queue)
    messages.delete(queue, ids[0], claim=claim.id)
    assert ids_of(claims.get(queue, claim.id).messages) == ids[1:]
    messages.delete(queue, ids[1], claim=claim.id)
    with pytest.raises(errors.ClaimDoesNotExist):
        claims.get(queue, claim.id)


def test_getting_a_claim_whose_messages_were_bulk_deleted_or_popped_raises(
    claims: base.ClaimController, messages: base.MessageController, queue: str, post: Post
) -> None:
    ids = post(queue, count=2)
    claim = claim_or_fail(claims, queue)
    messages.bulk_delete(queue, ids)
    with pytest.raises(errors.ClaimDoesNotExist):
        claims.get(queue, claim.id)


def test_getting_a_claim_after_its_queue_was_deleted_raises_claim_does_not_exist(
    claims: base.ClaimController, queues: base.QueueController, queue: str, post: Post
) -> None:
    post(queue)
    claim = claim_or_fail(claims, queue)
    queues.delete(queue)
    with pytest.raises(errors.ClaimDoesNotExist):
        claims.get(queue, claim.id)


# ---------------------------------------------------------------------------------------------
# update


def test_updating_a_claim_resets_its_age_and_sets_its_ttl(
    claims: base.ClaimController, queue: str, post: Post, clock: Clock
) -> None:
    post(queue, ttl=1000)
    claim = claim_or_fail(claims, queue, ttl=100)
    clock.advance(30)
    assert claims.get(queue, claim.id).age == 30

    claims.update(queue, claim.id, ttl=200, grace=0)

    found = claims.get(queue, claim.id)
    assert (found.ttl, found.age) == (200, 0)
    # Renewing is not claiming again.
    assert [m.claim_count for m in found.messages] == [1]
    clock.advance(7)
    assert claims.get(queue, claim.id).age == 7


def test_updating_a_claim_extends_it_from_now(
    claims: base.ClaimController,
    messages: base.MessageController,
    queue: str,
    post: Post,
    clock: Clock,
) -> None:
    [message_id] = post(queue, ttl=1000)
    claim = claim_or_fail(claims, queue, ttl=60)
    clock.advance(50)

    claims.update(queue, claim.id, ttl=100, grace=0)

    clock.advance(99)  # 149 s after the claim was made, 99 s after the update
    assert claims.get(queue, claim.id).age == 99
    assert messages.get(queue, message_id).claimed is True
    assert claims.create(queue, ttl=60, grace=60) is None
    clock.advance(1)
    with pytest.raises(errors.ClaimDoesNotExist):
        claims.get(queue, claim.id)
    assert messages.get(queue, message_id).claimed is False


def test_updating_a_claim_with_a_shorter_ttl_shortens_it(
    claims: base.ClaimController, queue: str, post: Post, clock: Clock
) -> None:
    post(queue, ttl=1000)
    claim = claim_or_fail(claims, queue, ttl=300)
    claims.update(queue, claim.id, ttl=60, grace=0)
    clock.advance(60)
    with pytest.raises(errors.ClaimDoesNotExist):
        claims.get(queue, claim.id)
    assert claim_or_fail(claims, queue).id != claim.id


def test_updating_a_claim_extends_messages_that_would_die_before_it(
    claims: base.ClaimController,
    messages: base.MessageController,
    queue: str,
    post: Post,
    clock: Clock,
) -> None:
    short, long = post(queue, ttl=100) + post(queue, ttl=1000)
    claim = claim_or_fail(claims, queue, ttl=60, grace=0)
    assert [m.ttl for m in claim.messages] == [100, 1000]
    clock.advance(50)

    claims.update(queue, claim.id, ttl=300, grace=30)  # the claim now ends at 350

    assert messages.get(queue, short).ttl == 330
    assert messages.get(queue, long).ttl == 1000
    assert [m.ttl for m in claims.get(queue, claim.id).messages] == [330, 1000]
    claims.delete(queue, claim.id)
    clock.advance(329)  # 379 s after posting
    assert messages.get(queue, short).id == short
    clock.advance(1)
    with pytest.raises(errors.MessageDoesNotExist):
        messages.get(queue, short)


def test_updating_a_claim_touches_only_its_own_messages(
    claims: base.ClaimController,
    messages: base.MessageController,
    queue: str,
    post: Post,
    clock: Clock,
) -> None:
    first, second = post(queue, count=2, ttl=1000)
    mine = claim_or_fail(claims, queue, ttl=60, limit=1)
    other = claim_or_fail(claims, queue, ttl=60, limit=1)
    clock.advance(30)
    claims.update(queue, mine.id, ttl=300, grace=0)
    clock.advance(30)
    assert messages.get(queue, first).claimed is True
    assert messages.get(queue, second).claimed is False
    with pytest.raises(errors.ClaimDoesNotExist):
        claims.get(queue, other.id)


def test_updating_an_expired_claim_raises_claim_does_not_exist(
    claims: base.ClaimController,
    messages: base.MessageController,
    queue: str,
    post: Post,
    clock: Clock,
) -> None:
    [message_id] = post(queue, ttl=1000)
    claim = claim_or_fail(claims, queue, ttl=60)
    clock.advance(60)
    with pytest.raises(errors.ClaimDoesNotExist) as caught:
        claims.update(queue, claim.id, ttl=300, grace=60)
    assert caught.value.claim_id == claim.id
    assert messages.get(queue, message_id).claimed is False


def test_updating_an_unknown_claim_raises_claim_does_not_exist(
    claims: base.ClaimController, queue: str, post: Post
) -> None:
    claim_id = released_claim_id(claims, queue, post)
    with pytest.raises(errors.ClaimDoesNotExist):
        claims.update(queue, claim_id, ttl=300, grace=60)
    # Updating it must not have claimed anything.
    assert claim_or_fail(claims, queue).id != claim_id


@pytest.mark.parametrize("claim_id", MALFORMED_CLAIM_IDS)
def test_updating_a_malformed_claim_id_raises_claim_does_not_exist(
    claims: base.ClaimController, queue: str, post: Post, claim_id: str
) -> None:
    post(queue)
    with pytest.raises(errors.ClaimDoesNotExist):
        claims.update(queue, claim_id, ttl=300, grace=60)


def test_updating_a_claim_whose_messages_were_all_deleted_raises_claim_does_not_exist(
    claims: base.ClaimController, messages: base.MessageController, queue: str, post: Post
) -> None:
    [message_id] = post(queue)
    claim = claim_or_fail(claims, queue)
    messages.delete(queue, message_id, claim=claim.id)
    with pytest.raises(errors.ClaimDoesNotExist):
        claims.update(queue, claim.id, ttl=300, grace=60)


def test_updating_a_claim_through_another_queue_or_project_raises_claim_does_not_exist(
    claims: base.ClaimController, queues: base.QueueController, post: Post, clock: Clock
) -> None:
    queues.create("one")
    queues.create("two")
    queues.create("one", project="alpha")
    post("one", ttl=1000)
    claim = claim_or_fail(claims, "one", ttl=60)
    with pytest.raises(errors.ClaimDoesNotExist):
        claims.update("two", claim.id, ttl=300, grace=60)
    with pytest.raises(errors.ClaimDoesNotExist):
        claims.update("one", claim.id, ttl=300, grace=60, project="alpha")
    with pytest.raises(errors.ClaimDoesNotExist):
        claims.update("nope", claim.id, ttl=300, grace=60)
    clock.advance(60)
    with pytest.raises(errors.ClaimDoesNotExist):
        claims.get("one", claim.id)


# ---------------------------------------------------------------------------------------------
# delete (release)


def test_releasing_a_claim_frees_its_messages(
    claims: base.ClaimController,
    messages: base.MessageController,
    queues: base.QueueController,
    queue: str,
    post: Post,
) -> None:
    ids = post(queue, count=3)
    claim = claim_or_fail(claims, queue, limit=2)

    claims.delete(queue, claim.id)

    listed = messages.list(queue, echo=True).items
    assert ids_of(listed) == ids
    assert [(m.claimed, m.claim_id) for m in listed] == [(False, None)] * 3
    assert queues.stats(queue).claimed == 0
    assert ids_of(claim_or_fail(claims, queue).messages) == ids


def test_releasing_a_claim_leaves_other_claims_alone(
    claims: base.ClaimController, queue: str, post: Post
) -> None:
    ids = post(queue, count=2)
    first = claim_or_fail(claims, queue, limit=1)
    second = claim_or_fail(claims, queue, limit=1)
    claims.delete(queue, first.id)
    assert ids_of(claims.get(queue, second.id).messages) == ids[1:]


def test_releasing_a_lapsed_claim_clears_it_from_its_messages(
    claims: base.ClaimController,
    messages: base.MessageController,
    queue: str,
    post: Post,
    clock: Clock,
) -> None:
    [message_id] = post(queue, ttl=1000)
    claim = claim_or_fail(claims, queue, ttl=60)
    clock.advance(60)
    claims.delete(queue, claim.id)
    assert messages.get(queue, message_id).claim_id is None
    with pytest.raises(errors.MessageNotClaimed):
        messages.delete(queue, message_id, claim=claim.id)


def test_releasing_an_unknown_claim_is_no_error(
    claims: base.ClaimController, queue: str, post: Post
) -> None:
    claim_id = released_claim_id(claims, queue, post)
    live = claim_or_fail(claims, queue)
    claims.delete(queue, claim_id)
    claims.delete(queue, claim_id)
    assert claims.get(queue, live.id).id == live.id


@pytest.mark.parametrize("claim_id", MALFORMED_CLAIM_IDS)
def test_releasing_a_malformed_claim_id_is_no_error(
    claims: base.ClaimController, queue: str, post: Post, claim_id: str
) -> None:
    post(queue)
    live = claim_or_fail(claims, queue)
    claims.delete(queue, claim_id)
    assert claims.get(queue, live.id).id == live.id


def test_releasing_a_claim_of_a_missing_queue_is_no_error(
    claims: base.ClaimController, queue: str, post: Post
) -> None:
    post(queue)
    live = claim_or_fail(claims, queue)
    claims.delete("nope", live.id)
    claims.delete("nope", live.id, project="alpha")
    assert claims.get(queue, live.id).id == live.id


def test_releasing_a_claim_through_another_queue_or_project_leaves_it_alone(
    claims: base.ClaimController, queues: base.QueueController, post: Post
) -> None:
    queues.create("one")
    queues.create("two")
    queues.create("one", project="alpha")
    post("one")
    claim = claim_or_fail(claims, "one")
    claims.delete("two", claim.id)
    claims.delete("one", claim.id, project="alpha")
    assert claims.get("one", claim.id).id == claim.id
