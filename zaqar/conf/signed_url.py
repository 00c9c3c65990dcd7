"""[signed_url]: pre-signed URLs (``POST /v2/queues/{q}/share``, the original's group)."""

from __future__ import annotations

from oslo_config import cfg

GROUP = "signed_url"

secret_key = cfg.StrOpt(
    "secret_key",
    secret=True,
    help="The key pre-signed URLs are signed and checked with. Without it no URL can be "
    "shared (400) and every signed request is refused (404). Services that accept each "
    "other's URLs share the key; changing it voids every URL signed before.",
)

ALL_OPTS: list[cfg.Opt] = [secret_key]


def list_opts() -> dict[str, list[cfg.Opt]]:
    return {GROUP: ALL_OPTS}
