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
from dataclasses import dataclass
from typing import Any

from zaqar.api.errors import MissingClientId

#: A parsed request document, asked for only once the checks that do not need it passed
#: (so a bad queue name or a missing client id is reported before a malformed body).
Document = Callable[[], Any]


@dataclass(frozen=True, slots=True)
class Caller:
    #: None: the global project (no ``X-Project-ID``, no keystone).
    project: str | None = None
    #: 32 lowercase hex digits, or None when the client did not say.
    client_id: str | None = None

    def required_client_id(self) -> str:
        if self.client_id is None:
            raise MissingClientId('The "Client-ID" header is required.')
        return self.client_id


@dataclass(frozen=True)
class Policy:
    """How one API version reads requests."""

    #: The version's name as clients see it in paths: ``v1``, ``v1.1``, ``v2``.
    version: str
    #: Metadata keys starting with ``_`` are the queue's settings (``_default_message_ttl``,
    #: ...): validated when True, refused when False (v1 stores no settings).
    reserved_metadata: bool = False
    #: Page size of listings and claims when the request names none.
    default_limit: int = 10


V1 = Policy("v1")
