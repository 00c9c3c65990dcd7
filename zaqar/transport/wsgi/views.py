"""How an API version shows what the operations return: one ``Views`` per version.

The resources of ``resources.py`` are the same for every version; they hand what an
operation returned to their version's views and write the document that comes back. A view
that returns ``None`` means "no content": the resource answers 204.
"""

from __future__ import annotations

from typing import Any, Protocol

from zaqar.storage import base

Document = Any


class Views(Protocol):
    #: Where the version's routes start: ``/v1``.
    prefix: str

    def queue_page(
        self, page: base.Page[base.Queue], detailed: bool, next_href: str | None
    ) -> Document | None: ...

    def stats(self, queue: str, stats: base.QueueStats) -> Document: ...

    def posted(self, queue: str, ids: list[str]) -> Document: ...

    def message_page(
        self, queue: str, page: base.Page[base.Message], next_href: str | None
    ) -> Document | None: ...

    def messages(self, queue: str, messages: list[base.Message]) -> Document | None: ...

    def message(self, queue: str, message: base.Message) -> Document: ...

    def claimed(self, queue: str, claim: base.Claim) -> Document: ...

    def claim(self, queue: str, claim: base.Claim, href: str) -> Document: ...
