"""How message bodies are kept at rest: checksums ([DEFAULT]) and encrypted queues
([transport], where the original reads them, so its configuration files keep working)."""

from __future__ import annotations

from oslo_config import cfg

from zaqar.conf import default, transport

enable_checksum = cfg.BoolOpt(
    "enable_checksum",
    default=False,
    help="Give each posted message a checksum of its body (MD5, as the original computes "
    "it), kept with the message and shown by API v1.1 and v2 as its 'checksum'.",
)

message_encryption_algorithms = cfg.StrOpt(
    "message_encryption_algorithms",
    default="AES256",
    choices=[("AES256", "AES-256 in GCM mode, which also detects tampering")],
    help="How the bodies of queues with '_enable_encrypt_messages' are encrypted at rest.",
)

message_encryption_key = cfg.StrOpt(
    "message_encryption_key",
    secret=True,
    help="The secret the AES-256 key is derived from (SHA-256 of its UTF-8 text); every API "
    "node of a deployment needs the same one. Without it, queues cannot turn on "
    "'_enable_encrypt_messages'. Use a long random string; a message encrypted under a key "
    "that is later changed is shown as it is stored (encrypted).",
)


def list_opts() -> dict[str, list[cfg.Opt]]:
    return {
        default.GROUP: [enable_checksum],
        transport.GROUP: [message_encryption_algorithms, message_encryption_key],
    }
