"""The WSGI transport driver: builds the Falcon app over the API operations."""

from __future__ import annotations

from typing import Any

import falcon
from oslo_config import cfg

from zaqar.api.service import Service
from zaqar.api.subscriptions import ConfirmationRequests, TrustIssuer
from zaqar.conf import http_limits
from zaqar.storage import base
from zaqar.transport.wsgi import auth, errors, media, middleware, stack, versions

#: What a body may hold when the caller does not say (the [http] defaults).
DEFAULT_BODY = media.BodyRules(
    max_size=http_limits.max_request_body_size.default,
    max_depth=http_limits.max_json_depth.default,
)


def body_rules(conf: cfg.ConfigOpts) -> media.BodyRules:
    group = conf[http_limits.GROUP]
    return media.BodyRules(max_size=group.max_request_body_size, max_depth=group.max_json_depth)


def build_app(
    service: Service,
    policy: auth.AuthPolicy | None = None,
    body: media.BodyRules = DEFAULT_BODY,
) -> falcon.App[falcon.Request, falcon.Response]:
    """The Falcon app alone (no WSGI layers); ``policy`` defaults to no authentication."""
    policy = policy or auth.AuthPolicy()
    components: list[Any] = [middleware.RequestChecks(policy, service.limits, service.secret_key)]
    app = falcon.App(middleware=components)
    app.req_options.auto_parse_qs_csv = True
    app.req_options.keep_blank_qs_values = False
    app.req_options.strip_url_path_trailing_slash = False
    for path, resource in versions.routes(service, body, policy.admin_mode):
        app.add_route(path, resource)
    errors.install(app)
    return app


class Driver:
    """``app`` is the Falcon app; ``wsgi`` is what a server runs: ``app`` inside the
    layers of ``stack`` (CORS, request id, keystone)."""

    def __init__(
        self,
        conf: cfg.ConfigOpts,
        storage: base.DataDriver,
        control: base.ControlDriver,
        confirmations: ConfirmationRequests | None = None,
        trusts: TrustIssuer | None = None,
    ) -> None:
        self.conf = conf
        self.service = Service(conf, storage, confirmations, trusts)
        self.app = build_app(self.service, auth.AuthPolicy.from_conf(conf), body_rules(conf))
        self.wsgi: stack.WSGIApp = stack.wrap(self.app, conf)
