"""How a notification reaches a subscriber: a webhook request or a mail.

Webhook requests of a subscription with a secret are signed (``signature``). A sender turns
one try into an ``Outcome``: delivered, failed and worth another try (a
connection error, a timeout, 408, 429 or a 5xx), or refused for good (any other 4xx, a
subscriber URI that cannot be used).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import smtplib
import ssl
import time
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import aiohttp
from oslo_config import cfg

from zaqar.conf import notification as notification_opts
from zaqar.core import spaces

#: What ``post_data`` marks, quotes included, for the message to go in its place.
MESSAGE_PLACEHOLDER = '"$zaqar_message$"'

#: Answers worth another try besides 5xx: the subscriber asks for one.
_RETRYABLE_STATUS = frozenset({408, 429})


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    #: Whether another try may succeed (never for a delivered one).
    retryable: bool = False
    status: int | None = None
    error: str | None = None


def payload(
    queue: str, message_id: str, ttl: int, body: Any, space: spaces.Space = spaces.QUEUES
) -> dict[str, Any]:
    """What a subscriber is sent: the original's keys, plus the message's id and href
    (the original delivered before storing, so it had neither). A topic's messages name
    their topic in ``queue_name`` too, and their href is under ``/v2/topics``."""
    return {
        "ttl": ttl,
        "body": body,
        "Message_Type": "Notification",
        "queue_name": queue,
        "message_id": message_id,
        "href": f"{space.path('v2', queue)}/messages/{message_id}",
    }


def request_body(message: Mapping[str, Any], options: Mapping[str, Any]) -> str:
    """The webhook's body: the message as JSON, or ``post_data`` with the message in place
    of ``"$zaqar_message$"``."""
    encoded = json.dumps(message)
    template = options.get("post_data")
    if template is None:
        return encoded
    if not isinstance(template, str):
        template = json.dumps(template)
    return template.replace(MESSAGE_PLACEHOLDER, encoded)


def request_headers(options: Mapping[str, Any]) -> dict[str, str]:
    headers = {"Content-Type": "application/json"}
    extra = options.get("post_headers")
    if isinstance(extra, Mapping):
        headers.update({str(name): str(value) for name, value in extra.items()})
    return headers


#: The header that carries a webhook request's signature.
SIGNATURE_HEADER = "X-Zaqar-Signature"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-Zaqar-Signature`` value: ``t=<UNIX seconds>,v1=<hex HMAC-SHA256 of
    "<t>.<body>" under the subscription's secret>``. A receiver recomputes it with the
    secret it got when subscribing, compares in constant time, and refuses a ``t`` too far
    from its clock (a replay)."""
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


class Webhooks:
    """``http`` and ``https`` subscribers: one POST per notification."""

    def __init__(self, timeout: float) -> None:
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        # Made on first use, inside the event loop that will run it.
        if self._session is None:
            # No cap on connections: the runners bound each subscriber's requests, and a
            # shared cap would let a slow subscriber's connections hold back everyone else's.
            connector = aiohttp.TCPConnector(limit=0, limit_per_host=0, keepalive_timeout=30)
            self._session = aiohttp.ClientSession(
                connector=connector, timeout=self._timeout, auto_decompress=False
            )
        return self._session

    async def send(
        self,
        subscriber: str,
        message: Mapping[str, Any],
        options: Mapping[str, Any],
        secret: str | None = None,
    ) -> Outcome:
        body = request_body(message, options).encode("utf-8")
        headers = request_headers(options)
        if secret:
            headers[SIGNATURE_HEADER] = signature(secret, int(time.time()), body)
        try:
            async with self._client().post(
                subscriber, data=body, headers=headers, allow_redirects=False
            ) as answer:
                status = answer.status
                await answer.read()
        except TimeoutError:
            return Outcome(False, retryable=True, error="timed out")
        except (aiohttp.InvalidURL, ValueError) as error:
            return Outcome(False, error=f"unusable subscriber URI: {error}")
        except (aiohttp.ClientError, OSError) as error:
            return Outcome(False, retryable=True, error=_describe(error))
        if status < 400:
            return Outcome(True, status=status)
        retryable = status >= 500 or status in _RETRYABLE_STATUS
        return Outcome(False, retryable=retryable, status=status, error=f"HTTP {status}")

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


class Mail:
    """``mailto`` subscribers, through the configured SMTP server (``[notification]``)."""

    def __init__(self, conf: cfg.ConfigOpts) -> None:
        self._group = conf[notification_opts.GROUP]

    async def send(
        self,
        subscriber: str,
        message: Mapping[str, Any],
        options: Mapping[str, Any],
        secret: str | None = None,
    ) -> Outcome:
        mail = self.compose(subscriber, message, options)
        try:
            await asyncio.to_thread(self._deliver, mail)
        except smtplib.SMTPRecipientsRefused as error:
            return Outcome(False, error=f"recipient refused: {error.recipients}")
        except (smtplib.SMTPException, OSError) as error:
            return Outcome(False, retryable=True, error=_describe(error))
        return Outcome(True)

    def compose(
        self, subscriber: str, message: Mapping[str, Any], options: Mapping[str, Any]
    ) -> EmailMessage:
        target = urllib.parse.urlsplit(subscriber)
        query = {key.lower(): values for key, values in urllib.parse.parse_qs(target.query).items()}
        mail = EmailMessage()
        mail["To"] = urllib.parse.unquote(target.path)
        mail["From"] = str(options.get("from") or self._group.smtp_sender)
        subject = query.get("subject", [options.get("subject", "")])[0]
        mail["Subject"] = str(subject)
        mail.set_content(json.dumps(message))
        return mail

    def _deliver(self, mail: EmailMessage) -> None:
        group = self._group
        mode = "ssl" if group.smtp_mode == "self_local" else group.smtp_mode
        timeout = 30.0
        server: smtplib.SMTP
        if mode == "ssl":
            server = smtplib.SMTP_SSL(
                group.smtp_host,
                group.smtp_port,
                timeout=timeout,
                context=ssl.create_default_context(),
            )
        else:
            server = smtplib.SMTP(group.smtp_host, group.smtp_port, timeout=timeout)
        with server:
            if mode == "starttls":
                server.starttls(context=ssl.create_default_context())
            if group.smtp_user_name:
                server.login(group.smtp_user_name, group.smtp_user_password or "")
            server.send_message(mail)


def _describe(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    return text[:500]
