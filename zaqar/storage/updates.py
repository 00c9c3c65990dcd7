"""Changing a queue's metadata without losing a concurrent change (compare and set).

Every driver stores a queue's metadata as one JSON text. ``update_by_swap`` reads it, applies
the caller's ``change`` to the decoded document, and writes the result only if the stored
text is still the one it read; otherwise it reads again. Of two updates at once each either
sees the other's result or goes first, and no driver needs a lock held across a round trip.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

from zaqar.core import documents
from zaqar.storage import errors

#: Tries before giving up on a queue whose metadata keeps changing under us.
ATTEMPTS = 20
#: Longest pause, in seconds, between two tries; the pauses are random so that writers who
#: collided once do not collide again.
MAX_PAUSE = 0.05

Metadata = dict[str, Any]
#: The change to make: the new metadata from the current one. It may raise to refuse (then
#: nothing is written), and may be called more than once.
Change = Callable[[Metadata], Metadata]


def update_by_swap(
    name: str, read: Callable[[], str], swap: Callable[[str, str], bool], change: Change
) -> Metadata:
    """The new metadata, written by ``swap(old text, new text)`` (True when the stored text
    was still ``old text``); ``read`` gives the stored text (both raise QueueDoesNotExist)."""
    for attempt in range(ATTEMPTS):
        current = read()
        updated = change(documents.loads(current))
        if swap(current, documents.dumps(updated)):
            return updated
        time.sleep(random.uniform(0.0, min(MAX_PAUSE, 0.001 * 2**attempt)))  # noqa: S311
    raise errors.ServiceUnavailable(f"the metadata of queue {name} kept changing")
