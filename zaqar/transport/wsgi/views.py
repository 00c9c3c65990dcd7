"""How an API version shows what the operations return: one ``Views`` per version.

The resources of ``resources.py`` are the same for every version; they hand what an
operation returned to their version's views and write the document that comes back. A view
that returns ``None`` means "no content": the resource answers 204.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable
from typing import Any, Protocol

from zaqar.storage import base

Document = Any


class Views(Protocol):
    #: Where the version's routes start: ``/v1``.
    prefix: str

    def queue_page(
        self,
        page: base.Page[base.Queue],
        detailed: bool,
        next_href: str | None,
        count: int | None = None,
    ) -> Document | None: ...

    def stats(self, queue: str, stats: base.QueueStats) -> Document: ...

    def posted(self, queue: str, ids: list[str]) -> Document: ...

    def message_page(
        self, queue: str, page: base.Page[base.Message], next_href: str | None
    ) -> Document | None: ...

    def by_ids(
        self, queue: str, found: list[base.Message], ids: list[str], project: str | None
    ) -> Document | None: ...

    def message(self, queue: str, message: base.Message) -> Document: ...

    def claimed(self, queue: str, claim: base.Claim) -> Document: ...

    def claim(self, queue: str, claim: base.Claim, href: str) -> Document: ...


class PopViews(Views, Protocol):
    """The views of a version whose messages can be popped (v1.1, v2)."""

    def popped(self, messages: list[base.Message]) -> Document: ...


def home_resource(
    href: str, allow: list[str], href_vars: dict[str, str] | None = None, **extra: Any
) -> dict[str, Any]:
    """One resource of a JSON-home document (draft-nottingham-json-home-03), as the
    original's home documents write them."""
    resource: dict[str, Any] = {"href-template": href}
    if href_vars:
        resource["href-vars"] = href_vars
    hints: dict[str, Any] = {"allow": allow, "formats": {"application/json": {}}}
    hints.update(extra)
    resource["hints"] = hints
    return resource


def stats_document(stats: base.QueueStats, href: Callable[[str], str]) -> dict[str, Any]:
    """A queue's statistics, as every version shows them; ``href`` of a message id."""
    counts: dict[str, Any] = {"claimed": stats.claimed, "free": stats.free, "total": stats.total}
    if stats.oldest is not None and stats.newest is not None:
        for name, stamp in (("oldest", stats.oldest), ("newest", stats.newest)):
            counts[name] = {
                "age": stamp.age,
                "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(stamp.created)),
                "href": href(stamp.id),
            }
    return {"messages": counts}


def subscription_view(subscription: base.Subscription) -> dict[str, Any]:
    """A subscription as v2 shows it (``source`` is its queue)."""
    return {
        "id": subscription.id,
        "source": subscription.queue,
        "subscriber": subscription.subscriber,
        "ttl": subscription.ttl,
        "age": subscription.age,
        "options": subscription.options,
        "confirmed": subscription.confirmed,
    }


def timestamp(seconds: float) -> str:
    """A UNIX time as ISO 8601 in UTC, to the millisecond."""
    moment = datetime.datetime.fromtimestamp(seconds, datetime.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def delivery_view(attempt: base.Attempt, queue_href: str) -> dict[str, Any]:
    """One try of the delivery log."""
    return {
        "message_id": attempt.message_id,
        "href": f"{queue_href}/messages/{attempt.message_id}",
        "attempt": attempt.attempt,
        "at": timestamp(attempt.at),
        "outcome": attempt.outcome,
        "status": attempt.status,
        "error": attempt.error,
        "latency_ms": round(attempt.latency * 1000, 3),
        "next_try": None if attempt.next_try is None else timestamp(attempt.next_try),
    }


def dead_letter_view(letter: base.DeadLetter) -> dict[str, Any]:
    return {
        "message_id": letter.message_id,
        "body": letter.body,
        "ttl": letter.ttl,
        "posted": timestamp(letter.posted),
        "attempts": letter.attempts,
        "reason": letter.reason,
        "failed": timestamp(letter.failed),
        # Asked to be delivered again, and not yet.
        "replay": letter.replay,
    }
