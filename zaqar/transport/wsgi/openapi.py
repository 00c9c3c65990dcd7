"""The OpenAPI 3.1 document of API v1, served at ``/v1/openapi.json``.

The document is kept in the repository beside this module (``openapi.json``) and shipped as
package data, written for the default ``[transport]`` limits; the server fills in the limits
it is configured with (``for_limits``) when it builds the app. It is public like version
discovery: it is static and holds no project's data. A test walks the app's router and
checks the document lists exactly the routes served.
"""

from __future__ import annotations

import functools
import importlib.resources
import json
from typing import Any

import falcon

from zaqar.api.validation import Limits

DOCUMENT_NAME = "openapi.json"


@functools.cache
def document_bytes() -> bytes:
    return importlib.resources.files(__package__).joinpath(DOCUMENT_NAME).read_bytes()


def document() -> dict[str, Any]:
    """The document as stored: for the default limits."""
    loaded: dict[str, Any] = json.loads(document_bytes())
    return loaded


def for_limits(limits: Limits) -> dict[str, Any]:
    """The document with the limits a server is configured with."""
    found = document()
    parameters = found["components"]["parameters"]
    schemas = found["components"]["schemas"]
    parameters["QueueLimit"]["schema"]["maximum"] = limits.max_queues_per_page
    parameters["MessageLimit"]["schema"]["maximum"] = limits.max_messages_per_page
    parameters["ClaimLimit"]["schema"]["maximum"] = limits.max_messages_per_claim_or_pop
    for ids in ("Ids", "IdsRequired"):
        parameters[ids]["schema"]["maxItems"] = limits.max_messages_per_page
    schemas["NewMessage"]["properties"]["ttl"]["maximum"] = limits.max_message_ttl
    schemas["NewClaim"]["properties"]["ttl"]["maximum"] = limits.max_claim_ttl
    schemas["NewClaim"]["properties"]["grace"]["maximum"] = limits.max_claim_grace
    schemas["ClaimUpdate"]["properties"]["ttl"]["maximum"] = limits.max_claim_ttl
    schemas["Metadata"]["description"] = (
        "Any JSON object whose keys do not start with '_'; at most "
        f"{limits.max_queue_metadata} bytes."
    )
    schemas["NewMessages"]["description"] = f"At most {limits.max_messages_post_size} bytes in all."
    return found


class OpenAPI:
    def __init__(self, limits: Limits) -> None:
        self._data = json.dumps(for_limits(limits), indent=2).encode("utf-8")

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = falcon.MEDIA_JSON
        resp.cache_control = ["max-age=86400"]
        resp.data = self._data
