"""The message lifecycle, as pure functions.

Theory of operation
-------------------
A message lives in a queue from the moment it is posted until it expires or is deleted::

    posted ──> free ──claim──> claimed ──claim expires──> free (keeps the stale claim id)
                 │                │    └──release────────> free (claim id cleared)
                 └──delete──┐     └──delete with its claim id──┐
                            v                                  v
                         deleted                            deleted

* A message is *claimed* while it carries a claim id whose claim expiry lies in the future.
  Nothing has to happen when a claim expires: the message is simply free again.
* A message *expires* at ``expires``; expired messages are invisible to every read and are
  purged later. Claiming may push ``expires`` out so that a message outlives its claim by the
  claim's grace period (``extend_for_claim``).
* Claims have no record of their own. A claim exists while at least one undeleted message
  carries its id with a future claim expiry; its age counts from its creation or last update.

All times are UNIX seconds as floats; drivers store them as they please and call these
functions with the values they read, so every backend applies the same rules.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


def is_claimed(claim_id: str | None, claim_expires: float | None, now: float) -> bool:
    """True while the message is held by a live claim."""
    return claim_id is not None and claim_expires is not None and claim_expires > now


def age(created: float, now: float) -> int:
    """Whole seconds since ``created``, never negative."""
    return max(0, int(now - created))


@dataclass(frozen=True)
class Extension:
    """A message's new expiry and reported TTL after a claim touched it."""

    expires: float
    ttl: int


def extend_for_claim(
    message_expires: float, claim_expires: float, claim_ttl: int, grace: int
) -> Extension | None:
    """Lifetime extension a claim gives to one message, or None when it needs none.

    A message that would die before its claim does is kept alive ``grace`` seconds past the
    claim's expiry, and its reported TTL becomes ``claim_ttl + grace``. A message that already
    outlives the claim is left alone, even if it dies before ``claim_expires + grace``.
    """
    if message_expires >= claim_expires:
        return None
    return Extension(expires=claim_expires + grace, ttl=claim_ttl + grace)


class DeleteVerdict(enum.Enum):
    """What deleting one message, optionally with a claim id, must do."""

    DELETE = "delete"
    #: The message is held by a live claim and no (or another) claim id was given.
    CLAIMED = "claimed"
    #: A claim id was given, but no live claim holds the message.
    NOT_CLAIMED = "not claimed"


def delete_verdict(
    message_claim_id: str | None,
    message_claim_expires: float | None,
    given_claim_id: str | None,
    now: float,
) -> DeleteVerdict:
    """Decide a single-message delete (the v1 decision table, minus malformed ids).

    * no claim id given: allowed unless a live claim holds the message;
    * the claim id the message carries: allowed, even when that claim has lapsed, as long as
      nobody re-claimed the message in between;
    * any other claim id: refused, as "claimed" when a live claim holds the message and as
      "not claimed" otherwise.
    """
    claimed = is_claimed(message_claim_id, message_claim_expires, now)
    if given_claim_id is None:
        return DeleteVerdict.CLAIMED if claimed else DeleteVerdict.DELETE
    if given_claim_id == message_claim_id:
        return DeleteVerdict.DELETE
    return DeleteVerdict.CLAIMED if claimed else DeleteVerdict.NOT_CLAIMED
