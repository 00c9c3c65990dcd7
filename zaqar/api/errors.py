"""Errors the API layer raises for input it refuses (all map to 400)::

APIError
├── ValidationFailed       a value breaks a limit or rule ("Invalid API request")
├── BadRequestBody         the body is unreadable or has the wrong shape
├── InvalidQueueName       the queue name or project id cannot name a queue
└── InvalidPoolName        the name cannot name a pool (admin API)
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


class InvalidPoolName(APIError):
    pass
