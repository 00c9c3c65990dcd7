"""Falcon's side of ``zaqar.transport.errors``: each answer becomes an HTTP error response.

Responders never catch storage or API errors; they raise through to these handlers.
"""

from __future__ import annotations

from typing import Any

import falcon
from falcon.media import BaseHandler

from zaqar.core import documents
from zaqar.transport import errors


class AnsweredError(falcon.HTTPError):
    """An answer of ``zaqar.transport.errors`` as a Falcon error.

    The body is ``{"title", "description"}``, plus ``resources`` when a 504 names them: the
    same shape as a post's ``201`` body, so that a client can GET them before posting again.
    """

    def __init__(self, answer: errors.Answer) -> None:
        super().__init__(
            falcon.code_to_http_status(answer.status),
            title=answer.title,
            description=answer.description,
        )
        self.resources = answer.resources

    def to_json(self, handler: BaseHandler | None = None) -> bytes:
        # to_dict's type admits no list, so the document is built here.
        document: dict[str, Any] = dict(self.to_dict())
        if self.resources:
            document["resources"] = self.resources
        return documents.encode(document)


def _answer(req: falcon.Request, resp: falcon.Response, error: Exception, _: Any) -> None:
    if isinstance(error, falcon.HTTPError):
        raise error  # Falcon's own (404 route, 405 method, bad parameter, ...)
    raise AnsweredError(
        errors.answer(
            error,
            where=f"{req.method} {req.path}",
            unavailable=getattr(req.context, "unavailable", None),
            collection=req.path,
        )
    )


def install(app: falcon.App[falcon.Request, falcon.Response]) -> None:
    # Falcon's own errors keep their built-in handler (the nearest class in the MRO wins).
    app.add_error_handler(Exception, _answer)
