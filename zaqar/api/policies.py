"""Who may do what: oslo.policy rules, checked by the operations of API v2 (SPEC §5.2).

The rules have the original's names (``queues:get_all``, ``messages:create``, ...) and
defaults: every queue, topic, message, claim and subscription operation is open to any
caller of the project.
An operator restricts them in a policy file (``[oslo_policy] policy_file``); a denial is
``403 Not authorized``. The credentials are the caller's project and roles: under keystone
the token's, without it what ``X-Roles`` says, as the original reads them. v1 and v1.1 check
no rules, as in the original.

``oslopolicy-sample-generator --namespace zaqar`` writes every rule with its default. A changed
policy file applies within ``RELOAD_SECONDS``.
"""

from __future__ import annotations

import time

from oslo_config import cfg
from oslo_policy import policy

from zaqar.api.context import Caller
from zaqar.api.errors import NotAuthorized
from zaqar.core import spaces

#: Open to any caller of the project (the original's default for these rules).
UNPROTECTED = ""
_QUEUE = "/v2/queues/{queue_name}"
_SUBSCRIPTIONS = _QUEUE + "/subscriptions"
_SUBSCRIPTION = _SUBSCRIPTIONS + "/{subscription_id}"
_TOPIC = "/v2/topics/{topic_name}"

_OPERATIONS: tuple[tuple[str, str, str, str], ...] = (
    ("queues:get_all", "List queues.", "GET", "/v2/queues"),
    ("queues:create", "Create a queue.", "PUT", _QUEUE),
    ("queues:get", "Read a queue's metadata.", "GET", _QUEUE),
    ("queues:delete", "Delete a queue.", "DELETE", _QUEUE),
    ("queues:update", "Change a queue's metadata.", "PATCH", _QUEUE),
    ("queues:stats", "Read a queue's statistics.", "GET", _QUEUE + "/stats"),
    ("queues:purge", "Purge a queue.", "POST", _QUEUE + "/purge"),
    ("queues:share", "Create a pre-signed URL for a queue.", "POST", _QUEUE + "/share"),
    ("messages:get_all", "List messages, or get them by ids.", "GET", _QUEUE + "/messages"),
    ("messages:create", "Post messages.", "POST", _QUEUE + "/messages"),
    ("messages:get", "Get a message.", "GET", _QUEUE + "/messages/{message_id}"),
    ("messages:delete", "Delete a message.", "DELETE", _QUEUE + "/messages/{message_id}"),
    ("messages:delete_all", "Delete messages by ids, or pop.", "DELETE", _QUEUE + "/messages"),
    ("claims:create", "Claim messages.", "POST", _QUEUE + "/claims"),
    ("claims:get", "Read a claim.", "GET", _QUEUE + "/claims/{claim_id}"),
    ("claims:update", "Renew a claim.", "PATCH", _QUEUE + "/claims/{claim_id}"),
    ("claims:delete", "Release a claim.", "DELETE", _QUEUE + "/claims/{claim_id}"),
    ("subscription:get_all", "List a queue's subscriptions.", "GET", _SUBSCRIPTIONS),
    ("subscription:create", "Subscribe to a queue.", "POST", _SUBSCRIPTIONS),
    ("subscription:get", "Read a subscription.", "GET", _SUBSCRIPTION),
    ("subscription:delete", "Delete a subscription.", "DELETE", _SUBSCRIPTION),
    ("subscription:update", "Change a subscription.", "PATCH", _SUBSCRIPTION),
    ("subscription:confirm", "Confirm a subscription.", "PUT", _SUBSCRIPTION + "/confirm"),
    (
        "subscription:deliveries",
        "Read a subscription's delivery log.",
        "GET",
        _SUBSCRIPTION + "/deliveries",
    ),
    (
        "subscription:dead_letters",
        "Read the notifications given up for a subscription.",
        "GET",
        _SUBSCRIPTION + "/dead_letters",
    ),
    (
        "subscription:replay",
        "Deliver a subscription's dead letters again.",
        "POST",
        _SUBSCRIPTION + "/dead_letters/replay",
    ),
    ("flavors:get_all", "List flavors.", "GET", "/v2/flavors"),
    ("flavors:get", "Read a flavor.", "GET", "/v2/flavors/{flavor_name}"),
)
#: A topic's own rules are its queue's (``topics:get_all``, ...; topics are not shared); its
#: messages and subscriptions are under the rules of a queue's.
_OPERATIONS += tuple(
    (
        spaces.TOPICS.action(name),
        description.replace("queue", "topic"),
        method,
        path.replace("/v2/queues/{queue_name}", _TOPIC).replace("/v2/queues", "/v2/topics"),
    )
    for name, description, method, path in _OPERATIONS
    if name.startswith("queues:") and name != "queues:share"
)

#: Admin only by default (the original's default for these rules).
ADMIN = "rule:context_is_admin"
_POOL = "/v2/pools/{pool_name}"
_ADMIN_OPERATIONS: tuple[tuple[str, str, str, str], ...] = (
    ("health:get", "Run the detailed health check.", "GET", "/v2/health"),
    ("pools:get_all", "List pools.", "GET", "/v2/pools"),
    ("pools:create", "Create or replace a pool.", "PUT", _POOL),
    ("pools:get", "Read a pool.", "GET", _POOL),
    ("pools:update", "Change a pool.", "PATCH", _POOL),
    ("pools:delete", "Delete a pool.", "DELETE", _POOL),
    ("flavors:create", "Create or replace a flavor.", "PUT", "/v2/flavors/{flavor_name}"),
    ("flavors:update", "Change a flavor's pools.", "PATCH", "/v2/flavors/{flavor_name}"),
    ("flavors:delete", "Delete a flavor.", "DELETE", "/v2/flavors/{flavor_name}"),
)

RULES: list[policy.RuleDefault] = [
    policy.RuleDefault("context_is_admin", "role:admin"),
    policy.RuleDefault("admin_or_owner", "is_admin:True or project_id:%(project_id)s"),
    *[
        policy.DocumentedRuleDefault(name, check, description, [{"method": method, "path": path}])
        for operations, check in ((_OPERATIONS, UNPROTECTED), (_ADMIN_OPERATIONS, ADMIN))
        for name, description, method, path in operations
    ],
]

#: The rules whose default is no open door.
_GUARDED = frozenset(name for name, _, _, _ in _ADMIN_OPERATIONS)

#: Every rule an operation checks.
ACTIONS = frozenset(name for name, _, _, _ in _OPERATIONS + _ADMIN_OPERATIONS)


def list_rules() -> list[policy.RuleDefault]:
    """The rules with their defaults (the ``oslo.policy.policies`` entry point)."""
    return list(RULES)


#: Seconds between two looks at the policy file: a changed file applies within them.
RELOAD_SECONDS = 5.0


class Authorizer:
    """Checks a caller against the rules (built once per service, from ``conf``)."""

    def __init__(self, conf: cfg.ConfigOpts) -> None:
        self._enforcer = policy.Enforcer(conf)
        self._enforcer.register_defaults(RULES)
        self._next_load = 0.0

    def check(self, action: str, caller: Caller) -> None:
        """Raise ``NotAuthorized`` unless ``caller`` may do ``action``."""
        assert action in ACTIONS, action
        # PERF: oslo.policy looks for the policy file on every check (about 50 us of the
        # 80 us a check costs); here it looks every RELOAD_SECONDS, and an open action the
        # file leaves alone keeps its open default, so there is nothing to evaluate.
        now = time.monotonic()
        if now >= self._next_load:
            self._enforcer.load_rules()
            self._next_load = now + RELOAD_SECONDS
        if action not in self._enforcer.file_rules and action not in _GUARDED:
            return
        credentials = {"project_id": caller.project, "roles": list(caller.roles)}
        target = {"project_id": caller.project}
        if not self._enforcer.enforce(action, target, credentials):
            raise NotAuthorized("You are not authorized to complete this action.")
