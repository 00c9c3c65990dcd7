"""What a change whose answer was lost may have done, as clients read it in a 504.

The drivers raise ``errors.OutcomeUnknown`` with these, so that every backend words the same
doubt the same way.
"""

from __future__ import annotations

POST = "The messages may or may not have been enqueued."
BULK_DELETE = "The messages may or may not have been deleted."
POP = "Messages may or may not have been taken off the queue; any that were are gone."
CLAIM = (
    "Messages may or may not have been claimed; any that were stay claimed until the claim expires."
)


def queue_created(name: str) -> str:
    return f"Queue {name} may or may not have been created."


def queue_listed(name: str) -> str:
    return f"Queue {name} exists but may not be listed until it is created again."


def queue_deleted(name: str) -> str:
    return f"Queue {name} may or may not have been deleted."


def queue_partly_deleted(name: str) -> str:
    return f"Queue {name} may be partly deleted; delete it again to finish."


def metadata_set(name: str) -> str:
    return f"The metadata of queue {name} may or may not have been replaced."


def message_deleted(message_id: str) -> str:
    return f"Message {message_id} may or may not have been deleted."


def claim_renewed(claim_id: str) -> str:
    return f"Claim {claim_id} may or may not have been renewed."


def claim_released(claim_id: str) -> str:
    return f"Claim {claim_id} may or may not have been released."


def pool_changed(name: str) -> str:
    return f"Pool {name} may or may not have been changed."


def placement_changed(queue: str) -> str:
    return f"The pool placement of queue {queue} may or may not have been changed."


def flavor_changed(name: str) -> str:
    return f"Flavor {name} may or may not have been changed."


def subscription_changed(subscription_id: str) -> str:
    return f"Subscription {subscription_id} may or may not have been changed."
