"""The one table that turns errors into HTTP responses.

Responders never catch storage or API errors; they raise through to these handlers.
"""

from __future__ import annotations

import logging
from typing import Any

import falcon
from falcon.media import BaseHandler

from zaqar.api import errors as api_errors
from zaqar.core import documents
from zaqar.storage import errors as storage_errors
from zaqar.transport.wsgi.media import BodyTooLarge

LOG = logging.getLogger(__name__)

_UNABLE_TO_DELETE = "Unable to delete"
_CONFLICT = "Resource conflict"
_CLAIMED = "This message is claimed; it cannot be deleted without a valid claim ID."

#: error type -> (status, title, description; None means the error's own text)
TABLE: dict[type[Exception], tuple[str, str, str | None]] = {
    api_errors.ValidationFailed: (falcon.HTTP_400, "Invalid API request", None),
    api_errors.BadRequestBody: (falcon.HTTP_400, "Invalid request body", None),
    api_errors.InvalidQueueName: (falcon.HTTP_400, "Invalid queue identification", None),
    api_errors.InvalidPoolName: (falcon.HTTP_400, "Invalid pool name", None),
    BodyTooLarge: (falcon.HTTP_413, "Request body too large", None),
    storage_errors.DoesNotExist: (falcon.HTTP_404, "Not found", None),
    storage_errors.MessageIsClaimed: (falcon.HTTP_403, _UNABLE_TO_DELETE, _CLAIMED),
    storage_errors.MessageNotClaimedBy: (falcon.HTTP_403, _UNABLE_TO_DELETE, _CLAIMED),
    storage_errors.MessageNotClaimed: (
        falcon.HTTP_400,
        _UNABLE_TO_DELETE,
        "A claim was specified, but the message is not currently claimed.",
    ),
    storage_errors.InvalidClaimId: (
        falcon.HTTP_400,
        _UNABLE_TO_DELETE,
        "The specified claim does not exist or has expired.",
    ),
    storage_errors.PoolDoesNotExist: (falcon.HTTP_404, "Not found", None),
    # A pool holding queues stays until they are deleted (or moved): never strand messages.
    storage_errors.PoolInUse: (falcon.HTTP_409, _CONFLICT, None),
    # SPEC's words; the storage error names the other pool, which the admin can list.
    storage_errors.PoolUriInUse: (
        falcon.HTTP_409,
        _CONFLICT,
        "The database URI is in use by another pool.",
    ),
    # A write to a queue that is moving to another pool: the move takes seconds.
    storage_errors.QueueMoving: (
        falcon.HTTP_503,
        "Service temporarily unavailable",
        "The queue is moving to another pool. Please try again in a few seconds.",
    ),
    # Any other clash with what is stored (e.g. a queue already on the pool it is moved to).
    storage_errors.Conflict: (falcon.HTTP_409, _CONFLICT, None),
    storage_errors.NoPoolFound: (
        falcon.HTTP_503,
        "Service temporarily unavailable",
        "No pool can take new queues. Please try again in a few seconds.",
    ),
    storage_errors.NotSupported: (
        falcon.HTTP_501,
        "Not implemented",
        "The storage driver does not support this operation.",
    ),
}

#: What a 503 says when a responder did not name its operation.
DEFAULT_UNAVAILABLE = "The request could not be completed."


def _from_table(req: falcon.Request, resp: falcon.Response, error: Exception, _: Any) -> None:
    for kind in type(error).__mro__:
        if kind in TABLE:
            status, title, description = TABLE[kind]
            raise falcon.HTTPError(
                status, title=title, description=description if description else str(error)
            )
    raise error  # pragma: no cover - only table types are registered here


def _unavailable(req: falcon.Request, resp: falcon.Response, error: Exception, _: Any) -> None:
    LOG.warning("%s %s: storage unavailable: %s", req.method, req.path, error)
    what = getattr(req.context, "unavailable", None) or DEFAULT_UNAVAILABLE
    raise falcon.HTTPServiceUnavailable(
        title="Service temporarily unavailable",
        description=f"{what} Please try again in a few seconds.",
    )


class OutcomeUnknownError(falcon.HTTPError):
    """504: a change reached the storage, or may have, and no answer came back.

    ``resources`` are the hrefs a post would have given its messages: the same shape as the
    ``201`` body's, so that a client can GET them before posting again.
    """

    def __init__(self, description: str, resources: list[str]) -> None:
        super().__init__(falcon.HTTP_504, title="Outcome unknown", description=description)
        self.resources = resources

    def to_json(self, handler: BaseHandler | None = None) -> bytes:
        # to_dict's type admits no list, so the document is built here.
        document: dict[str, Any] = dict(self.to_dict())
        if self.resources:
            document["resources"] = self.resources
        return documents.dumps(document).encode("utf-8")


def _outcome_unknown(req: falcon.Request, resp: falcon.Response, error: Exception, _: Any) -> None:
    assert isinstance(error, storage_errors.OutcomeUnknown)
    LOG.warning("%s %s: outcome unknown: %s", req.method, req.path, error)
    if error.message_ids:
        # Only a post names message ids; its path is the messages' collection.
        resources = [f"{req.path}/{message_id}" for message_id in error.message_ids]
        advice = (
            " The storage did not answer in time and could not be asked afterwards. GET "
            "the messages listed in resources before posting them again."
        )
    else:
        resources = []
        advice = (
            " The storage did not answer in time, so the server cannot tell. Check before "
            "trying again."
        )
    raise OutcomeUnknownError(error.doubt + advice, resources)


def _unexpected(req: falcon.Request, resp: falcon.Response, error: Exception, _: Any) -> None:
    if isinstance(error, falcon.HTTPError):
        raise error
    LOG.exception("%s %s failed", req.method, req.path)
    raise falcon.HTTPInternalServerError(
        title="Internal server error",
        description="The server met an unexpected condition; the error has been logged.",
    )


def install(app: falcon.App[falcon.Request, falcon.Response]) -> None:
    # Falcon picks the handler registered for the nearest class in the error's MRO.
    app.add_error_handler(Exception, _unexpected)
    app.add_error_handler(storage_errors.ServiceUnavailable, _unavailable)
    app.add_error_handler(storage_errors.OutcomeUnknown, _outcome_unknown)
    for kind in TABLE:
        app.add_error_handler(kind, _from_table)
