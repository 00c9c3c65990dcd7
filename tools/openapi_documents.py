"""Write the OpenAPI 3.1 documents of API v1.1 and v2, beside v1's hand-kept one.

    python -m tools.openapi_documents            (rewrites them)
    python -m tools.openapi_documents --check    (exit status 1 if a stored one differs)

The two versions share nearly everything, so their documents are written from one
description here rather than kept by hand: v2 is v1.1 plus the policy rules (``X-Roles``),
queue PATCH, purge, listing filters, delays, and the pools and flavors admin API. What v1's
document already says the same way (error bodies, statistics, version discovery, the common
parameters) is taken from it. The limits are filled in by ``openapi.Document.filled``, with
the defaults, as the server fills in its own. ``tests/security/test_openapi.py`` checks that
the stored documents are this module's output and that they list exactly the routes served.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import zaqar.conf
from zaqar.api.validation import Limits
from zaqar.transport.wsgi import openapi

JSON = dict[str, Any]

DIRECTORY = Path(openapi.__file__).parent

#: The tags of the admin operations, and the options that mount them (health needs
#: ``admin_mode`` only).
ADMIN_TAGS = ("health", "pools", "flavors")

_STRING = {"type": "string"}
_INTEGER = {"type": "integer"}
_BOOLEAN = {"type": "boolean"}
_TIME = {"type": "string", "format": "date-time"}
_QUEUE_NAME = "^[a-zA-Z0-9_.-]+$"
_MEDIA = "application/json"
_JSON_PATCH = "application/openstack-messaging-v2.0-json-patch"

LOCATION = {"Location": {"description": "Root-relative path of the resource.", "schema": _STRING}}
CONTENT_LOCATION = {
    "Content-Location": {
        "description": "Root-relative path (and query) of what was read.",
        "schema": _STRING,
    }
}


def ref(kind: str, name: str) -> JSON:
    return {"$ref": f"#/components/{kind}/{name}"}


def schema(name: str) -> JSON:
    return ref("schemas", name)


def answer(
    description: str,
    content: JSON | None = None,
    headers: JSON | None = None,
    media: str = _MEDIA,
) -> JSON:
    """A response: its description, the schema of its body (if it has one), its headers."""
    found: JSON = {"description": description}
    if content is not None:
        found["content"] = {media: {"schema": content}}
    if headers:
        found["headers"] = headers
    return found


def body(content: JSON, required: bool = True, media: str = _MEDIA, **extra: Any) -> JSON:
    return {"required": required, **extra, "content": {media: {"schema": content}}}


def error(description: str) -> JSON:
    return answer(description, schema("Error"))


def array(items: JSON, **extra: Any) -> JSON:
    return {"type": "array", **extra, "items": items}


def closed(properties: JSON, required: list[str] | None = None, **extra: Any) -> JSON:
    """An object of exactly these properties (``required`` default: all of them)."""
    return {
        "type": "object",
        **extra,
        "additionalProperties": False,
        "required": list(properties) if required is None else required,
        "properties": properties,
    }


#: status -> the shared response an operation refers to, unless it gives its own.
_ERRORS = {
    "400": "BadRequest",
    "401": "Unauthorized",
    "403": "Forbidden",
    "404": "NotFound",
    "406": "NotAcceptable",
    "409": "Conflict",
    "413": "PayloadTooLarge",
    "415": "UnsupportedMediaType",
    "501": "NotImplemented",
    "503": "ServiceUnavailable",
    "504": "OutcomeUnknown",
}
_ADMIN_ERRORS = {**_ERRORS, "403": "AdminForbidden", "404": "AdminNotFound", "409": "PoolConflict"}
#: What every operation past the header checks may answer.
_ALWAYS = ("400", "401", "403", "406", "503")


@dataclass(frozen=True)
class Version:
    """What the documents of v1.1 and v2 differ in."""

    name: str
    title: str
    number: str

    @property
    def v2(self) -> bool:
        return self.name == "v2"

    @property
    def prefix(self) -> str:
        return "/" + self.name

    def headers(self) -> list[JSON]:
        names = ["ClientId", "ProjectId", *(["Roles"] if self.v2 else [])]
        return [ref("parameters", name) for name in names]

    def operation(
        self,
        operation_id: str,
        summary: str,
        tag: str,
        answers: JSON,
        parameters: tuple[str, ...] = (),
        errors: tuple[str, ...] = (),
        description: str | None = None,
        request: JSON | None = None,
    ) -> JSON:
        """One operation: the header parameters first, then ``parameters`` (by name); the
        errors of ``_ALWAYS`` and ``errors`` unless ``answers`` has its own."""
        admin = tag in ADMIN_TAGS
        table = _ADMIN_ERRORS if admin else _ERRORS
        responses = dict(answers)
        # An admin route may not be served at all (404).
        for status in (*_ALWAYS, *(("404",) if admin else ()), *errors):
            responses.setdefault(status, ref("responses", table[status]))
        found: JSON = {"operationId": operation_id, "summary": summary, "tags": [tag]}
        if description is not None:
            found["description"] = description
        found["parameters"] = self.headers() + [ref("parameters", name) for name in parameters]
        if request is not None:
            found["requestBody"] = request
        found["responses"] = dict(sorted(responses.items()))
        return found


V1_1 = Version("v1.1", "Zaqar messaging API v1.1", "1.1")
V2 = Version("v2", "Zaqar messaging API v2", "2.0")
VERSIONS = {version.name: version for version in (V1_1, V2)}


# -- paths ---------------------------------------------------------------------------------


def _discovery(version: Version, v1: JSON) -> JSON:
    prefix = version.prefix
    own = copy.deepcopy(v1["paths"]["/v1/openapi.json"])
    own["get"]["responses"]["200"]["description"] = (
        f"The OpenAPI 3.1 document of API {version.name}."
    )
    storage_down = answer("Storage does not answer (no body).")
    return {
        "/": copy.deepcopy(v1["paths"]["/"]),
        prefix + "/": {
            "get": version.operation(
                "getHome",
                f"The JSON-Home document of API {version.name}",
                "discovery",
                {
                    "200": answer(
                        "JSON-Home",
                        {"type": "object", "required": ["resources"]},
                        media="application/json-home",
                    )
                },
            )
        },
        prefix + "/openapi.json": own,
        prefix + "/ping": {
            "get": version.operation(
                "ping",
                "Whether storage answers",
                "discovery",
                {"204": answer("Storage answers."), "503": storage_down},
            ),
            "head": version.operation(
                "headPing", "Always 204", "discovery", {"204": answer("The server is up.")}
            ),
        },
    }


def _queues(version: Version) -> JSON:
    queue = version.prefix + "/queues/{queue_name}"
    shown = schema("ShownMetadata" if version.v2 else "Metadata")
    listing = ("Marker", "QueueLimit", "Detailed")
    if version.v2:
        listing += ("Name", "WithCount", "MetadataFilters")
    item: JSON = {
        "put": version.operation(
            "createQueue",
            "Create a queue, with the metadata of the body if there is one",
            "queues",
            {
                "201": answer("Created.", headers=LOCATION),
                "204": answer("It existed; its metadata is left as it was.", None, LOCATION),
            },
            ("QueueName",),
            ("501", "504"),
            request=body(schema("Metadata"), required=False),
        ),
        "get": version.operation(
            "getQueue",
            "The queue's metadata (a missing queue has none)",
            "queues",
            {"200": answer("The metadata.", shown, CONTENT_LOCATION)},
            ("QueueName",),
        ),
    }
    if version.v2:
        item["patch"] = version.operation(
            "patchQueue",
            "Change the queue's metadata with a JSON patch",
            "queues",
            {"200": answer("The metadata as it now is.", shown, CONTENT_LOCATION)},
            ("QueueName",),
            ("404", "409", "415", "501", "504"),
            "The metadata is checked as on create; a bad setting is a bad body (400). No "
            "concurrent change is lost.",
            body(schema("JsonPatch"), media=_JSON_PATCH),
        )
    # Last: the fuzz runs the operations in this order, and a PATCH finds the queues a PUT made.
    item["delete"] = version.operation(
        "deleteQueue",
        "Delete the queue and its messages (204 even if missing)",
        "queues",
        {"204": answer("Gone.")},
        ("QueueName",),
        ("504",),
    )
    found: JSON = {
        version.prefix + "/queues": {
            "get": version.operation(
                "listQueues",
                "The project's queues, by name",
                "queues",
                {
                    "200": answer(
                        "A page of queues (possibly empty).", schema("QueueList"), CONTENT_LOCATION
                    )
                },
                listing,
            )
        },
        queue: item,
        queue + "/stats": {
            "get": version.operation(
                "getStats",
                "Message counts of the queue (zeros for a missing one)",
                "queues",
                {"200": answer("The counts.", schema("Stats"), CONTENT_LOCATION)},
                ("QueueName",),
            )
        },
    }
    if version.v2:
        found[queue + "/purge"] = {
            "post": version.operation(
                "purgeQueue",
                "Delete what of the queue the body names (without a body: everything)",
                "queues",
                {"204": answer("Purged; the queue stays.")},
                ("QueueName",),
                ("413", "504"),
                "Every message, claimed or not, that was there when the purge began.",
                body(schema("Purge"), required=False),
            )
        }
        found[queue + "/share"] = {
            "post": version.operation(
                "shareQueue",
                "Make a pre-signed URL for some of the queue's resources",
                "queues",
                {"200": answer("The grant and its signature.", schema("SignedURL"))},
                ("QueueName",),
                ("413",),
                "The grant is for the caller's project. A request that sends the answer's "
                "signature, expires, methods and paths as URL-Signature, URL-Expires, "
                "URL-Methods and URL-Paths, with its project as X-Project-ID, may use those "
                "paths (and what lies below them) with those methods until it expires, "
                "without a token; any other signed request is 404. Needs [signed_url] "
                "secret_key (400 without).",
                body(schema("Share")),
            )
        }
    return found


def _messages(version: Version) -> JSON:
    messages = version.prefix + "/queues/{queue_name}/messages"
    listing = ("Ids", "Marker", "MessageLimit", "Echo", "IncludeClaimed")
    if version.v2:
        listing += ("IncludeDelayed",)
    delayed = (
        " A message's ttl defaults to the queue's _default_message_ttl, and the body to the "
        "queue's _max_messages_post_size when it is smaller; on a delayed queue a message's "
        "delay defaults to the queue's _default_message_delay."
        if version.v2
        else ""
    )
    return {
        messages: {
            "post": version.operation(
                "postMessages",
                "Post messages (a missing queue is created)",
                "messages",
                {"201": answer("Posted.", schema("Posted"), LOCATION)},
                ("QueueName",),
                ("501", "504") if version.v2 else ("504",),
                "The messages are stored in the order given." + delayed,
                body(schema("NewMessages")),
            ),
            "get": version.operation(
                "listMessages",
                "A page of messages, or the messages named by ids",
                "messages",
                {
                    "200": answer(
                        "A page of messages (possibly empty), or with ids the messages found.",
                        {"oneOf": [schema("MessageList"), schema("MessagesById")]},
                        CONTENT_LOCATION,
                    ),
                    "404": error("With ids: none of them was found."),
                },
                ("QueueName", *listing),
            ),
            "delete": version.operation(
                "deleteMessages",
                "Delete the messages named by ids, or pop free ones",
                "messages",
                {
                    "200": answer("pop: the messages taken (and deleted).", schema("Popped")),
                    "204": answer("ids: gone (claimed or not)."),
                },
                ("QueueName", "Ids", "Pop", "ClaimIds"),
                ("504",),
                "Exactly one of ids and pop. With [transport] message_delete_with_claim_id, "
                "ids come with claim_ids, each of which must hold one of the messages.",
            ),
        },
        messages + "/{message_id}": {
            "get": version.operation(
                "getMessage",
                "One message",
                "messages",
                {"200": answer("The message.", schema("Message"), CONTENT_LOCATION)},
                ("QueueName", "MessageId"),
                ("404",),
            ),
            "delete": version.operation(
                "deleteMessage",
                "Delete one message (204 even if missing); a claimed one needs its claim_id",
                "messages",
                {
                    "204": answer("Gone."),
                    "403": error(
                        "The message is claimed and no matching claim_id was given"
                        + (", or the policy rules refuse the caller." if version.v2 else ".")
                        + " Keystone: the token is not scoped to a project."
                    ),
                },
                ("QueueName", "MessageId", "ClaimIdQuery"),
                ("504",),
            ),
        },
    }


def _claims(version: Version) -> JSON:
    claims = version.prefix + "/queues/{queue_name}/claims"
    dead_letter = (
        " On a queue with a dead-letter queue (_dead_letter_queue and _max_claim_count), a "
        "message claimed more than _max_claim_count times moves there instead."
        if version.v2
        else ""
    )
    return {
        claims: {
            "post": version.operation(
                "createClaim",
                "Claim free messages",
                "claims",
                {
                    "201": answer("Claimed.", schema("Claimed"), LOCATION),
                    "204": answer("Nothing to claim."),
                },
                ("QueueName", "ClaimLimit"),
                ("413", "504"),
                "Without a body, or without ttl or grace, the defaults apply." + dead_letter,
                body(schema("NewClaim"), required=False),
            )
        },
        claims + "/{claim_id}": {
            "get": version.operation(
                "getClaim",
                "A claim and its messages",
                "claims",
                {"200": answer("The claim.", schema("Claim"), CONTENT_LOCATION)},
                ("QueueName", "ClaimId"),
                ("404",),
            ),
            "patch": version.operation(
                "updateClaim",
                "Renew a claim",
                "claims",
                {"204": answer("Renewed.")},
                ("QueueName", "ClaimId"),
                ("404", "413", "504"),
                "Without a body, or without ttl or grace, the defaults apply.",
                body(schema("ClaimUpdate"), required=False),
            ),
            "delete": version.operation(
                "releaseClaim",
                "Release a claim (204 even if missing)",
                "claims",
                {"204": answer("Released.")},
                ("QueueName", "ClaimId"),
                ("504",),
            ),
        },
    }


def _subscriptions(version: Version) -> JSON:
    collection = version.prefix + "/queues/{queue_name}/subscriptions"
    one = collection + "/{subscription_id}"
    return {
        collection: {
            "get": version.operation(
                "listSubscriptions",
                "The queue's subscriptions, a page at a time",
                "subscriptions",
                {"200": answer("A page (empty for a missing queue).", schema("SubscriptionList"))},
                ("QueueName", "Marker", "SubscriptionLimit"),
            ),
            "post": version.operation(
                "createSubscription",
                "Subscribe to the queue (creating the queue when missing)",
                "subscriptions",
                {"201": answer("Subscribed.", schema("SubscriptionCreated"), LOCATION)},
                ("QueueName",),
                ("409", "413"),
                "Unique per project, queue and subscriber: the same again answers the existing "
                "id while it is unconfirmed, 409 once confirmed.",
                body(schema("NewSubscription"), required=False),
            ),
        },
        one: {
            "get": version.operation(
                "getSubscription",
                "A subscription",
                "subscriptions",
                {"200": answer("The subscription.", schema("Subscription"))},
                ("QueueName", "SubscriptionId"),
                ("404",),
            ),
            "patch": version.operation(
                "updateSubscription",
                "Change a subscription's subscriber, ttl or options",
                "subscriptions",
                {"204": answer("Changed.", headers=LOCATION)},
                ("QueueName", "SubscriptionId"),
                ("404", "409", "413"),
                "A null value changes nothing; a new ttl counts from now.",
                body(schema("SubscriptionUpdate"), required=False),
            ),
            "delete": version.operation(
                "deleteSubscription",
                "Delete a subscription (204 even if missing)",
                "subscriptions",
                {"204": answer("Deleted.")},
                ("QueueName", "SubscriptionId"),
            ),
        },
        one + "/confirm": {
            "put": version.operation(
                "confirmSubscription",
                "Confirm a subscription, or take the confirmation back",
                "subscriptions",
                {"204": answer("Done.", headers=LOCATION)},
                ("QueueName", "SubscriptionId"),
                ("404", "413"),
                request=body(schema("Confirmation"), required=False),
            )
        },
        one + "/deliveries": {
            "get": version.operation(
                "listDeliveries",
                "The subscription's delivery log: its newest tries, newest first",
                "subscriptions",
                {"200": answer("The tries.", schema("DeliveryLog"))},
                ("QueueName", "SubscriptionId", "DeliveryLimit"),
                ("404",),
                "Ours, not the original's: every try of a delivery (delivered, failed and "
                "tried again at next_try, or given up), as the notifiers recorded it.",
            )
        },
        one + "/dead_letters": {
            "get": version.operation(
                "listDeadLetters",
                "What delivery gave up for the subscription, a page at a time",
                "subscriptions",
                {
                    "200": answer(
                        "A page, in the order the messages were posted.", schema("DeadLetters")
                    )
                },
                ("QueueName", "SubscriptionId", "Marker", "DeliveryLimit"),
                ("404",),
                "Ours, not the original's: notifications whose retry policy ran out, that the "
                "subscriber refused for good, or whose message expired first.",
            )
        },
        one + "/dead_letters/replay": {
            "post": version.operation(
                "replayDeadLetters",
                "Deliver the subscription's dead letters again",
                "subscriptions",
                {"202": answer("Asked for: the notifier delivers them.", schema("Replaying"))},
                ("QueueName", "SubscriptionId"),
                ("404", "413"),
                "Ours, not the original's: the dead letters named by message id (all without "
                "a body) are delivered again on the subscription's retry policy, even when "
                "their message has expired since. Each one delivered leaves the dead letters; "
                "one that fails again stays, with its new attempts and reason. replaying is "
                "how many dead letters the request named.",
                body(schema("Replay"), required=False),
            )
        },
    }


def _health(version: Version) -> JSON:
    rule = " Its rule, health:get, asks for the admin role by default." if version.v2 else ""
    return {
        version.prefix + "/health": {
            "get": version.operation(
                "getHealth",
                "A round of real operations on every store",
                "health",
                {"200": answer("How each step went.", schema("Health"))},
                description="Admin only (served with admin_mode). Each store (each pool, with "
                "pooling) gets a throw-away queue: create it, post, claim, list and delete "
                "messages, delete it. A failed step names a ref the server's log names too." + rule,
            )
        }
    }


_POOLS_ONLY = "Admin only (served with admin_mode and pooling). "


def _pools(version: Version) -> JSON:
    prefix = version.prefix
    pool = ("PoolName",)
    return {
        prefix + "/pools": {
            "get": version.operation(
                "listPools",
                "The pools, by name",
                "pools",
                {"200": answer("A page of pools (possibly empty).", schema("PoolList"))},
                ("Marker", "PoolLimit", "Detailed"),
                description=_POOLS_ONLY + "Options show only with detailed=true.",
            )
        },
        prefix + "/pools/{pool_name}": {
            "put": version.operation(
                "createPool",
                "Create or replace a pool",
                "pools",
                {"201": answer("Created (or replaced).", headers=LOCATION)},
                pool,
                ("409", "413", "504"),
                _POOLS_ONLY + "The server first connects to the store (400 'cannot connect to "
                "<uri>' when it cannot). An existing pool of that name is replaced wholly, also "
                "with 201. A flavor named must be one of the caller's project.",
                body(schema("NewPool")),
            ),
            "get": version.operation(
                "getPool",
                "One pool",
                "pools",
                {"200": answer("The pool.", schema("Pool"), CONTENT_LOCATION)},
                (*pool, "Detailed"),
                ("404",),
                _POOLS_ONLY + "Options show only with detailed=true.",
            ),
            "patch": version.operation(
                "updatePool",
                "Change a pool's weight, uri, flavor or options",
                "pools",
                {"200": answer("The pool as it now is, with its options.", schema("Pool"))},
                pool,
                ("404", "409", "413", "504"),
                _POOLS_ONLY + "A new uri or options are checked by connecting, as on create.",
                body(schema("PoolUpdate")),
            ),
            "delete": version.operation(
                "deletePool",
                "Delete a pool that holds no queue and is in no flavor",
                "pools",
                {
                    "204": answer("Deleted, or there was no such pool."),
                    "403": error(
                        "The pool is in a flavor; or the caller is no admin (as for every "
                        "operation here)."
                    ),
                },
                pool,
                ("409", "504"),
                _POOLS_ONLY + "A pool in a flavor is refused (403), one that still holds "
                "queues too (409); a missing pool is no error.",
            ),
        },
    }


def _flavors(version: Version) -> JSON:
    prefix = version.prefix
    flavor = ("FlavorName",)
    read = _POOLS_ONLY + "Its rule is open to the project by default. "
    return {
        prefix + "/flavors": {
            "get": version.operation(
                "listFlavors",
                "The project's flavors, by name",
                "flavors",
                {"200": answer("A page of flavors (possibly empty).", schema("FlavorList"))},
                ("Marker", "PoolLimit", "Detailed"),
                description=read + "Capabilities show only with detailed=true.",
            )
        },
        prefix + "/flavors/{flavor_name}": {
            "put": version.operation(
                "createFlavor",
                "Create a flavor, or give an existing one these pools",
                "flavors",
                {"201": answer("Created (or replaced).", headers=LOCATION)},
                flavor,
                ("404", "413", "504"),
                _POOLS_ONLY + "Every pool named must exist and offer the same capabilities; "
                "each joins the flavor, and the flavor's other pools leave it.",
                body(schema("NewFlavor")),
            ),
            "get": version.operation(
                "getFlavor",
                "One flavor, with its capabilities",
                "flavors",
                {"200": answer("The flavor.", schema("Flavor"), CONTENT_LOCATION)},
                flavor,
                ("404",),
                read.rstrip(),
            ),
            "patch": version.operation(
                "updateFlavor",
                "Give a flavor these pools",
                "flavors",
                {"200": answer("The flavor as it now is.", schema("Flavor"))},
                flavor,
                ("404", "413", "504"),
                _POOLS_ONLY + "The pools are checked as on create.",
                body(schema("NewFlavor")),
            ),
            "delete": version.operation(
                "deleteFlavor",
                "Delete a flavor; its pools then belong to none",
                "flavors",
                {"204": answer("Deleted, or there was no such flavor.")},
                flavor,
                ("404", "504"),
                _POOLS_ONLY.rstrip(),
            ),
        },
    }


def _topics(version: Version) -> JSON:
    """v2's topics: the queue's operations under ``/topics/{topic_name}`` (the server serves
    them with the queue's resources), without claims or sharing."""
    queues = version.prefix + "/queues"
    found: JSON = {}
    for path, item in {**_queues(version), **_messages(version), **_subscriptions(version)}.items():
        if path.endswith("/share"):
            continue
        topic_path = version.prefix + "/topics" + path.removeprefix(queues)
        topic_path = topic_path.replace("{queue_name}", "{topic_name}")
        found[topic_path] = {method: _of_topic(operation) for method, operation in item.items()}
    # Where a topic differs: a missing one is not found (the original's), and none is claimed.
    read = found[version.prefix + "/topics/{topic_name}"]["get"]
    read["summary"] = "The topic's metadata"
    read["responses"]["404"] = error("No such topic.")
    one = found[version.prefix + "/topics/{topic_name}/messages/{message_id}"]["delete"]
    one["summary"] = "Delete one message (204 even if missing)"
    return found


def _of_topic(operation: JSON) -> JSON:
    """A queue's operation as a topic's: its id, tag, words and references."""
    text = json.dumps(operation)
    for queue_ref, topic_ref in (
        (ref("parameters", "QueueName"), ref("parameters", "TopicName")),
        (schema("QueueList"), schema("TopicList")),
    ):
        text = text.replace(json.dumps(queue_ref), json.dumps(topic_ref))
    found: JSON = json.loads(text)
    verb, rest = _split_id(found["operationId"])
    found["operationId"] = verb + ("Topic" + rest if "Queue" not in rest else rest)
    found["operationId"] = found["operationId"].replace("Queue", "Topic")
    found["tags"] = ["topics"]
    for key in ("summary", "description"):
        if key in found:
            found[key] = found[key].replace("queue", "topic").replace("Queue", "Topic")
    return found


def _split_id(operation_id: str) -> tuple[str, str]:
    """``postMessages`` -> (``post``, ``Messages``)."""
    for at, letter in enumerate(operation_id):
        if letter.isupper():
            return operation_id[:at], operation_id[at:]
    return operation_id, ""


def paths(version: Version, v1: JSON) -> JSON:
    found = {**_discovery(version, v1), **_queues(version), **_messages(version)}
    found.update(_claims(version))
    found.update(_health(version))
    if version.v2:
        found.update(_subscriptions(version))
        found.update(_topics(version))
        found.update(_pools(version))
        found.update(_flavors(version))
    return found


# -- components ----------------------------------------------------------------------------


def _parameter(name: str, where: str, content: JSON, required: bool = False, **extra: Any) -> JSON:
    return {"name": name, "in": where, "required": required, **extra, "schema": content}


def parameters(version: Version, v1: JSON) -> JSON:
    shared = v1["components"]["parameters"]
    found: JSON = {
        name: copy.deepcopy(shared[name])
        for name in ("QueueName", "MessageId", "ClaimId", "Marker", "QueueLimit")
    }
    found["ClientId"] = _parameter(
        "Client-ID",
        "header",
        {"type": "string", "format": "uuid"},
        True,
        description="Names the client; required on every request. A UUID (dashed or 32 hex "
        "digits); with [transport] client_id_uuid_safe = off, any text of "
        "min_length_client_id to max_length_client_id characters.",
    )
    found["ProjectId"] = _parameter(
        "X-Project-ID",
        "header",
        {"type": "string", "minLength": 1, "maxLength": 256},
        True,
        description="The project: required, and not empty, without authentication. Under "
        "keystone the token's project is used and this header is ignored.",
    )
    if version.v2:
        found["Roles"] = _parameter(
            "X-Roles",
            "header",
            _STRING,
            description="Without authentication, the roles the policy rules see (comma "
            "separated); under keystone the token's. The default rules ask for admin only "
            "in the health, pools and flavor-changing operations.",
            example="admin",
        )
    for name in ("MessageLimit", "ClaimLimit", "Detailed", "Echo", "IncludeClaimed"):
        found[name] = copy.deepcopy(shared[name])
    found["Ids"] = copy.deepcopy(shared["Ids"])
    found["Ids"]["description"] = "Message ids, comma separated."
    found["Pop"] = _parameter(
        "pop", "query", {"type": "integer", "minimum": 1}, description="Free messages to take."
    )
    found["ClaimIds"] = _parameter(
        "claim_ids",
        "query",
        array(_STRING, minItems=1),
        style="form",
        explode=False,
        description="With ids, when [transport] message_delete_with_claim_id is on: the "
        "claims holding them, comma separated.",
    )
    found["ClaimIdQuery"] = copy.deepcopy(shared["ClaimIdQuery"])
    if version.v2:
        found.update(_v2_parameters(shared))
        found["TopicName"] = {**copy.deepcopy(shared["QueueName"]), "name": "topic_name"}
        found["SubscriptionId"] = _parameter("subscription_id", "path", _STRING, True)
        found["SubscriptionLimit"] = _parameter(
            "limit",
            "query",
            {"type": "integer", "minimum": 1, "maximum": 20, "default": 10},
            description="Subscriptions per page; at most [transport] max_subscriptions_per_page.",
        )
        found["DeliveryLimit"] = _parameter(
            "limit",
            "query",
            {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
            description="Entries per page.",
        )
    return found


def _v2_parameters(shared: JSON) -> JSON:
    known = ["marker", "limit", "detailed", "name", "with_count"]
    return {
        "IncludeDelayed": _parameter(
            "include_delayed",
            "query",
            {"type": "boolean", "default": False},
            description="Show delayed messages too (always, on a queue without a delay).",
        ),
        "Name": _parameter(
            "name", "query", _STRING, description="Only the queues whose name contains this."
        ),
        "WithCount": _parameter(
            "with_count",
            "query",
            {"type": "boolean", "default": False},
            description="Add count: how many queues the project has (filters aside), when "
            "it has any.",
        ),
        "MetadataFilters": _parameter(
            "metadata",
            "query",
            {
                "type": "object",
                "propertyNames": {"minLength": 1, "not": {"enum": known}},
                "additionalProperties": _STRING,
            },
            style="form",
            explode=True,
            description="Every other query parameter is a filter: only the queues whose "
            "metadata has that key with that value (compared as an integer when it reads "
            "as one).",
        ),
        "PoolName": copy.deepcopy(shared["PoolName"]),
        "FlavorName": {**copy.deepcopy(shared["PoolName"]), "name": "flavor_name"},
        "PoolLimit": copy.deepcopy(shared["PoolLimit"]),
    }


_CHECKSUM = {
    "type": "string",
    "description": "With [DEFAULT] enable_checksum: MD5:<hex> of the body as it was posted.",
}


def _message(v1: JSON) -> JSON:
    properties = {"id": _STRING, **v1["components"]["schemas"]["Message"]["properties"]}
    return closed(
        {**properties, "checksum": _CHECKSUM},
        list(properties),
        description="The href names the claim (?claim_id=) while one holds it.",
    )


def _settings(version: Version) -> JSON:
    """The properties of a queue's settings, as a PUT or PATCH checks them."""
    nullable_int = {"type": ["integer", "null"]}
    where = "" if version.v2 else " Checked here, carried out in API v2 only."
    return {
        "_default_message_ttl": {
            **nullable_int,
            "minimum": 60,
            "description": "The ttl of a message posted without one." + where,
        },
        "_max_messages_post_size": {
            **nullable_int,
            "minimum": 1,
            "description": "The largest post, in bytes, if smaller than the server's." + where,
        },
        "_default_message_delay": {
            **nullable_int,
            "minimum": 0,
            "description": "Makes the queue a delayed queue: the delay of a message posted "
            "without one." + where,
        },
        "_max_claim_count": {
            **nullable_int,
            "description": "With _dead_letter_queue: claims a message may have before it "
            "moves there." + where,
        },
        "_dead_letter_queue": {
            "type": ["string", "null"],
            "pattern": _QUEUE_NAME,
            "description": "Where messages claimed too often move." + where,
        },
        "_dead_letter_queue_messages_ttl": {
            **nullable_int,
            "minimum": 60,
            "description": "The ttl the moved messages get (none: they keep theirs)." + where,
        },
        "_enable_encrypt_messages": {
            **_BOOLEAN,
            "description": "The bodies of the messages posted (in v2) are stored encrypted. "
            "true needs [transport] message_encryption_key (501 without).",
        },
    }


def _shown_metadata() -> JSON:
    nullable = ["integer", "null"]
    properties = {
        "_max_messages_post_size": {"type": "integer", "minimum": 1},
        "_default_message_ttl": _INTEGER,
        "_default_message_delay": {"type": "integer", "minimum": 0},
        "_dead_letter_queue": {"type": ["string", "null"]},
        "_dead_letter_queue_messages_ttl": {"type": nullable},
        "_max_claim_count": {"type": nullable},
        "_enable_encrypt_messages": _BOOLEAN,
    }
    return {
        "type": "object",
        "description": "The queue's metadata with every setting: its default where the queue "
        "has none (or a falsy one).",
        "required": list(properties),
        "properties": properties,
    }


def _links() -> JSON:
    return array(
        closed({"rel": {"type": "string", "const": "next"}, "href": _STRING}),
        maxItems=1,
        description="The next page's link: none when the page is empty or the last.",
    )


def _json_patch() -> JSON:
    segment = "([^/~]|~[01])+"
    value = {"op": {"enum": ["add", "replace"]}, "path": {}, "value": {}}
    return array(
        {
            "anyOf": [
                {
                    "type": "object",
                    "required": ["op", "path"],
                    "properties": {
                        "op": {"const": "remove"},
                        "path": {"type": "string", "pattern": f"^/{segment}/{segment}$"},
                    },
                },
                {
                    "type": "object",
                    "required": list(value),
                    "properties": {
                        **value,
                        "path": {"type": "string", "pattern": f"^/metadata/{segment}$"},
                    },
                },
            ]
        },
        description="Changes of top-level metadata keys (JSON patch), made in order. A "
        "setting can be replaced or removed though the queue has none; any other key must be "
        "there (409).",
    )


def _health_schemas() -> JSON:
    step = closed(
        {"succeeded": _BOOLEAN, "seconds": {"type": "number"}, "ref": {"type": ["string", "null"]}}
    )
    store = closed(
        {
            "storage_reachable": _BOOLEAN,
            "operation_status": {"type": "object", "additionalProperties": step},
        }
    )
    pooled = {
        "type": "object",
        "description": "With pools: whether the catalogue answers, and each pool's report.",
        "required": ["catalog_reachable"],
        "properties": {"catalog_reachable": _BOOLEAN},
        "additionalProperties": schema("StoreReport"),
    }
    return {
        "StoreReport": store,
        "Health": {"anyOf": [schema("StoreReport"), pooled]},
    }


def _pool_schemas(v1: JSON) -> JSON:
    shared = v1["components"]["schemas"]
    flavor = {
        "type": ["string", "null"],
        "description": "A flavor of the caller's project; null or '' for none.",
    }
    new_pool = copy.deepcopy(shared["NewPool"])
    new_pool["properties"]["flavor"] = flavor
    update = copy.deepcopy(shared["PoolUpdate"])
    update["properties"]["flavor"] = flavor
    flavor_view = closed(
        {
            "name": _STRING,
            "project": {"type": ["string", "null"]},
            "pool_list": array(_STRING),
            "capabilities": array(_STRING, description="Only with detailed=true in a listing."),
            "href": _STRING,
        },
        ["name", "project", "pool_list", "href"],
    )
    return {
        "Pool": copy.deepcopy(shared["Pool"]),
        "PoolList": closed({"pools": array(schema("Pool")), "links": schema("Links")}),
        "NewPool": new_pool,
        "PoolUpdate": update,
        "Flavor": flavor_view,
        "FlavorList": closed({"flavors": array(schema("Flavor")), "links": schema("Links")}),
        "NewFlavor": closed(
            {
                "pool_list": array(_STRING, minItems=1),
                "capabilities": {"type": "object", "description": "Accepted, not used."},
            },
            ["pool_list"],
        ),
    }


def schemas(version: Version, v1: JSON) -> JSON:
    shared = v1["components"]["schemas"]
    message = schema("Message")
    queue = copy.deepcopy(shared["Queue"])
    if version.v2:
        queue["properties"]["metadata"] = schema("ShownMetadata")
    queue["properties"]["metadata"]["description"] = "Only with detailed=true."
    queue_list: JSON = {"queues": array(schema("Queue")), "links": schema("Links")}
    if version.v2:
        queue_list["count"] = {"type": "integer", "minimum": 1}
    new_message: JSON = {"ttl": {"type": "integer", "minimum": 60}, "body": {}}
    if version.v2:
        new_message["delay"] = {
            "type": "integer",
            "minimum": 0,
            "description": "Seconds the message stays invisible; read only on a delayed queue.",
        }
    claim_terms = {"ttl": {"type": "integer", "minimum": 60}, "grace": {"type": "integer"}}
    found: JSON = {
        "Error": copy.deepcopy(shared["Error"]),
        "Message": _message(v1),
        "Links": _links(),
        "Versions": copy.deepcopy(shared["Versions"]),
        "Queue": queue,
        "QueueList": closed(queue_list, ["queues", "links"]),
        "Metadata": {"type": "object", "properties": _settings(version)},
        "Stats": copy.deepcopy(shared["Stats"]),
        "NewMessage": {"type": "object", "required": ["body"], "properties": new_message},
        "NewMessages": {
            "type": "object",
            "required": ["messages"],
            "properties": {"messages": array(schema("NewMessage"), minItems=1)},
        },
        "Posted": closed({"resources": array(_STRING)}),
        "MessageList": closed({"messages": array(message), "links": schema("Links")}),
        "MessagesById": closed({"messages": array(message, minItems=1)}),
        "Popped": closed({"messages": array(_popped())}),
        "NewClaim": {"type": "object", "properties": copy.deepcopy(claim_terms)},
        "ClaimUpdate": {"type": "object", "properties": claim_terms},
        "Claimed": closed({"messages": array(message, minItems=1)}),
        "Claim": closed(
            {"age": _INTEGER, "ttl": _INTEGER, "href": _STRING, "messages": array(message)}
        ),
        "OpenAPI": copy.deepcopy(shared["OpenAPI"]),
        **_health_schemas(),
        "OutcomeUnknown": copy.deepcopy(shared["OutcomeUnknown"]),
    }
    found["NewClaim"]["properties"]["grace"]["minimum"] = 60
    found["ClaimUpdate"]["properties"]["grace"]["description"] = (
        "Brought into 0..[transport] max_message_ttl."
    )
    if version.v2:
        found["ShownMetadata"] = _shown_metadata()
        found["JsonPatch"] = _json_patch()
        found["Purge"] = {
            "type": "object",
            "required": ["resource_types"],
            "properties": {
                "resource_types": array({"enum": ["messages", "subscriptions"]}),
            },
        }
        found["TopicList"] = closed(
            {
                "topics": array(schema("Queue")),
                "links": schema("Links"),
                "count": queue_list["count"],
            },
            ["topics", "links"],
        )
        found.update(_pool_schemas(v1))
        found.update(_subscription_schemas())
        found.update(_share_schemas())
    return found


def _share_schemas() -> JSON:
    return {
        "Share": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "paths": array(
                    {"enum": ["messages", "subscriptions", "claims"]},
                    description="Default: messages.",
                ),
                "methods": array(
                    {"enum": ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]},
                    description="Default: GET.",
                ),
                "expires": {
                    "type": "string",
                    "description": "ISO 8601, UTC unless it names an offset; in the future. "
                    "Default: a day from now.",
                },
            },
        },
        "SignedURL": closed(
            {
                "paths": array({"type": "string"}),
                "methods": array({"type": "string"}),
                "project": {"type": ["string", "null"]},
                "expires": {"type": "string"},
                "signature": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            },
            ["paths", "methods", "project", "expires", "signature"],
        ),
    }


def _subscription_schemas() -> JSON:
    ttl = {"type": "integer", "minimum": 60, "description": "Seconds; at most to year 9999."}
    options = {"type": "object", "description": "post_data, post_headers, _retry_policy, ..."}
    subscriber = {
        "type": "string",
        "description": "A URI of one of [transport] subscriber_types (http, https, mailto, "
        "trust+http, trust+https).",
    }
    return {
        "NewSubscription": {
            "type": "object",
            "required": ["subscriber"],
            "properties": {"subscriber": subscriber, "ttl": ttl, "options": options},
        },
        "SubscriptionUpdate": {
            "type": "object",
            "minProperties": 1,
            "properties": {
                "subscriber": {"type": ["string", "null"]},
                "ttl": {**ttl, "type": ["integer", "null"]},
                "options": {"type": ["object", "null"]},
            },
        },
        "SubscriptionCreated": closed(
            {
                "subscription_id": _STRING,
                "signing_secret": {
                    **_STRING,
                    "description": "Only when the subscription is new: the key of the "
                    "X-Zaqar-Signature of its webhook requests (HMAC-SHA256 of "
                    "'<t>.<body>'). It is never shown again.",
                },
            },
            required=["subscription_id"],
        ),
        "Subscription": closed(
            {
                "id": _STRING,
                "source": _STRING,
                "subscriber": _STRING,
                "ttl": _INTEGER,
                "age": _INTEGER,
                "options": {"type": "object"},
                "confirmed": _BOOLEAN,
            }
        ),
        "SubscriptionList": closed(
            {"subscriptions": array(schema("Subscription")), "links": schema("Links")}
        ),
        "DeliveryLog": closed(
            {
                "deliveries": array(
                    closed(
                        {
                            "message_id": _STRING,
                            "href": _STRING,
                            "attempt": _INTEGER,
                            "at": _TIME,
                            "outcome": {"enum": ["delivered", "failed", "dead"]},
                            "status": {"type": ["integer", "null"]},
                            "error": {"type": ["string", "null"]},
                            "latency_ms": {"type": "number"},
                            "next_try": {"type": ["string", "null"], "format": "date-time"},
                        }
                    )
                )
            }
        ),
        "DeadLetters": closed(
            {
                "dead_letters": array(
                    closed(
                        {
                            "message_id": _STRING,
                            "body": {},
                            "ttl": _INTEGER,
                            "posted": _TIME,
                            "attempts": _INTEGER,
                            "reason": _STRING,
                            "failed": _TIME,
                            "replay": _BOOLEAN,
                        }
                    )
                ),
                "links": schema("Links"),
            }
        ),
        "Replay": {
            "type": "object",
            "properties": {
                "message_ids": array(
                    _STRING,
                    minItems=1,
                    maxItems=100,
                    description="The dead letters to replay, by message id; all without.",
                )
            },
        },
        "Replaying": closed({"replaying": {"type": "integer", "minimum": 0}}),
        "Confirmation": {
            "type": "object",
            "required": ["confirmed"],
            "properties": {"confirmed": _BOOLEAN},
        },
    }


def _popped() -> JSON:
    properties = {
        "id": _STRING,
        "age": _INTEGER,
        "ttl": _INTEGER,
        "body": {},
        "claim_id": {"type": ["string", "null"]},
        "claim_count": {"type": "integer", "minimum": 0},
    }
    return closed(
        {**properties, "checksum": _CHECKSUM},
        list(properties),
        description="A message as it was stored: no href, it is gone.",
    )


def responses(version: Version, v1: JSON) -> JSON:
    shared = v1["components"]["responses"]
    found = {
        name: copy.deepcopy(shared[name])
        for name in (
            "BadRequest",
            "Unauthorized",
            "NotFound",
            "NotAcceptable",
            "PayloadTooLarge",
            "ServiceUnavailable",
        )
    }
    rules = "; or the operation's policy rule refuses the caller" if version.v2 else ""
    found["Forbidden"] = error("Keystone: the token is not scoped to a project" + rules + ".")
    found["Conflict"] = error("A patch replaces or removes a key that is not there.")
    found["UnsupportedMediaType"] = answer(
        f"The body is not {_JSON_PATCH}.",
        schema("Error"),
        {"Accept-Patch": {"schema": {"const": _JSON_PATCH}}},
    )
    found["NotImplemented"] = error(
        "The queue asks for encryption (_enable_encrypt_messages: true), and the server has no "
        "[transport] message_encryption_key."
    )
    admin_rules = (
        "; or the operation's policy rule refuses the caller (by default: anyone without the "
        "admin role, which X-Roles names without keystone)"
        if version.v2
        else ""
    )
    found["AdminForbidden"] = error(
        "Keystone: the token lacks the admin role or is not scoped to a project" + admin_rules + "."
    )
    found["AdminNotFound"] = error(
        "No such pool or flavor, or the route is not served (admin_mode is needed, and for "
        "pools and flavors pooling too)."
        if version.v2
        else "The route is not served (admin_mode is needed)."
    )
    found["PoolConflict"] = copy.deepcopy(v1["components"]["responses"]["Conflict"])
    found["OutcomeUnknown"] = copy.deepcopy(shared["OutcomeUnknown"])
    return found


def _info(version: Version) -> JSON:
    rules = (
        " Every operation checks its oslo.policy rule; without keystone the roles are what "
        "X-Roles says."
        if version.v2
        else ""
    )
    admin = (
        "Operations tagged health, pools and flavors are admin only: served only with "
        "admin_mode (pools and flavors also need pooling), under keystone only to a token "
        "with the admin role, and their default rules ask for the admin role (except reading "
        "flavors)."
        if version.v2
        else "The operation tagged health is admin only: served only with admin_mode, and "
        "under keystone only to a token with the admin role."
    )
    return {
        "title": version.title,
        "version": version.number,
        "description": f"Queues, messages and claims, version {version.name[1:]} of the "
        "OpenStack Zaqar HTTP API, as this server serves it. Every request but version "
        "discovery and this document names its client (Client-ID) and, without "
        "authentication, its project (X-Project-ID). With auth_strategy = keystone every "
        "operation but those two needs an X-Auth-Token, and the project is the token's. "
        "Queues come into being when messages are posted to them; a missing queue reads as "
        "empty."
        + rules
        + " Errors are JSON objects with a title and, mostly, a description. "
        + admin
        + (
            " Topics are fan-out channels without claims: each has the routes of a queue "
            "under /v2/topics, and a topic never shares anything with the queue of its name."
            if version.v2
            else " Notifications, subscriptions, topics and pre-signed URLs are not served."
        ),
        "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
    }


def _tags(version: Version) -> list[JSON]:
    tags: list[JSON] = [{"name": name} for name in ("discovery", "queues", "messages", "claims")]
    tags.append({"name": "health", "description": "Admin only, served with admin_mode."})
    if version.v2:
        pooled = "Admin only, served with admin_mode and pooling."
        tags += [
            {"name": "subscriptions"},
            {"name": "topics", "description": "v2's fan-out channels, without claims."},
            {"name": "pools", "description": pooled},
            {"name": "flavors", "description": pooled},
        ]
    return tags


def build(name: str) -> JSON:
    """The document of API version ``name`` (``v1.1`` or ``v2``) for the default limits."""
    version = VERSIONS[name]
    v1 = openapi.V1.stored()
    document: JSON = {
        "openapi": "3.1.0",
        "info": _info(version),
        "servers": [{"url": "/"}],
        "tags": _tags(version),
        "security": [{}, {"keystone": []}],
        "paths": paths(version, v1),
        "components": {
            "securitySchemes": copy.deepcopy(v1["components"]["securitySchemes"]),
            "parameters": parameters(version, v1),
            "schemas": schemas(version, v1),
            "responses": responses(version, v1),
        },
    }
    _prune(document)
    defaults = Limits.from_conf(zaqar.conf.load([], default_config_files=[]))
    return openapi.DOCUMENTS[name].filled(document, defaults)


def _prune(document: JSON) -> None:
    """Drop the components nothing refers to (what one version needs, the other may not)."""
    components = document["components"]
    while True:
        text = json.dumps(document)
        unused = [
            (kind, name)
            for kind in ("parameters", "schemas", "responses")
            for name in components[kind]
            if f'"#/components/{kind}/{name}"' not in text
        ]
        if not unused:
            return
        for kind, name in unused:
            del components[kind][name]


def text(name: str) -> str:
    """The document as it is stored."""
    return json.dumps(build(name), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only compare, write nothing")
    arguments = parser.parse_args(argv)
    differ = []
    for name in VERSIONS:
        path = DIRECTORY / openapi.DOCUMENTS[name].file_name
        wanted = text(name)
        if path.exists() and path.read_text(encoding="utf-8") == wanted:
            continue
        differ.append(path)
        if not arguments.check:
            path.write_text(wanted, encoding="utf-8")
    for path in differ:
        print(("differs: " if arguments.check else "written: ") + str(path))
    return 1 if arguments.check and differ else 0


if __name__ == "__main__":
    sys.exit(main())
