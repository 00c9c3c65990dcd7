"""[trustee]: the keystone user that ``trust+`` subscriptions trust (the original's group).

Subscribing a ``trust+http(s)`` subscriber under keystone creates a trust from the caller to
this user; the notifiers deliver with a token of that trust. The options are keystoneauth's
(``auth_type = password``, ``auth_url``, ``username``, ``password``,
``user_domain_name``, ...), as the original reads them. Without ``auth_type`` no trust is made
and ``trust+`` subscribers are refused.
"""

from __future__ import annotations

import copy

from keystoneauth1 import loading
from oslo_config import cfg

GROUP = "trustee"


def _optional(opt: cfg.Opt) -> cfg.Opt:
    # keystoneauth marks auth_url required; a server without trust+ subscribers needs none.
    found = copy.deepcopy(opt)
    found.required = False
    return found


ALL_OPTS: list[cfg.Opt] = [
    *loading.get_auth_common_conf_options(),
    *map(_optional, loading.get_auth_plugin_conf_options("password")),
]


def list_opts() -> dict[str, list[cfg.Opt]]:
    return {GROUP: ALL_OPTS}
