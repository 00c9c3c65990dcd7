"""All operations over one storage driver, as transports use them."""

from __future__ import annotations

from oslo_config import cfg

from zaqar.api.claims import Claims
from zaqar.api.messages import Messages
from zaqar.api.pools import Pools
from zaqar.api.queues import Queues
from zaqar.api.validation import Limits
from zaqar.conf import default
from zaqar.storage import base


class Service:
    def __init__(self, conf: cfg.ConfigOpts, storage: base.DataDriver) -> None:
        self.limits = Limits.from_conf(conf)
        self.storage = storage
        self.queues = Queues(storage, self.limits)
        self.messages = Messages(storage, self.limits)
        self.claims = Claims(storage, self.limits)
        #: The pools admin operations, with ``pooling`` only (there are no pools without it).
        self.pools: Pools | None = Pools(conf, storage) if conf[default.GROUP].pooling else None

    def is_alive(self) -> bool:
        return self.storage.is_alive()
