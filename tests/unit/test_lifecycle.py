"""The pure message-lifecycle rules of ``zaqar.core.lifecycle``."""

from __future__ import annotations

import dataclasses

import pytest

from zaqar.core import lifecycle
from zaqar.core.lifecycle import DeleteVerdict, Extension

NOW = 1_700_000_000.0
CLAIM = "a" * 32
OTHER = "b" * 32

# ---------------------------------------------------------------------------------------------
# is_claimed


def test_a_message_with_a_claim_expiring_later_is_claimed() -> None:
    assert lifecycle.is_claimed(CLAIM, NOW + 0.001, NOW) is True
    assert lifecycle.is_claimed(CLAIM, NOW + 300, NOW) is True


def test_a_claim_expiring_exactly_now_no_longer_holds_the_message() -> None:
    assert lifecycle.is_claimed(CLAIM, NOW, NOW) is False


def test_a_message_whose_claim_expired_is_not_claimed() -> None:
    assert lifecycle.is_claimed(CLAIM, NOW - 1, NOW) is False


def test_a_message_without_a_claim_id_is_not_claimed() -> None:
    assert lifecycle.is_claimed(None, NOW + 300, NOW) is False
    assert lifecycle.is_claimed(None, None, NOW) is False


def test_a_claim_id_without_an_expiry_does_not_hold_the_message() -> None:
    assert lifecycle.is_claimed(CLAIM, None, NOW) is False


# ---------------------------------------------------------------------------------------------
# age


@pytest.mark.parametrize(
    ("created", "expected"),
    [
        (NOW, 0),
        (NOW - 0.999, 0),
        (NOW - 1, 1),
        (NOW - 59.9, 59),
        (NOW - 3600, 3600),
    ],
)
def test_age_is_whole_seconds_since_creation_rounded_down(created: float, expected: int) -> None:
    assert lifecycle.age(created, NOW) == expected


def test_age_is_an_int() -> None:
    assert type(lifecycle.age(NOW - 12.7, NOW)) is int


def test_age_is_never_negative_when_created_lies_in_the_future() -> None:
    assert lifecycle.age(NOW + 5, NOW) == 0
    assert lifecycle.age(NOW + 0.5, NOW) == 0


# ---------------------------------------------------------------------------------------------
# extend_for_claim


def test_a_message_dying_before_its_claim_is_kept_alive_grace_seconds_past_it() -> None:
    # Posted with ttl 100 at NOW, claimed at NOW with ttl 300 and grace 60 (SPEC §4.5).
    extension = lifecycle.extend_for_claim(NOW + 100, NOW + 300, 300, 60)
    assert extension == Extension(expires=NOW + 360, ttl=360)


def test_the_extended_ttl_is_claim_ttl_plus_grace_whatever_the_message_ttl() -> None:
    extension = lifecycle.extend_for_claim(NOW + 1, NOW + 120, 120, 45)
    assert extension is not None
    assert extension.ttl == 165
    assert extension.expires == NOW + 165


def test_a_message_outliving_its_claim_is_left_alone() -> None:
    assert lifecycle.extend_for_claim(NOW + 1000, NOW + 300, 300, 60) is None


def test_a_message_outliving_its_claim_but_not_its_grace_is_left_alone() -> None:
    assert lifecycle.extend_for_claim(NOW + 330, NOW + 300, 300, 60) is None


def test_a_message_dying_exactly_with_its_claim_is_left_alone() -> None:
    assert lifecycle.extend_for_claim(NOW + 300, NOW + 300, 300, 60) is None


def test_a_message_dying_just_before_its_claim_is_extended() -> None:
    extension = lifecycle.extend_for_claim(NOW + 299.5, NOW + 300, 300, 60)
    assert extension == Extension(expires=NOW + 360, ttl=360)


def test_a_zero_grace_extends_the_message_to_the_claims_expiry() -> None:
    assert lifecycle.extend_for_claim(NOW + 10, NOW + 300, 300, 0) == Extension(NOW + 300, 300)


def test_an_extension_is_immutable() -> None:
    extension = Extension(expires=NOW, ttl=60)
    with pytest.raises(dataclasses.FrozenInstanceError):
        extension.ttl = 120  # type: ignore[misc]


# ---------------------------------------------------------------------------------------------
# delete_verdict: every row of the v1 decision table that storage decides (SPEC §2.9).
# Malformed ids and missing messages are decided before these rules apply.

LIVE = NOW + 100
LAPSED = NOW - 1


def test_no_claim_id_on_a_never_claimed_message_deletes() -> None:
    assert lifecycle.delete_verdict(None, None, None, NOW) is DeleteVerdict.DELETE


def test_no_claim_id_on_a_message_under_a_live_claim_is_refused_as_claimed() -> None:
    assert lifecycle.delete_verdict(CLAIM, LIVE, None, NOW) is DeleteVerdict.CLAIMED


def test_no_claim_id_on_a_message_whose_claim_lapsed_deletes() -> None:
    assert lifecycle.delete_verdict(CLAIM, LAPSED, None, NOW) is DeleteVerdict.DELETE


def test_no_claim_id_on_a_message_whose_claim_expires_exactly_now_deletes() -> None:
    assert lifecycle.delete_verdict(CLAIM, NOW, None, NOW) is DeleteVerdict.DELETE


def test_the_live_claims_own_id_deletes() -> None:
    assert lifecycle.delete_verdict(CLAIM, LIVE, CLAIM, NOW) is DeleteVerdict.DELETE


def test_the_id_of_a_lapsed_claim_still_on_the_message_deletes() -> None:
    assert lifecycle.delete_verdict(CLAIM, LAPSED, CLAIM, NOW) is DeleteVerdict.DELETE


def test_another_claim_id_while_a_live_claim_holds_the_message_is_refused_as_claimed() -> None:
    assert lifecycle.delete_verdict(CLAIM, LIVE, OTHER, NOW) is DeleteVerdict.CLAIMED


def test_another_claim_id_after_the_messages_claim_lapsed_is_refused_as_not_claimed() -> None:
    assert lifecycle.delete_verdict(CLAIM, LAPSED, OTHER, NOW) is DeleteVerdict.NOT_CLAIMED


def test_a_claim_id_on_a_released_message_is_refused_as_not_claimed() -> None:
    # Releasing clears the claim id (and the expiry).
    assert lifecycle.delete_verdict(None, None, CLAIM, NOW) is DeleteVerdict.NOT_CLAIMED


def test_a_claim_id_on_a_message_released_with_an_expiry_left_is_refused_as_not_claimed() -> None:
    # SPEC §4.5: a release may leave {id: null, expires: now} behind.
    assert lifecycle.delete_verdict(None, NOW, CLAIM, NOW) is DeleteVerdict.NOT_CLAIMED
    assert lifecycle.delete_verdict(None, LIVE, CLAIM, NOW) is DeleteVerdict.NOT_CLAIMED


def test_no_claim_id_on_a_message_with_an_expiry_but_no_claim_id_deletes() -> None:
    assert lifecycle.delete_verdict(None, LIVE, None, NOW) is DeleteVerdict.DELETE


def test_the_delete_verdict_depends_on_the_time_it_is_asked() -> None:
    expires = NOW + 60
    assert lifecycle.delete_verdict(CLAIM, expires, None, NOW + 59) is DeleteVerdict.CLAIMED
    assert lifecycle.delete_verdict(CLAIM, expires, None, NOW + 60) is DeleteVerdict.DELETE
    assert lifecycle.delete_verdict(CLAIM, expires, OTHER, NOW + 59) is DeleteVerdict.CLAIMED
    assert lifecycle.delete_verdict(CLAIM, expires, OTHER, NOW + 60) is DeleteVerdict.NOT_CLAIMED


def test_the_delete_verdicts_are_the_three_documented_outcomes() -> None:
    assert {verdict.name for verdict in DeleteVerdict} == {"DELETE", "CLAIMED", "NOT_CLAIMED"}
