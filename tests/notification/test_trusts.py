"""``trust+http(s)`` delivery without keystone at hand: what a trust subscriber gets when
its trust cannot give a token. The whole flow (the trust made at subscribe time, the
delivery with its token) runs against a real keystone in ``tools/keystone_flow.py``."""

from __future__ import annotations

import asyncio
from pathlib import Path

import zaqar.conf
from tests.backends import BY_NAME
from zaqar.notification import senders, trusts

from .subscribers import endpoints


def _trusts(tmp_path: Path) -> trusts.Trusts:
    conf = zaqar.conf.load([], default_config_files=[])
    BY_NAME["sqlite"].prepare(conf, tmp_path)
    for name, value in {
        "auth_type": "password",
        "auth_url": "http://127.0.0.1:9/identity/v3",  # nothing answers there
        "username": "zaqar",
        "password": "secret",
        "user_domain_name": "Default",
    }.items():
        conf.set_override(name, value, group="trustee")
    assert trusts.configured(conf)
    return trusts.Trusts(conf)


def test_a_trust_subscriber_without_a_trust_id_is_refused_for_good(tmp_path: Path) -> None:
    async def send() -> senders.Outcome:
        sender = trusts.TrustWebhooks(senders.Webhooks(1.0), _trusts(tmp_path))
        return await sender.send("trust+http://127.0.0.1:9/hook", {"body": 1}, {})

    outcome = asyncio.run(send())
    assert outcome == senders.Outcome(False, error="the subscription has no trust_id")


def test_an_unreachable_keystone_is_tried_again_and_the_subscriber_not_called(
    tmp_path: Path,
) -> None:
    with endpoints() as (url, seen):

        async def send() -> senders.Outcome:
            webhooks = senders.Webhooks(1.0)
            try:
                sender = trusts.TrustWebhooks(webhooks, _trusts(tmp_path))
                return await sender.send(f"trust+{url}/fast", {"body": 1}, {"trust_id": "t1"})
            finally:
                await webhooks.close()

        outcome = asyncio.run(send())
    assert not outcome.delivered and outcome.retryable
    assert outcome.error is not None and outcome.error.startswith("no token for the trust")
    assert seen["fast"].received == []
