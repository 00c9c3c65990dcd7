"""Subscription operations (API v2): who gets told of a queue's messages.

A subscription is unique per project, queue and subscriber URI. Creating one that exists
answers with the existing id while it is unconfirmed (the original re-sends the
confirmation then) and is a conflict once confirmed. Creating one on a missing queue creates
the queue, as posting does.
"""

from __future__ import annotations

import builtins
import datetime
import secrets
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any, Protocol

from zaqar.api import validation
from zaqar.api.bound import Bound
from zaqar.api.context import Caller, Document, Guard, Policy
from zaqar.api.errors import Conflict, ValidationFailed
from zaqar.api.validation import Limits
from zaqar.core import spaces
from zaqar.storage import base

#: Shortest subscription TTL, in seconds (the original's).
MIN_SUBSCRIPTION_TTL = 60
#: Subscriptions on a page when the request does not say (the original's).
DEFAULT_LIMIT = 10
#: Delivery attempts and dead letters on a page when the request does not say.
DEFAULT_LOG_LIMIT = 20
#: Dead letters one replay request may name, a listed page of them (naming none replays all).
MAX_REPLAYED_IDS = validation.MAX_DELIVERIES_PER_PAGE
#: The scheme prefix of subscribers delivered to with a keystone trust's token.
TRUST_PREFIX = "trust+"
#: What ``PATCH`` may change; other keys are ignored, as the original does.
CHANGEABLE = ("subscriber", "ttl", "options")

DUPLICATE = (
    "Such subscription already exists.Subscriptions are unique by project + queue + subscriber URI."
)


class ConfirmationRequests(Protocol):
    """Asks subscribers to confirm (``[notification] require_confirmation``); the
    notification package provides it. Neither call waits for the subscriber. ``project`` is
    the one storage keeps the subscription under (``zaqar.core.spaces``)."""

    def subscribe(
        self, version: str, subscription: base.Subscription, project: str | None
    ) -> None: ...

    def unsubscribe(
        self, version: str, subscription: base.Subscription, project: str | None
    ) -> None: ...


class TrustIssuer(Protocol):
    """Makes keystone trusts for ``trust+`` subscribers (``zaqar.notification.trusts``)."""

    def issue(self, caller: Caller, ttl: int) -> str:
        """A trust from the caller to the service's trustee for ``ttl`` seconds; its id."""
        ...


@dataclass(frozen=True)
class Created:
    id: str
    #: The signing key of a new subscription; None when the subscription existed.
    secret: str | None


class Subscriptions(Bound):
    def __init__(
        self,
        storage: base.DataDriver,
        limits: Limits,
        policy: Policy,
        guard: Guard,
        confirmations: ConfirmationRequests | None = None,
        space: spaces.Space = spaces.QUEUES,
        trusts: TrustIssuer | None = None,
    ) -> None:
        super().__init__(limits, policy, guard, space)
        self._queues = storage.queue_controller
        self._subscriptions = storage.subscription_controller
        self._deliveries = storage.delivery_controller
        #: None unless subscriptions must be confirmed before anything is delivered.
        self._confirmations = confirmations
        #: None unless the service has a ``[trustee]`` for ``trust+`` subscribers.
        self._trusts = trusts

    def create(self, queue: str, document: Document, *, caller: Caller) -> Created:
        """Subscribe ``{"subscriber": uri, "ttl": seconds, "options": {...}}``: the new
        subscription with its signing key, or the existing one (without) while it is
        unconfirmed."""
        project = self._enter("subscription:create", caller, queue)
        found = _object(document())
        if "subscriber" not in found:
            raise ValidationFailed("Missing parameter subscriber in body.")
        self._check(found, creating=True)
        subscriber = found["subscriber"]
        ttl = found.get("ttl") or self._limits.default_subscription_ttl
        options = found.get("options") or {}
        # Lazy queues: the queue is made first (a no-op when it exists), which also places
        # it on a pool.
        self._queues.create(queue, project)
        if subscriber.startswith(TRUST_PREFIX):
            if self._trusts is None:
                raise ValidationFailed(
                    "trust+ subscribers need keystone trusts, which this server is not set "
                    "up to use ([trustee])."
                )
            # A trust for a new subscription only (a duplicate answers as below), unless
            # the caller brings one, as the original allows.
            unknown = self._subscriptions.get_with_subscriber(queue, subscriber, project) is None
            if unknown and "trust_id" not in options:
                options = {**options, "trust_id": self._trusts.issue(caller, ttl)}
        for _ in range(2):
            # The key the notifiers sign its webhook requests with: shown only now.
            secret = secrets.token_hex(32)
            made = self._subscriptions.create(
                queue, subscriber, ttl, options, project, secret=secret
            )
            if made is not None:
                new = base.Subscription(
                    id=made,
                    queue=queue,
                    subscriber=subscriber,
                    ttl=ttl,
                    age=0,
                    options=options,
                    confirmed=False,
                    secret=secret,
                )
                self._ask_to_confirm(new, project)
                return Created(made, secret)
            existing = self._subscriptions.get_with_subscriber(queue, subscriber, project)
            if existing is not None:
                if existing.confirmed:
                    raise Conflict(DUPLICATE)
                # Asked again, as the original does (the first request may have been lost).
                self._ask_to_confirm(existing, project)
                return Created(existing.id, None)
            # Expired (or deleted) between the two calls: the triple is free again.
        raise Conflict(DUPLICATE)

    def list(
        self, queue: str, marker: str | None, limit: int | None, *, caller: Caller
    ) -> base.Page[base.Subscription]:
        project = self._enter("subscription:get_all", caller, queue)
        limit = DEFAULT_LIMIT if limit is None else limit
        validation.subscription_listing_limit(limit, self._limits)
        return self._subscriptions.list(queue, project, marker, limit)

    def get(self, queue: str, subscription_id: str, *, caller: Caller) -> base.Subscription:
        project = self._enter("subscription:get", caller, queue)
        return self._subscriptions.get(queue, subscription_id, project)

    def update(
        self, queue: str, subscription_id: str, document: Document, *, caller: Caller
    ) -> None:
        """Change what of ``subscriber``, ``ttl`` and ``options`` the document gives (a null
        changes nothing, as python-zaqarclient's update sends for what it leaves alone)."""
        project = self._enter("subscription:update", caller, queue)
        found = _object(document())
        self._check(found)
        changes = {key: found[key] for key in CHANGEABLE if found.get(key) is not None}
        self._subscriptions.update(queue, subscription_id, project, **changes)

    def confirm(
        self, queue: str, subscription_id: str, document: Document, *, caller: Caller
    ) -> None:
        """``{"confirmed": true|false}``."""
        project = self._enter("subscription:confirm", caller, queue)
        found = document()
        confirmed = found.get("confirmed") if isinstance(found, dict) else None
        if not isinstance(confirmed, bool):
            raise ValidationFailed("The 'confirmed' should be boolean.")
        self._subscriptions.confirm(queue, subscription_id, project, confirmed)
        if not confirmed and self._confirmations is not None:
            found = self._subscriptions.get(queue, subscription_id, project)
            self._confirmations.unsubscribe(self._policy.version, found, project)

    def _ask_to_confirm(self, subscription: base.Subscription, project: str | None) -> None:
        if self._confirmations is not None:
            self._confirmations.subscribe(self._policy.version, subscription, project)

    def delete(self, queue: str, subscription_id: str, *, caller: Caller) -> None:
        project = self._enter("subscription:delete", caller, queue)
        self._subscriptions.delete(queue, subscription_id, project)

    def deliveries(
        self, queue: str, subscription_id: str, limit: int | None, *, caller: Caller
    ) -> builtins.list[base.Attempt]:
        """The subscription's newest delivery attempts, newest first (the delivery log)."""
        project = self._enter("subscription:deliveries", caller, queue)
        limit = DEFAULT_LOG_LIMIT if limit is None else limit
        validation.delivery_listing_limit(limit)
        self._subscriptions.get(queue, subscription_id, project)  # 404 when missing
        return self._deliveries.attempts(queue, project, subscription_id, limit)

    def dead_letters(
        self,
        queue: str,
        subscription_id: str,
        marker: str | None,
        limit: int | None,
        *,
        caller: Caller,
    ) -> base.Page[base.DeadLetter]:
        """The notifications given up for the subscription, oldest message first."""
        project = self._enter("subscription:dead_letters", caller, queue)
        limit = DEFAULT_LOG_LIMIT if limit is None else limit
        validation.delivery_listing_limit(limit)
        self._subscriptions.get(queue, subscription_id, project)  # 404 when missing
        after: int | None = None
        if marker is not None:
            try:
                after = int(marker)
            except ValueError:
                return base.Page([], None)  # a marker we never gave: nothing after it
        return self._deliveries.dead_letters(queue, project, subscription_id, after, limit)

    def replay(
        self, queue: str, subscription_id: str, document: Document | None, *, caller: Caller
    ) -> int:
        """Ask for the subscription's dead letters to be delivered again: those of
        ``{"message_ids": [...]}``, or all of them (no body, or no ``message_ids``); how
        many dead letters that names. The subscription's notifier delivers them."""
        project = self._enter("subscription:replay", caller, queue)
        message_ids = None
        if document is not None:
            message_ids = _object(document()).get("message_ids")
        if message_ids is not None:
            if (
                not isinstance(message_ids, builtins.list)
                or not 0 < len(message_ids) <= MAX_REPLAYED_IDS
                or not all(isinstance(one, str) for one in message_ids)
            ):
                raise ValidationFailed(
                    f"message_ids must be a list of 1 to {MAX_REPLAYED_IDS} message ids."
                )
        self._subscriptions.get(queue, subscription_id, project)  # 404 when missing
        return self._deliveries.replay(queue, project, subscription_id, message_ids)

    def _check(self, found: dict[str, Any], *, creating: bool = False) -> None:
        """The fields a subscription document gives are valid (the original's messages). A
        null subscriber leaves a PATCH's alone; a new subscription needs one."""
        if not found:
            raise ValidationFailed("No subscription to create.")
        if creating or found.get("subscriber") is not None:
            self._check_subscriber(found.get("subscriber"))
        options = found.get("options")
        if options is not None and not isinstance(options, dict):
            raise ValidationFailed("Options must be a dict.")
        if options:
            validation.retry_policy(options.get("_retry_policy"))
        ttl = found.get("ttl")
        if ttl is not None:
            _check_ttl(ttl)

    def _check_subscriber(self, subscriber: Any) -> None:
        types = self._limits.subscriber_types
        wrong = ValidationFailed(
            f"The subscriber type of subscription must be supported in the list {list(types)}."
        )
        if not isinstance(subscriber, str):
            raise wrong
        parts = urllib.parse.urlsplit(subscriber)
        if parts.scheme not in types:
            raise wrong
        # A URI that names no one (``http://``, ``mailto:``) could never be delivered to.
        if (parts.netloc if parts.scheme != "mailto" else parts.path) == "":
            raise ValidationFailed(f"The subscriber {subscriber!r} names no receiver.")


def _check_ttl(ttl: Any) -> None:
    if not isinstance(ttl, int) or isinstance(ttl, bool):
        raise ValidationFailed("TTL must be an integer.")
    if ttl < MIN_SUBSCRIPTION_TTL:
        raise ValidationFailed(
            f"The TTL for a subscription must be at least {MIN_SUBSCRIPTION_TTL} seconds long."
        )
    # Heat asks for 220367260800 seconds (about 7000 years); beyond the year 9999 the
    # original refuses, and so does this server.
    now = datetime.datetime.fromtimestamp(time.time(), tz=datetime.UTC).replace(tzinfo=None)
    if ttl > (datetime.datetime.max - now).total_seconds():
        raise ValidationFailed(
            "The TTL seconds for a subscription plus current time must be less than "
            f"{datetime.datetime.max}."
        )


def _object(found: Any) -> dict[str, Any]:
    if not isinstance(found, dict):
        raise ValidationFailed("Subscriptions must be a dict.")
    return found
