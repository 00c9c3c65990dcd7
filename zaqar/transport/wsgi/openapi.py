"""The OpenAPI 3.1 document of API v1, served at ``/v1/openapi.json``.

The document is kept in the repository beside this module (``openapi.json``) and shipped as
package data. It is public like version discovery: it is static and holds no project's data.
A test walks the app's router and checks the document lists exactly the routes served.
"""

from __future__ import annotations

import functools
import importlib.resources
import json
from typing import Any

import falcon

DOCUMENT_NAME = "openapi.json"


@functools.cache
def document_bytes() -> bytes:
    return importlib.resources.files(__package__).joinpath(DOCUMENT_NAME).read_bytes()


def document() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(document_bytes())
    return loaded


class OpenAPI:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = falcon.MEDIA_JSON
        resp.cache_control = ["max-age=86400"]
        resp.data = document_bytes()
