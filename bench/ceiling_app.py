"""The ceiling: a Falcon app with Zaqar's v1 routes whose responders do nothing.

``bench/compare`` serves it under each HTTP server it runs ours under, with the same settings
(gunicorn with our worker class and threads; granian's WSGI interface), and runs the same wrk
scripts against it. Whatever rate it reaches is the most any Falcon app could reach on this
machine under that server with these workers and this load generator, so each server's figure
is also shown as a fraction of the ceiling under the same server.

    gunicorn -w 4 -k zaqar.transport.wsgi.servers.gunicorn_server.EdgeWorker --threads 4 \
        --chdir bench ceiling_app:app
    granian --interface wsgi --http 1 --no-ws --workers 4 --host 127.0.0.1 --port 8893 \
        --working-dir bench ceiling_app:app
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
