"""Confirmation requests: asking a webhook subscriber to confirm (or telling it it was
unsubscribed), with a pre-signed URL for ``PUT .../subscriptions/{id}/confirm``.

With ``[notification] require_confirmation`` nothing is delivered to a subscription until it
is confirmed. The API asks for the request when a subscription is made, when a duplicate of
an unconfirmed one is posted, and when one is unconfirmed (``{"confirmed": false}``); this
sender posts it from the API process, in a thread of its own, so that no request waits for
a subscriber. The body has the original's keys (CLIENTS.md §4.4)::

    {"Message_Type": "SubscriptionConfirmation",
     "Message": "You have chosen to subscribe to the queue: <q>",
     "URL-Signature": ..., "URL-Methods": "PUT",
     "URL-Paths": "/v2/queues/<q>/subscriptions/<id>/confirm",
     "X-Project-ID": ..., "URL-Expires": ...,
     "SubscribeBody": {"confirmed": true}, "UnsubscribeBody": {"confirmed": false},
     "queue_name": "<q>"}

and goes out as the subscription's webhooks do (``post_data``, ``post_headers``,
``X-Zaqar-Signature``). A failed try is tried again on the subscription's retry policy. The
requests are not stored: one lost with its process (or beyond ``MAX_PENDING``) is asked for
again by posting the same subscription, which answers the same id while it is unconfirmed.
Only ``http`` and ``https`` subscribers get one (the original's ``mailto`` confirmation
links to an external page this server does not have): others are confirmed through the API.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from oslo_config import cfg

from zaqar.conf import notification as notification_opts
from zaqar.conf import signed_url, transport
from zaqar.core import retry, signed_urls, spaces
from zaqar.notification import senders
from zaqar.storage import base

LOG = logging.getLogger(__name__)

#: Requests waiting or under way at once; more are dropped (and can be asked for again).
MAX_PENDING = 1000
#: Requests under way at once.
MAX_IN_FLIGHT = 16

SUBSCRIBE = "SubscriptionConfirmation"
UNSUBSCRIBE = "UnsubscribeConfirmation"


@dataclass(frozen=True)
class Request:
    subscriber: str
    message: dict[str, Any]
    options: dict[str, Any]
    secret: str | None


def confirmation_message(
    kind: str,
    key: str,
    version: str,
    subscription: base.Subscription,
    project: str | None,
    expires: datetime.datetime,
) -> dict[str, Any]:
    """The body of a confirmation request (the original's keys and words); ``project`` is
    the subscription's as storage keeps it, which says whether it is a topic's."""
    queue = subscription.queue
    space, project = spaces.of_stored(project)
    path = f"{space.path(version, queue)}/subscriptions/{subscription.id}/confirm"
    grant = signed_urls.Grant.of([path], ["PUT"], project, expires)
    if kind == SUBSCRIBE:
        text = f"You have chosen to subscribe to the {space.noun}: {queue}"
    else:
        text = (
            f"You have unsubscribed successfully to the {space.noun}: {queue}, "
            "you can resubscribe it by using confirmed=True."
        )
    return {
        "Message_Type": kind,
        "Message": text,
        "URL-Signature": grant.signature(key),
        "URL-Methods": "PUT",
        "URL-Paths": path,
        "X-Project-ID": project,
        "URL-Expires": grant.expires_text,
        "SubscribeBody": {"confirmed": True},
        "UnsubscribeBody": {"confirmed": False},
        "queue_name": queue,
    }


class ConfirmationSender:
    """The API's ``ConfirmationRequests`` (``zaqar.api.subscriptions``), over webhooks."""

    def __init__(self, conf: cfg.ConfigOpts, clock: Callable[[], float] = time.time) -> None:
        self._key: str | None = conf[signed_url.GROUP].secret_key
        self._timeout = conf[notification_opts.GROUP].request_timeout
        self._unsubscribed_ttl = conf[transport.GROUP].default_subscription_ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._pending = 0
        #: Requests sent (delivered) and given up, since the process started.
        self.sent = 0
        self.given_up = 0
        if self._key is None:
            # As the original: without the key no confirmation URL can be signed.
            LOG.error(
                "require_confirmation is on but [signed_url] secret_key is not set: no "
                "confirmation request will be sent; confirm subscriptions through the API"
            )

    # -- what the API calls ---------------------------------------------------------------

    def subscribe(self, version: str, subscription: base.Subscription, project: str | None) -> None:
        expires = self._now() + datetime.timedelta(seconds=subscription.ttl)
        self._request(SUBSCRIBE, version, subscription, project, expires)

    def unsubscribe(
        self, version: str, subscription: base.Subscription, project: str | None
    ) -> None:
        expires = self._now() + datetime.timedelta(seconds=self._unsubscribed_ttl)
        self._request(UNSUBSCRIBE, version, subscription, project, expires)

    def close(self) -> None:
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is not None and thread is not None:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=5)

    # -- underneath -----------------------------------------------------------------------

    def _now(self) -> datetime.datetime:
        return datetime.datetime.fromtimestamp(self._clock(), tz=signed_urls.UTC)

    def _request(
        self,
        kind: str,
        version: str,
        subscription: base.Subscription,
        project: str | None,
        expires: datetime.datetime,
    ) -> None:
        if self._key is None:
            return
        if subscription.subscriber.partition(":")[0].lower() not in ("http", "https"):
            return
        message = confirmation_message(kind, self._key, version, subscription, project, expires)
        request = Request(
            subscription.subscriber, message, dict(subscription.options), subscription.secret
        )
        with self._lock:
            if self._pending >= MAX_PENDING:
                LOG.warning(
                    "too many confirmation requests waiting: none sent to subscription %s",
                    subscription.id,
                )
                return
            self._pending += 1
            loop = self._running_loop()
        loop.call_soon_threadsafe(self._start, request)

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        """The sender's event loop, started on first use (after any fork of the server)."""
        if self._loop is None:
            loop = asyncio.new_event_loop()
            thread = threading.Thread(
                target=loop.run_forever, name="zaqar-confirmations", daemon=True
            )
            thread.start()
            self._loop, self._thread = loop, thread
            self._webhooks = senders.Webhooks(self._timeout)
            self._slots = asyncio.Semaphore(MAX_IN_FLIGHT)
        return self._loop

    def _start(self, request: Request) -> None:
        asyncio.ensure_future(self._send(request))

    async def _send(self, request: Request) -> None:
        try:
            policy = retry.chosen(request.options.get("_retry_policy"), None)
            pauses = retry.pauses(policy)
            for attempt in range(len(pauses) + 1):
                if attempt:
                    await asyncio.sleep(pauses[attempt - 1])
                async with self._slots:
                    outcome = await self._webhooks.send(
                        request.subscriber, request.message, request.options, request.secret
                    )
                if outcome.delivered:
                    self.sent += 1
                    return
                if not outcome.retryable:
                    break
            self.given_up += 1
            LOG.warning(
                "a %s request to %s was given up: %s",
                request.message["Message_Type"],
                request.subscriber,
                outcome.error,
            )
        except Exception:
            self.given_up += 1
            LOG.exception("a confirmation request to %s failed", request.subscriber)
        finally:
            with self._lock:
                self._pending -= 1
