"""Keystone trusts for ``trust+http(s)`` subscribers (the original's ``TrustTask``).

Subscribing one under keystone makes a trust from the caller to the ``[trustee]`` user:
impersonating, scoped to the caller's project, with the caller's roles, until the
subscription expires; its id is kept in the subscription's ``options.trust_id``. Each
delivery then goes to the URI without ``trust+``, with a token of that trust as
``X-Auth-Token``, so the receiver can act in the subscriber's project as the subscriber (Heat
and Mistral use this to be called back by a queue).

A trust's token is kept until keystone says it expires (keystoneauth renews it), for the
last ``MAX_TRUSTS`` trusts delivered to; getting one runs in a thread, off the event loop.
"""

from __future__ import annotations

import asyncio
import collections
import datetime
import threading
from collections.abc import Mapping
from typing import Any

from keystoneauth1 import exceptions as ks_exceptions
from keystoneauth1 import loading as ks_loading
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3
from oslo_config import cfg

from zaqar.api.context import Caller
from zaqar.api.errors import NotAuthorized, ValidationFailed
from zaqar.api.subscriptions import TRUST_PREFIX
from zaqar.conf import notification as notification_opts
from zaqar.conf import trustee
from zaqar.notification import senders
from zaqar.storage import errors as storage_errors

#: Trusts whose token plugin is kept (each holds a token until it expires).
MAX_TRUSTS = 1000


def configured(conf: cfg.ConfigOpts) -> bool:
    """Whether ``[trustee]`` names a user (``auth_type``, which must be ``password``)."""
    return bool(conf[trustee.GROUP].auth_type)


class Trusts:
    """Makes trusts (the API's ``TrustIssuer``) and gets their tokens (the notifier's)."""

    def __init__(self, conf: cfg.ConfigOpts) -> None:
        self._conf = conf
        self._timeout = conf[notification_opts.GROUP].request_timeout
        self._plugins: collections.OrderedDict[str, Any] = collections.OrderedDict()
        self._lock = threading.Lock()
        # One HTTP session for every keystone call (its connections are kept alive).
        self._session = ks_session.Session(timeout=self._timeout)
        #: The trustee's user id, asked of keystone once.
        self._trustee_id: str | None = None

    def _trustee(self, **scope: Any) -> Any:
        """The trustee's keystoneauth plugin (``scope``: ``trust_id=...``), from the
        options of ``[trustee]`` (registered once, with the password plugin's)."""
        group = self._conf[trustee.GROUP]
        loader: Any = ks_loading.get_plugin_loader(group.auth_type)
        given = {opt.dest: group[opt.dest] for opt in loader.get_options()}
        return loader.load_from_options(**(given | scope))

    def _identity_url(self) -> str:
        url = str(self._conf[trustee.GROUP].auth_url or "").rstrip("/")
        return url if url.endswith("/v3") else url + "/v3"

    # -- at subscribe time (the API) ------------------------------------------------------

    def issue(self, caller: Caller, ttl: int) -> str:
        """A trust from ``caller`` to the trustee for ``ttl`` seconds; its id."""
        if caller.user_id is None or caller.token is None:
            raise ValidationFailed(
                "A trust+ subscriber needs a keystone token: this request has none."
            )
        session = self._session
        try:
            if self._trustee_id is None:
                self._trustee_id = str(self._trustee().get_user_id(session))
            expires = _expiry(ttl)
            answer = session.post(
                self._identity_url() + "/OS-TRUST/trusts",
                json={
                    "trust": {
                        "trustor_user_id": caller.user_id,
                        "trustee_user_id": self._trustee_id,
                        "project_id": caller.project,
                        "impersonation": True,
                        "roles": [{"name": role} for role in caller.roles],
                        "expires_at": expires,
                    }
                },
                auth=v3.Token(self._identity_url(), caller.token, project_id=caller.project),
            )
        except (ks_exceptions.Unauthorized, ks_exceptions.Forbidden) as error:
            raise NotAuthorized(f"Keystone refused to make the trust: {error}") from error
        except ks_exceptions.ClientException as error:
            # Keystone did not answer: 503, as for a store that does not.
            raise storage_errors.ServiceUnavailable(f"no trust made: {error}") from error
        return str(answer.json()["trust"]["id"])

    # -- at delivery time (the notifier) --------------------------------------------------

    def token(self, trust_id: str) -> str:
        """A token of the trust (kept until it expires); keystoneauth errors pass through."""
        with self._lock:
            plugin = self._plugins.get(trust_id)
            if plugin is None:
                plugin = self._plugins[trust_id] = self._trustee(trust_id=trust_id)
                while len(self._plugins) > MAX_TRUSTS:
                    self._plugins.popitem(last=False)
            else:
                self._plugins.move_to_end(trust_id)
        return str(plugin.get_token(self._session))


def _expiry(ttl: int) -> str | None:
    """When a trust for a subscription of ``ttl`` seconds expires (keystone's format), or
    None when that is past what a date can say (Heat asks for about 7000 years)."""
    try:
        moment = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=ttl)
    except OverflowError:
        return None
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class TrustWebhooks:
    """``trust+http(s)`` subscribers: a webhook to the URI without ``trust+``, with a token
    of the subscription's trust."""

    def __init__(self, webhooks: senders.Webhooks, trusts: Trusts) -> None:
        self._webhooks = webhooks
        self._trusts = trusts

    async def send(
        self,
        subscriber: str,
        message: Mapping[str, Any],
        options: Mapping[str, Any],
        secret: str | None = None,
    ) -> senders.Outcome:
        trust_id = options.get("trust_id")
        if not isinstance(trust_id, str) or not trust_id:
            return senders.Outcome(False, error="the subscription has no trust_id")
        try:
            token = await asyncio.to_thread(self._trusts.token, trust_id)
        except (ks_exceptions.Unauthorized, ks_exceptions.Forbidden, ks_exceptions.NotFound):
            return senders.Outcome(False, error="keystone refused a token for the trust")
        except ks_exceptions.ClientException as error:
            return senders.Outcome(False, retryable=True, error=f"no token for the trust: {error}")
        headers = dict(options.get("post_headers") or {})
        headers["X-Auth-Token"] = token
        target = subscriber[len(TRUST_PREFIX) :]
        return await self._webhooks.send(
            target, message, {**options, "post_headers": headers}, secret
        )
