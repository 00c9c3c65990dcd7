"""What each error means to a client, written once for every transport.

Operations raise typed errors (``zaqar.api.errors``, ``zaqar.storage.errors``) and never
answer themselves. A transport asks ``answer(error, ...)`` for the status number, title and
description the client gets, and renders them its own way: the HTTP transport as a response
with that status and a ``{"title", "description"}`` body.

Three kinds of error are answered here besides the fixed ones of ``TABLE``:

- ``ServiceUnavailable`` (503): the store did not answer; the description names what the
  request could not do (``unavailable``, given by the transport for the route) and the write
  is known not to be applied.
- ``OutcomeUnknown`` (504): a change reached the store, or may have, and no answer came
  back. ``resources`` names the messages a post would have created, so that a client can
  look before posting again.
- anything else (500): a fixed text; the traceback goes to the log, never to the client.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from zaqar.api import errors as api_errors
from zaqar.storage import errors as storage_errors

LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class Answer:
    status: int
    title: str
    #: None in ``TABLE``: the error's own text.
    description: str | None = None
    #: Paths of the resources a change may have created (504 on a post only).
    resources: list[str] = field(default_factory=list)


_UNABLE_TO_DELETE = "Unable to delete"
_CONFLICT = "Resource conflict"
_CLAIMED = "This message is claimed; it cannot be deleted without a valid claim ID."
_UNAVAILABLE = "Service temporarily unavailable"

#: error type -> its answer; the nearest class in the error's MRO decides.
TABLE: dict[type[Exception], Answer] = {
    api_errors.ValidationFailed: Answer(400, "Invalid API request"),
    api_errors.BadRequestBody: Answer(400, "Invalid request body"),
    api_errors.InvalidQueueName: Answer(400, "Invalid queue identification"),
    api_errors.InvalidTopicName: Answer(400, "Invalid topic identification"),
    api_errors.InvalidPoolName: Answer(400, "Invalid pool name"),
    api_errors.InvalidFlavorName: Answer(400, "Invalid flavor name"),
    api_errors.NotPermitted: Answer(403, "Forbidden"),
    api_errors.MissingClientId: Answer(400, "Missing header value"),
    api_errors.MissingProject: Answer(400, "Project-Id Missing"),
    api_errors.BodyTooLarge: Answer(413, "Request body too large"),
    api_errors.NotFound: Answer(404, "Not found"),
    api_errors.Conflict: Answer(409, _CONFLICT),
    api_errors.NotAuthorized: Answer(403, "Not authorized"),
    api_errors.NotCarriedOut: Answer(501, "Not implemented"),
    storage_errors.DoesNotExist: Answer(404, "Not found"),
    storage_errors.MessageIsClaimed: Answer(403, _UNABLE_TO_DELETE, _CLAIMED),
    storage_errors.MessageNotClaimedBy: Answer(403, _UNABLE_TO_DELETE, _CLAIMED),
    storage_errors.MessageNotClaimed: Answer(
        400, _UNABLE_TO_DELETE, "A claim was specified, but the message is not currently claimed."
    ),
    storage_errors.InvalidClaimId: Answer(
        400, _UNABLE_TO_DELETE, "The specified claim does not exist or has expired."
    ),
    # A pool holding queues stays until they are deleted (or moved): never strand messages.
    storage_errors.PoolInUse: Answer(409, _CONFLICT),
    # SPEC's words; the storage error names the other pool, which the admin can list.
    storage_errors.PoolUriInUse: Answer(
        409, _CONFLICT, "The database URI is in use by another pool."
    ),
    # A write to a queue that is moving to another pool: the move takes seconds.
    storage_errors.QueueMoving: Answer(
        503,
        _UNAVAILABLE,
        "The queue is moving to another pool. Please try again in a few seconds.",
    ),
    # Any other clash with what is stored (e.g. a queue already on the pool it is moved to).
    storage_errors.Conflict: Answer(409, _CONFLICT),
    storage_errors.NoPoolFound: Answer(
        503, _UNAVAILABLE, "No pool can take new queues. Please try again in a few seconds."
    ),
    storage_errors.NotSupported: Answer(
        501, "Not implemented", "The storage driver does not support this operation."
    ),
}

#: What a 503 says when the transport did not name the operation.
DEFAULT_UNAVAILABLE = "The request could not be completed."

INTERNAL = Answer(
    500,
    "Internal server error",
    "The server met an unexpected condition; the error has been logged.",
)


def answer(
    error: Exception, *, where: str, unavailable: str | None = None, collection: str = ""
) -> Answer:
    """The answer to ``error``, raised by the request ``where`` names (for the log).

    ``unavailable`` says what the request could not do, for a 503; ``collection`` is the
    path of the messages a post went to, for a 504's ``resources``.
    """
    if isinstance(error, storage_errors.ServiceUnavailable):
        LOG.warning("%s: storage unavailable: %s", where, error)
        what = unavailable or DEFAULT_UNAVAILABLE
        return Answer(503, _UNAVAILABLE, f"{what} Please try again in a few seconds.")
    if isinstance(error, storage_errors.OutcomeUnknown):
        LOG.warning("%s: outcome unknown: %s", where, error)
        return _outcome_unknown(error, collection)
    for kind in type(error).__mro__:
        fixed = TABLE.get(kind)
        if fixed is not None:
            return Answer(fixed.status, fixed.title, fixed.description or str(error))
    LOG.error("%s failed", where, exc_info=error)
    return INTERNAL


def _outcome_unknown(error: storage_errors.OutcomeUnknown, collection: str) -> Answer:
    if error.message_ids:
        # Only a post names message ids: the same hrefs its 201 would have given.
        resources = [f"{collection}/{message_id}" for message_id in error.message_ids]
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
    return Answer(504, "Outcome unknown", error.doubt + advice, resources)
