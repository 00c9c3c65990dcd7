"""Pre-signed URLs: a grant to use some paths of a queue with some methods until a time,
without a token, signed with the service's ``[signed_url] secret_key``.

The signature is the original's (SPEC §5.2), so that a URL signed by either service
validates on the other: the hex HMAC-SHA256, keyed with the secret, of::

    <sorted paths joined by ","> \\n <sorted methods joined by ","> \\n <project> \\n <expires>

where each ``\\n`` is the two characters backslash and ``n`` (the original formats a raw
string), a missing project is written ``None`` and ``expires`` is UTC as
``YYYY-MM-DDTHH:MM:SS``.

What a grant opens is stricter than the original's: a signed path opens that path and the
resources below it (``.../messages`` opens ``.../messages/<id>``), where the original
searches the request path for the signed one as a regular expression. Every path the
original signs (``/v2/queues/<q>/messages|subscriptions|claims``) opens the same requests
under both rules.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass

#: How ``expires`` is written, in UTC.
DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"
#: How long a grant lasts when its creator does not say (the original's).
DEFAULT_LIFETIME = datetime.timedelta(days=1)
UTC = datetime.UTC


class InvalidExpiry(ValueError):
    """An ``expires`` that is no date, or not a future one."""


@dataclass(frozen=True)
class Grant:
    """What a signature vouches for. ``paths`` and ``methods`` are sorted."""

    paths: tuple[str, ...]
    methods: tuple[str, ...]
    #: None: the global project (written ``None``, as the original does).
    project: str | None
    #: UTC, whole seconds.
    expires: datetime.datetime

    @classmethod
    def of(
        cls,
        paths: Iterable[str],
        methods: Iterable[str],
        project: str | None,
        expires: datetime.datetime,
    ) -> Grant:
        return cls(tuple(sorted(paths)), tuple(sorted(methods)), project, _whole_seconds(expires))

    @property
    def expires_text(self) -> str:
        return self.expires.strftime(DATE_FORMAT)

    def message(self) -> bytes:
        """The text the signature is over (the original's recipe, raw ``\\n`` included)."""
        text = "\\n".join(
            (",".join(self.paths), ",".join(self.methods), str(self.project), self.expires_text)
        )
        return text.encode("utf-8")

    def signature(self, key: str) -> str:
        return hmac.new(key.encode("utf-8"), self.message(), hashlib.sha256).hexdigest()

    def opens(self, method: str, path: str) -> bool:
        """Whether the grant covers ``method`` on ``path`` (checked after the signature)."""
        if method not in self.methods:
            return False
        return any(
            path == signed or path.startswith(signed + "/")
            for signed in self.paths
            # An empty or relative path is nothing the service signs; it must open nothing.
            if signed.startswith("/") and not signed.endswith("/")
        )

    def verified(self, key: str, signature: str, now: datetime.datetime) -> bool:
        """Whether ``signature`` is this grant's under ``key`` and the grant is unexpired."""
        expected = self.signature(key)
        # compare_digest takes ASCII str only; anything else cannot be a hex digest anyway.
        if not signature.isascii() or not hmac.compare_digest(expected, signature):
            return False
        return self.expires > now


def _whole_seconds(moment: datetime.datetime) -> datetime.datetime:
    return moment.astimezone(UTC).replace(microsecond=0)


def parse_expires(value: object) -> datetime.datetime:
    """``expires`` as the original reads it: an ISO 8601 date and time (UTC unless it names
    an offset), never an integer. Raises ``InvalidExpiry`` with the original's messages."""
    number = _integer(value)
    if number is not None:
        raise InvalidExpiry(
            "`expires` should be date format, for example 2016-01-01T00:00:00, "
            f"not integer value: {number}"
        )
    if not isinstance(value, str):
        raise InvalidExpiry(
            "`expires` should be date format, for example 2016-01-01T00:00:00, as a string"
        )
    try:
        moment = datetime.datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidExpiry(f"Unable to parse date string {value!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _integer(value: object) -> int | None:
    """``value`` as the original's ``int(expires)`` reads it, when that succeeds."""
    if not isinstance(value, bool | int | float | str):
        return None
    try:
        return int(value)
    except (ValueError, OverflowError):
        return None


def future_expiry(value: object | None, now: datetime.datetime) -> datetime.datetime:
    """The expiry a new grant gets: ``value`` parsed, or ``now`` + a day; never the past."""
    moment = now + DEFAULT_LIFETIME if value is None else parse_expires(value)
    if moment <= now:
        raise InvalidExpiry("`expires` is lower than the current time")
    return moment


def from_headers(
    paths: str | None, methods: str | None, project: str | None, expires: str | None
) -> Grant | None:
    """The grant a signed request's headers claim (``URL-Paths``, ``URL-Methods``,
    ``X-Project-ID``, ``URL-Expires``), or None when they cannot describe one."""
    if expires is None:
        return None
    try:
        moment = parse_expires(expires)
    except InvalidExpiry:
        return None
    return Grant.of((paths or "").split(","), (methods or "").split(","), project, moment)
