"""The OpenAPI 3.1 documents of the API versions, served at ``<prefix>/openapi.json``.

Each version's document is kept in the repository beside this module (``openapi.json`` for
v1, ``openapi-v1_1.json``, ``openapi-v2.json``) and shipped as package data, written for the
default ``[transport]`` limits; the server fills in the limits it is configured with
(``Document.for_limits``) when it builds the app. They are public like version discovery:
static, and holding no project's data. A test walks the app's router and checks that each
document lists exactly the routes its version serves. v1's document is kept by hand; those of
v1.1 and v2 are written by ``tools/openapi_documents.py`` (a test checks they are its output).
"""

from __future__ import annotations

import functools
import importlib.resources
import json
from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

import falcon

from zaqar.api.validation import Limits

#: Where in a document a configured value goes (``/``-separated keys from the top, the last
#: one set), and the value, of the limits.
Fill = tuple[str, Callable[[Limits], Any]]

_PARAMETERS = "components/parameters/"
_SCHEMAS = "components/schemas/"


def _bytes(text: str, name: str) -> Callable[[Limits], str]:
    """A description naming a byte limit: ``text`` with ``{}`` for it."""
    return lambda limits: text.format(getattr(limits, name))


#: The limits every version's document shows, at the same places.
_COMMON: tuple[Fill, ...] = (
    (_PARAMETERS + "QueueLimit/schema/maximum", attrgetter("max_queues_per_page")),
    (_PARAMETERS + "MessageLimit/schema/maximum", attrgetter("max_messages_per_page")),
    (_PARAMETERS + "ClaimLimit/schema/maximum", attrgetter("max_messages_per_claim_or_pop")),
    (_PARAMETERS + "Ids/schema/maxItems", attrgetter("max_messages_per_page")),
    (_SCHEMAS + "NewMessage/properties/ttl/maximum", attrgetter("max_message_ttl")),
    (_SCHEMAS + "NewClaim/properties/ttl/maximum", attrgetter("max_claim_ttl")),
    (_SCHEMAS + "NewClaim/properties/grace/maximum", attrgetter("max_claim_grace")),
    (_SCHEMAS + "ClaimUpdate/properties/ttl/maximum", attrgetter("max_claim_ttl")),
    (
        _SCHEMAS + "NewMessages/description",
        _bytes("At most {} bytes in all.", "max_messages_post_size"),
    ),
)

_V1: tuple[Fill, ...] = (
    *_COMMON,
    (_PARAMETERS + "IdsRequired/schema/maxItems", attrgetter("max_messages_per_page")),
    (
        _SCHEMAS + "Metadata/description",
        _bytes(
            "Any JSON object whose keys do not start with '_'; at most {} bytes.",
            "max_queue_metadata",
        ),
    ),
)

_SETTINGS = _SCHEMAS + "Metadata/properties/"

#: v1.1 also pops, takes defaults for what a request leaves out, and checks queue settings.
_V1_1: tuple[Fill, ...] = (
    *_COMMON,
    (_PARAMETERS + "Pop/schema/maximum", attrgetter("max_messages_per_claim_or_pop")),
    (_SCHEMAS + "NewMessage/properties/ttl/default", attrgetter("default_message_ttl")),
    (_SCHEMAS + "NewClaim/properties/ttl/default", attrgetter("default_claim_ttl")),
    (_SCHEMAS + "NewClaim/properties/grace/default", attrgetter("default_claim_grace")),
    (_SCHEMAS + "ClaimUpdate/properties/ttl/default", attrgetter("default_claim_ttl")),
    (_SCHEMAS + "ClaimUpdate/properties/grace/default", attrgetter("default_claim_grace")),
    (_SETTINGS + "_default_message_ttl/maximum", attrgetter("max_message_ttl")),
    (_SETTINGS + "_max_messages_post_size/maximum", attrgetter("max_messages_post_size")),
    (_SETTINGS + "_dead_letter_queue_messages_ttl/maximum", attrgetter("max_message_ttl")),
    (_SETTINGS + "_default_message_delay/maximum", attrgetter("max_message_delay")),
    (
        _SCHEMAS + "Metadata/description",
        _bytes(
            "Any JSON object of at most {} bytes; the keys starting with '_' are the "
            "queue's settings.",
            "max_queue_metadata",
        ),
    ),
)

#: v2 also delays messages.
_V2: tuple[Fill, ...] = (
    *_V1_1,
    (_SCHEMAS + "NewMessage/properties/delay/maximum", attrgetter("max_message_delay")),
    (_PARAMETERS + "SubscriptionLimit/schema/maximum", attrgetter("max_subscriptions_per_page")),
)


@functools.cache
def _stored(file_name: str) -> bytes:
    return importlib.resources.files(__package__).joinpath(file_name).read_bytes()


@dataclass(frozen=True)
class Document:
    """One API version's document: its file, and where the configured limits go in it."""

    #: The version's name in paths: ``v1``.
    version: str
    file_name: str
    fills: tuple[Fill, ...]

    def stored(self) -> dict[str, Any]:
        """The document as stored: for the default limits."""
        loaded: dict[str, Any] = json.loads(_stored(self.file_name))
        return loaded

    def for_limits(self, limits: Limits) -> dict[str, Any]:
        """The document with the limits a server is configured with."""
        return self.filled(self.stored(), limits)

    def filled(self, document: dict[str, Any], limits: Limits) -> dict[str, Any]:
        """``document`` (changed in place) with ``limits`` at the places of ``fills``;
        every place but the last key must be there."""
        for place, value in self.fills:
            *parents, key = place.split("/")
            node = document
            for parent in parents:
                node = node[parent]
            node[key] = value(limits)
        return document


V1 = Document("v1", "openapi.json", _V1)
V1_1 = Document("v1.1", "openapi-v1_1.json", _V1_1)
V2 = Document("v2", "openapi-v2.json", _V2)

#: version name -> its document.
DOCUMENTS = {document.version: document for document in (V1, V1_1, V2)}


class OpenAPI:
    """Serves one version's document, with the server's limits."""

    def __init__(self, document: Document, limits: Limits) -> None:
        self._data = json.dumps(document.for_limits(limits), indent=2).encode("utf-8")

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = falcon.MEDIA_JSON
        resp.cache_control = ["max-age=86400"]
        resp.data = self._data
