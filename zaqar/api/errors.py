"""Errors the API layer raises for input it refuses (``zaqar.transport.errors`` answers them)::

APIError
├── ValidationFailed       a value breaks a limit or rule ("Invalid API request", 400)
├── BadRequestBody         the body is unreadable or has the wrong shape (400)
├── InvalidQueueName       the queue name or project id cannot name a queue (400)
│   └── InvalidTopicName   ... or a topic
├── InvalidPoolName        the name cannot name a pool (admin API, 400)
├── MissingClientId        the operation needs the caller's client id (400)
├── MissingProject         the API version needs the caller's project (400)
├── BodyTooLarge           a request body over its limit (413)
├── NotFound               what was asked for is not there (404; most 404s are storage's)
├── Conflict               a change that cannot be made to what is there (409)
├── NotAuthorized          the policy denies the caller the operation (403)
└── NotCarriedOut          a setting this server does not carry out yet (501)
"""

from __future__ import annotations


class APIError(Exception):
    """Input the service refuses."""


class ValidationFailed(APIError):
    pass


class BadRequestBody(APIError):
    pass


class InvalidQueueName(APIError):
    pass


class InvalidTopicName(InvalidQueueName):
    pass


class InvalidPoolName(APIError):
    pass


class MissingClientId(APIError):
    pass


class MissingProject(APIError):
    pass


class BodyTooLarge(APIError):
    """A request body larger than the limit of its route."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"The request body may not be larger than {limit} bytes.")
        self.limit = limit


class NotFound(APIError):
    pass


class Conflict(APIError):
    pass


class NotAuthorized(APIError):
    pass


class NotCarriedOut(APIError):
    pass


class InvalidFlavorName(APIError):
    pass


class NotPermitted(APIError):
    """A change the service refuses in the state things are in (403)."""
