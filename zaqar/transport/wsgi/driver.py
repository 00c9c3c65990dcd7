"""The WSGI transport driver: builds the Falcon app over the API operations."""

from __future__ import annotations

from typing import Any

import falcon
from oslo_config import cfg

from zaqar.api.service import Service
from zaqar.storage import base
from zaqar.transport.wsgi import errors, middleware, v1, versions


def build_app(service: Service) -> falcon.App[falcon.Request, falcon.Response]:
    components: list[Any] = [middleware.AccessLog(), middleware.RequestChecks()]
    app = falcon.App(middleware=components)
    app.req_options.auto_parse_qs_csv = True
    app.req_options.keep_blank_qs_values = False
    app.req_options.strip_url_path_trailing_slash = False
    app.add_route("/", versions.Versions())
    for path, resource in v1.routes(service):
        app.add_route(path, resource)
    errors.install(app)
    return app


class Driver:
    def __init__(
        self, conf: cfg.ConfigOpts, storage: base.DataDriver, control: base.ControlDriver
    ) -> None:
        self.conf = conf
        self.service = Service(conf, storage)
        self.app = build_app(self.service)
