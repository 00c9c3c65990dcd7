"""All operations over one storage driver, as transports use them."""

from __future__ import annotations

from oslo_config import cfg

from zaqar.api.bodies import Bodies
from zaqar.api.claims import Claims
from zaqar.api.context import Guard, Policy, anyone
from zaqar.api.flavors import Flavors
from zaqar.api.health import Health
from zaqar.api.messages import Messages
from zaqar.api.policies import Authorizer
from zaqar.api.pools import Pools
from zaqar.api.queues import Queues
from zaqar.api.shares import Shares
from zaqar.api.subscriptions import ConfirmationRequests, Subscriptions, TrustIssuer
from zaqar.api.validation import Limits
from zaqar.conf import default, signed_url
from zaqar.core import spaces
from zaqar.storage import base


class Operations:
    """The queue, message, claim and subscription operations under one API version's
    policy, in one name space: the queues, or the topics (``zaqar.core.spaces``)."""

    def __init__(
        self,
        storage: base.DataDriver,
        limits: Limits,
        policy: Policy,
        authorizer: Authorizer,
        bodies: Bodies,
        pools: Pools | None = None,
        secret_key: str | None = None,
        confirmations: ConfirmationRequests | None = None,
        space: spaces.Space = spaces.QUEUES,
        trusts: TrustIssuer | None = None,
    ) -> None:
        self.policy = policy
        self.limits = limits
        self.space = space
        guard: Guard = authorizer.check if policy.checks_rules else anyone
        self.queues = Queues(storage, limits, policy, guard, bodies, space)
        self.messages = Messages(storage, limits, policy, guard, bodies, space)
        self.claims = Claims(storage, limits, policy, guard, bodies, space)
        self.subscriptions = Subscriptions(
            storage, limits, policy, guard, confirmations, space, trusts
        )
        self.shares = Shares(limits, policy, guard, secret_key)
        self.health = Health(storage, limits, policy, guard)
        #: The pools admin operations (with ``pooling`` only), checking the version's rules.
        self.pools = pools.under(policy, guard) if pools is not None else None
        #: The flavors admin operations (v2, with ``pooling`` only).
        self.flavors = Flavors(storage, guard) if pools is not None else None


class Service:
    def __init__(
        self,
        conf: cfg.ConfigOpts,
        storage: base.DataDriver,
        confirmations: ConfirmationRequests | None = None,
        trusts: TrustIssuer | None = None,
    ) -> None:
        self.limits = Limits.from_conf(conf)
        self.storage = storage
        #: The admin routes are served (detailed health; pools and flavors with pooling).
        self.admin_mode: bool = conf[default.GROUP].admin_mode
        #: The pools admin operations, with ``pooling`` only (there are no pools without it).
        self.pools: Pools | None = Pools(conf, storage) if conf[default.GROUP].pooling else None
        self._authorizer = Authorizer(conf)
        self._bodies = Bodies(conf)
        #: The key of pre-signed URLs ([signed_url] secret_key), None when there is none.
        self.secret_key: str | None = conf[signed_url.GROUP].secret_key
        #: Who asks subscribers to confirm (with ``require_confirmation`` only).
        self.confirmations = confirmations
        #: Who makes ``trust+`` subscribers' trusts (with a ``[trustee]`` only).
        self.trusts = trusts
        self._versions: dict[tuple[Policy, spaces.Space], Operations] = {}

    def under(self, policy: Policy, space: spaces.Space = spaces.QUEUES) -> Operations:
        """The operations as API version ``policy`` reads requests, on the queues or the
        topics."""
        operations = self._versions.get((policy, space))
        if operations is None:
            operations = self._versions[(policy, space)] = Operations(
                self.storage,
                self.limits,
                policy,
                self._authorizer,
                self._bodies,
                self.pools,
                self.secret_key,
                self.confirmations,
                space,
                self.trusts,
            )
        return operations

    def is_alive(self) -> bool:
        return self.storage.is_alive()
