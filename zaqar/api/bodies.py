"""How message bodies are kept at rest, written once for every driver and version.

- **Checksums** (``enable_checksum``): a posted message gets ``"MD5:<hex>"`` of its body as
  JSON text, as the original computes it, so a reader can check the body it got is the one
  that was posted. It is taken over the body as posted, before any encryption.
- **Encrypted queues** (``_enable_encrypt_messages``, carried out by v2 posts): each body is
  stored as an envelope, ``{ENVELOPE_KEY: "AES256-GCM:<base64 nonce + ciphertext>"}``, bound
  to the project (GCM's associated data), so a body copied into another project's store does
  not open. Reads open envelopes in every version, whatever the queue's setting is now: a
  message stays readable after the setting is turned off, and a message moved to a
  dead-letter queue or another pool moves sealed. A body that merely looks like an envelope
  (a client may post anything) fails authentication and is shown as it was posted.

The original encrypts with AES-CBC and serialises bodies with pickle; GCM detects tampering,
and JSON keeps a body what it was.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import json
import logging
import os
from collections.abc import Sequence
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from oslo_config import cfg

from zaqar.api.errors import NotCarriedOut
from zaqar.conf import default, transport
from zaqar.storage import base

LOG = logging.getLogger(__name__)

#: The one key of an encrypted body's envelope.
ENVELOPE_KEY = "zaqar_encrypted_body"
_SCHEME = "AES256-GCM:"
_NONCE_BYTES = 12

ENCRYPTION_SETTING = "_enable_encrypt_messages"
NO_KEY = (
    "This server keeps no message encryption key, so it cannot encrypt a queue's messages; "
    "its operator can set [transport] message_encryption_key."
)


def checksum(body: Any) -> str:
    """The original's checksum of a body: MD5 of its JSON text (Python's default spacing)."""
    text = json.dumps(body).encode("utf-8")
    return "MD5:" + hashlib.md5(text, usedforsecurity=False).hexdigest()


class Bodies:
    def __init__(self, conf: cfg.ConfigOpts) -> None:
        self.checksums: bool = conf[default.GROUP].enable_checksum
        secret = conf[transport.GROUP].message_encryption_key
        # Never logged: oslo.config masks the option (secret=True) and nothing here prints it.
        self._cipher = AESGCM(hashlib.sha256(secret.encode("utf-8")).digest()) if secret else None

    def check_settings(self, metadata: dict[str, Any]) -> None:
        """Queue settings asking for encryption need a key."""
        if metadata.get(ENCRYPTION_SETTING) and self._cipher is None:
            raise NotCarriedOut(NO_KEY)

    def kept(
        self, batch: Sequence[base.NewMessage], settings: dict[str, Any], project: str | None
    ) -> list[base.NewMessage]:
        """The batch as it is to be stored: checksummed, and sealed if the queue asks."""
        encrypt = bool(settings.get(ENCRYPTION_SETTING))
        if not (self.checksums or encrypt):
            return list(batch)
        if encrypt and self._cipher is None:
            raise NotCarriedOut(NO_KEY)
        kept = []
        for message in batch:
            changes: dict[str, Any] = {}
            if self.checksums:
                changes["checksum"] = checksum(message.body)
            if encrypt:
                changes["body"] = self._seal(message.body, project)
            kept.append(dataclasses.replace(message, **changes))
        return kept

    def opened(self, messages: list[base.Message], project: str | None) -> list[base.Message]:
        """``messages`` with sealed bodies opened (the list itself when none is sealed)."""
        # PERF: one dict check per message on every read; opening only what is sealed.
        if not any(_is_envelope(message.body) for message in messages):
            return messages
        return [self.opened_one(message, project) for message in messages]

    def opened_one(self, message: base.Message, project: str | None) -> base.Message:
        if not _is_envelope(message.body):
            return message
        opened = self._open(message.body[ENVELOPE_KEY], project)
        if opened is _NOT_OURS:
            return message
        return dataclasses.replace(message, body=opened)

    def _seal(self, body: Any, project: str | None) -> dict[str, str]:
        assert self._cipher is not None
        nonce = os.urandom(_NONCE_BYTES)
        plain = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        sealed = self._cipher.encrypt(nonce, plain, _bound_to(project))
        return {ENVELOPE_KEY: _SCHEME + base64.b64encode(nonce + sealed).decode("ascii")}

    def _open(self, text: Any, project: str | None) -> Any:
        if self._cipher is None or not isinstance(text, str) or not text.startswith(_SCHEME):
            return _NOT_OURS
        try:
            raw = base64.b64decode(text[len(_SCHEME) :], validate=True)
            plain = self._cipher.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], _bound_to(project))
        except (binascii.Error, ValueError, InvalidTag):
            # Posted by a client as it is, or sealed under another key or project.
            LOG.warning("A message body shaped like an encrypted one did not open; shown as kept")
            return _NOT_OURS
        return json.loads(plain)


_NOT_OURS = object()


def _is_envelope(body: Any) -> bool:
    return type(body) is dict and len(body) == 1 and ENVELOPE_KEY in body


def _bound_to(project: str | None) -> bytes:
    return b"zaqar-message-body\x00" + (project or "").encode("utf-8")
