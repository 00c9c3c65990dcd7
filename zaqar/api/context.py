"""Who calls an operation, and under which API version's rules.

Every operation takes a ``Caller``: the project whose queues it may touch, and the client
id that echo and claims are about. A transport builds it from what it authenticated
(headers, a keystone token, a WebSocket session).

The API versions read requests differently but do the same things; a ``Policy`` says how
one version reads them. The operations of ``zaqar.api`` are bound to one policy each, so a
rule of the API is written once and a version only chooses among the rules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from zaqar.api.errors import MissingClientId, MissingProject

#: A parsed request document, asked for only once the checks that do not need it passed
#: (so a bad queue name or a missing client id is reported before a malformed body).
Document = Callable[[], Any]
#: The same, read within the number of bytes the operation allows (a queue may allow less).
SizedDocument = Callable[[int], Any]
#: Checks that the caller may do an action (``zaqar.api.policies``); raises if not.
Guard = Callable[[str, "Caller"], None]


def anyone(action: str, caller: Caller) -> None:
    """The guard of a version that checks no rules (v1 and v1.1)."""


@dataclass(frozen=True, slots=True)
class Caller:
    #: None: the global project (no ``X-Project-ID``, no keystone).
    project: str | None = None
    #: 32 lowercase hex digits (or, with ``client_id_uuid_safe = off``, the text the client
    #: sent when it is no UUID), or None when the client did not say.
    client_id: str | None = None
    #: What the rules of ``zaqar.api.policies`` see: keystone's roles, or ``X-Roles``.
    roles: tuple[str, ...] = ()
    #: Under keystone: the token's user and the token itself, with which a ``trust+``
    #: subscription's trust is made (None otherwise).
    user_id: str | None = None
    token: str | None = field(default=None, repr=False)

    def required_client_id(self) -> str:
        if self.client_id is None:
            raise MissingClientId('The "Client-ID" header is required.')
        return self.client_id


@dataclass(frozen=True)
class Policy:
    """How one API version reads requests."""

    #: The version's name as clients see it in paths: ``v1``, ``v1.1``, ``v2``.
    version: str
    #: Every request names its client and its project (v1 needs a client id only to post
    #: and list, and no project: it then works in the global one).
    identity_required: bool = False
    #: Metadata keys starting with ``_`` are the queue's settings (``_default_message_ttl``,
    #: ...): validated when True, refused when False (v1 stores no settings).
    reserved_metadata: bool = False
    #: The queue's settings apply to what is posted to it (``_default_message_ttl``), and
    #: reading the metadata shows every setting with its default.
    queue_settings: bool = False
    #: Posting creates a missing queue; a missing queue lists, claims and counts as empty.
    lazy_queues: bool = False
    #: A message without ``ttl`` and a claim without ``ttl`` or ``grace`` (or without a
    #: body) take the configured defaults; v1 requires them.
    request_defaults: bool = False
    #: A post is ``{"messages": [...]}``; v1 posts the bare array.
    batch_envelope: bool = False
    #: Queue listings filter by name and metadata and can count the project's queues.
    listing_filters: bool = False
    #: Every operation checks its rule of ``zaqar.api.policies``.
    checks_rules: bool = False
    #: A pool's body may name its ``flavor`` (v1 knows no such field).
    pool_flavors: bool = False
    #: Page size of listings and claims when the request names none.
    default_limit: int = 10

    def caller(
        self,
        project: str | None,
        client_id: str | None,
        roles: tuple[str, ...] = (),
        user_id: str | None = None,
        token: str | None = None,
    ) -> Caller:
        """The caller of a request that named this project and client id (None: not named)."""
        if self.identity_required:
            if client_id is None:
                raise MissingClientId('The "Client-ID" header is required.')
            if project is None:
                raise MissingProject("The header X-PROJECT-ID was missing")
        return Caller(project, client_id, roles, user_id, token)


V1 = Policy("v1")
V1_1 = Policy(
    "v1.1",
    identity_required=True,
    reserved_metadata=True,
    lazy_queues=True,
    request_defaults=True,
    batch_envelope=True,
)
V2 = Policy(
    "v2",
    identity_required=True,
    reserved_metadata=True,
    queue_settings=True,
    lazy_queues=True,
    request_defaults=True,
    batch_envelope=True,
    listing_filters=True,
    checks_rules=True,
    pool_flavors=True,
)
