"""The ceiling: a Falcon app with Zaqar's v1 routes whose responders do nothing.

``bench/compare`` serves it with the same gunicorn settings as the servers it measures and
runs the same wrk scripts against it. Whatever rate it reaches is the most any Falcon app
could reach on this machine with these workers and this load generator, so each server's
figure is also shown as a fraction of it.

    gunicorn -w 4 -k sync --chdir bench ceiling_app:app
"""

from __future__ import annotations

from typing import Any

import falcon


class Nothing:
    """Every responder returns at once: 200, no body."""

    def on_get(self, req: falcon.Request, resp: falcon.Response, **params: Any) -> None:
        pass

    on_head = on_put = on_post = on_patch = on_delete = on_get


app = application = falcon.App()
_nothing = Nothing()
for _template in (
    "/v1/health",
    "/v1/queues/{queue_name}",
    "/v1/queues/{queue_name}/messages",
    "/v1/queues/{queue_name}/messages/{message_id}",
    "/v1/queues/{queue_name}/claims",
    "/v1/queues/{queue_name}/claims/{claim_id}",
):
    app.add_route(_template, _nothing)
