"""The storage error tree.

Every driver translates its client library's exceptions into these types at its own
boundary; the transport maps them to HTTP in one table (``zaqar.transport.wsgi.errors``)::

    StorageError
    ├── DoesNotExist
    │   ├── QueueDoesNotExist
    │   ├── MessageDoesNotExist
    │   ├── ClaimDoesNotExist
    │   ├── SubscriptionDoesNotExist
    │   ├── PoolDoesNotExist
    │   └── FlavorDoesNotExist
    ├── NotPermitted
    │   ├── MessageIsClaimed          a claimed message was deleted without its claim id
    │   ├── MessageNotClaimed         a claim id was given but the message is not claimed
    │   ├── MessageNotClaimedBy       a claim id was given; another live claim holds it
    │   ├── InvalidClaimId            the claim id given can never name a claim
    │   └── PoolInUse                 a pool that still holds queues cannot be deleted
    ├── Conflict
    │   ├── PoolUriInUse              another pool already has this URI
    │   ├── QueueMoving               the queue is being moved to another pool; retry soon
    │   └── SubscriptionAlreadyExists the subscriber has a live subscription on the queue
    ├── NoPoolFound                   no pool can take a new queue
    ├── NotSupported                  the driver does not offer this capability
    ├── BadConfiguration              the driver's settings cannot work (bad URI, ...)
    ├── ServiceUnavailable            the backend cannot be reached or did not answer
    └── OutcomeUnknown                a change was sent but its answer never came: it may or
                                      may not have been made
"""

from __future__ import annotations

from collections.abc import Sequence

from zaqar.core import spaces


class StorageError(Exception):
    """Base class of every error a storage driver may raise."""


class DoesNotExist(StorageError):
    """The resource asked for is not there."""


def _project_text(project: str | None) -> str:
    # The caller's project, not a topic's stored one; clients and the original service
    # print a missing project as "None".
    project = spaces.of_stored(project)[1]
    return "None" if project is None else project


class QueueDoesNotExist(DoesNotExist):
    def __init__(self, name: str, project: str | None) -> None:
        noun = spaces.of_stored(project)[0].noun.capitalize()  # "Queue", or a topic's
        super().__init__(f"{noun} {name} does not exist for project {_project_text(project)}")
        self.name = name
        self.project = project


class MessageDoesNotExist(DoesNotExist):
    def __init__(self, message_id: str, queue: str, project: str | None) -> None:
        super().__init__(
            f"Message {message_id} does not exist in queue {queue} "
            f"for project {_project_text(project)}"
        )
        self.message_id = message_id
        self.queue = queue
        self.project = project


class ClaimDoesNotExist(DoesNotExist):
    def __init__(self, claim_id: str, queue: str, project: str | None) -> None:
        super().__init__(
            f"Claim {claim_id} does not exist in queue {queue} for project {_project_text(project)}"
        )
        self.claim_id = claim_id
        self.queue = queue
        self.project = project


class SubscriptionDoesNotExist(DoesNotExist):
    def __init__(self, subscription_id: str) -> None:
        # The original's wording: neither queue nor project is named.
        super().__init__(f"Subscription {subscription_id} does not exist")
        self.subscription_id = subscription_id


class NotPermitted(StorageError):
    """The operation is refused by the message lifecycle rules."""


class MessageIsClaimed(NotPermitted):
    def __init__(self, message_id: str) -> None:
        super().__init__(f"Message {message_id} is claimed")
        self.message_id = message_id


class MessageNotClaimed(NotPermitted):
    def __init__(self, message_id: str) -> None:
        super().__init__(f"Message {message_id} is not claimed")
        self.message_id = message_id


class MessageNotClaimedBy(NotPermitted):
    def __init__(self, message_id: str, claim_id: str) -> None:
        super().__init__(f"Message {message_id} is not claimed by {claim_id}")
        self.message_id = message_id
        self.claim_id = claim_id


class InvalidClaimId(NotPermitted):
    def __init__(self, claim_id: str) -> None:
        super().__init__(f"{claim_id!r} is not a claim id")
        self.claim_id = claim_id


class PoolDoesNotExist(DoesNotExist):
    def __init__(self, name: str) -> None:
        super().__init__(f"Pool {name} does not exist")
        self.name = name


class FlavorDoesNotExist(DoesNotExist):
    def __init__(self, name: str, project: str | None) -> None:
        super().__init__(f"Flavor {name} does not exist for project {_project_text(project)}")
        self.name = name


class PoolInUse(NotPermitted):
    def __init__(self, name: str, queues: int) -> None:
        super().__init__(
            f"Pool {name} still holds {queues} queue(s); move or delete them before the pool"
        )
        self.name = name
        self.queues = queues


class Conflict(StorageError):
    """The change would clash with data that is already there."""


class PoolUriInUse(Conflict):
    def __init__(self, uri_owner: str) -> None:
        # The URI is not repeated: it may hold a password.
        super().__init__(f"The database URI is in use by pool {uri_owner}.")
        self.owner = uri_owner


class QueueMoving(Conflict):
    def __init__(self, name: str, project: str | None) -> None:
        super().__init__(f"Queue {name} of project {_project_text(project)} is moving")
        self.name = name
        self.project = project


class SubscriptionAlreadyExists(Conflict):
    def __init__(self, subscriber: str, queue: str, project: str | None) -> None:
        # The original's wording.
        super().__init__(
            "Such subscription already exists. Subscriptions are unique by project + queue "
            "+ subscriber URI."
        )
        self.subscriber = subscriber
        self.queue = queue
        self.project = project


class NoPoolFound(StorageError):
    """No pool may take a new queue: there are none, or all have weight 0."""


class NotSupported(StorageError):
    """The driver does not offer this capability; see its ``capabilities``."""


class BadConfiguration(StorageError):
    """The driver's configuration cannot work; raised when the driver starts."""


class ServiceUnavailable(StorageError):
    """The backend could not be reached, or did not answer in time.

    The Redis and SQL drivers raise it for a change only when they know the change was not
    made (nothing was sent, the backend refused it, or it was rolled back); when they cannot
    know they raise ``OutcomeUnknown``.
    """


class OutcomeUnknown(StorageError):
    """A change reached the backend, or may have, and no answer came back.

    Not a ``ServiceUnavailable``: that one promises nothing was changed, so a client may
    simply try again, while here trying again may do the change twice. ``message_ids`` are
    the ids a post would have given its messages, so that the client can look for them.
    """

    def __init__(self, doubt: str, message_ids: Sequence[str] = ()) -> None:
        super().__init__(doubt)
        self.doubt = doubt
        self.message_ids = list(message_ids)
