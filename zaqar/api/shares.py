"""Sharing a queue (API v2): pre-signed URLs that let a holder without a token use some of
the queue's resources, with some methods, until a time (``zaqar.core.signed_urls``).

The document names ``paths`` (of ``messages``, ``subscriptions``, ``claims``; default
``messages``), ``methods`` (default ``GET``) and ``expires`` (ISO 8601, UTC; default a day
from now). The grant is for the caller's project only. Stricter than the original, which
signs any list it is given: methods must be HTTP methods the API serves, and every value
must be a string (the original answers 500 to some of these).
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable
from typing import Any

from zaqar.api.bound import Bound
from zaqar.api.context import Caller, Document, Guard, Policy
from zaqar.api.errors import ValidationFailed
from zaqar.api.validation import Limits
from zaqar.core import signed_urls

#: What a grant may name of a queue: its sub-resources (the original's set).
SHAREABLE = frozenset({"messages", "subscriptions", "claims"})
#: The methods a grant may allow: those the API serves.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"})
_KNOWN_KEYS = frozenset({"paths", "methods", "expires"})


def _as_set(items: Any) -> str:
    """A set as the original's messages print one: ``{'a', 'b'}`` (sorted, to be stable)."""
    return "{" + ", ".join(repr(item) for item in sorted(items, key=str)) + "}"


class Shares(Bound):
    def __init__(
        self,
        limits: Limits,
        policy: Policy,
        guard: Guard,
        secret_key: str | None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(limits, policy, guard)
        self._key = secret_key
        self._clock = clock

    def share(
        self, queue: str, document: Document, *, caller: Caller, queue_path: str
    ) -> tuple[signed_urls.Grant, str]:
        """A grant for the queue at ``queue_path`` (how clients address it) and its
        signature."""
        self._enter("queues:share", caller, queue)
        found = document()
        if not isinstance(found, dict):
            raise ValidationFailed("The request body must be a JSON object.")
        unknown = set(found) - _KNOWN_KEYS
        if unknown:
            raise ValidationFailed(f"Unknown keys: {_as_set(unknown)}")
        names = _subset(
            found.get("paths"), "messages", SHAREABLE, "`paths` must be a list of strings.", "paths"
        )
        paths = [f"{queue_path}/{name}" for name in names]
        if self._key is None:
            raise ValidationFailed("The `key` can't be None")
        methods = _subset(
            found.get("methods"), "GET", METHODS, "`methods` should be a list", "methods"
        )
        now = datetime.datetime.fromtimestamp(self._clock(), tz=signed_urls.UTC)
        try:
            expires = signed_urls.future_expiry(found.get("expires"), now)
        except signed_urls.InvalidExpiry as error:
            raise ValidationFailed(str(error)) from None
        grant = signed_urls.Grant.of(paths, methods, caller.project, expires)
        return grant, grant.signature(self._key)


def _subset(
    given: Any, default: str, allowed: frozenset[str], not_a_list: str, kind: str
) -> list[str]:
    """``given`` (a list of strings from ``allowed``), sorted without repeats; ``[default]``
    when absent, null or empty, as the original."""
    if not given:
        return [default]
    if not isinstance(given, list) or not all(isinstance(item, str) for item in given):
        raise ValidationFailed(not_a_list)
    wrong = set(given) - allowed
    if wrong:
        raise ValidationFailed(f"Invalid {kind}: {_as_set(wrong)}")
    return sorted(set(given))
