"""Field encryption for identifying data: AES-256-GCM with keys from the environment, and keyed blind indexes.

A stored value looks like ``enc:v1:<key id>:<base64(nonce ‖ ciphertext ‖ tag)>``. The key id travels with the
value, so keys can be rotated (:func:`reencrypt`, ``atalaya keys rotate``) while old values stay readable. The
model and field name are bound as associated data: a value copied into another column does not decrypt.

Exact-match search on an encrypted field (a RUT, a CURP) uses a blind index: HMAC-SHA256 of the normalised value
under a separate key, stored beside the ciphertext. It reveals equality, nothing else.

Keys: ``ATALAYA_FIELD_KEYS`` = ``id1:base64key,id2:base64key`` (32-byte keys; the first encrypts, all decrypt)
and ``ATALAYA_BLIND_INDEX_KEY`` = ``base64key``. Production refuses to start without them; elsewhere (a laptop,
the demo, the tests) a key file is created once in the data directory, never in the repository.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "enc:v1:"
NONCE_BYTES = 12


class DecryptionError(ValueError):
    """The value was tampered with, belongs to another field, or its key is not configured."""


@dataclass(frozen=True)
class KeyRing:
    current: str  # key id that encrypts
    keys: dict[str, bytes]  # every key id that decrypts
    blind_index_key: bytes


def _decode_key(text: str, name: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}: la clave no está en base64.") from exc
    if len(key) != 32:
        raise ImproperlyConfigured(f"{name}: cada clave debe tener 32 bytes (256 bits); tiene {len(key)}.")
    return key


def parse_keys(field_keys: str, blind_index_key: str) -> KeyRing:
    """``id:base64,id:base64`` and a base64 key → a key ring (the first id encrypts)."""
    keys: dict[str, bytes] = {}
    order: list[str] = []
    for item in filter(None, (part.strip() for part in field_keys.split(","))):
        key_id, _, material = item.partition(":")
        if not key_id or not material or not key_id.isalnum():
            raise ImproperlyConfigured("ATALAYA_FIELD_KEYS: use «id:clave_base64», separadas por comas.")
        if key_id in keys:
            raise ImproperlyConfigured(f"ATALAYA_FIELD_KEYS: la clave «{key_id}» aparece dos veces.")
        keys[key_id] = _decode_key(material, "ATALAYA_FIELD_KEYS")
        order.append(key_id)
    if not order:
        raise ImproperlyConfigured("ATALAYA_FIELD_KEYS no tiene ninguna clave.")
    return KeyRing(current=order[0], keys=keys, blind_index_key=_decode_key(blind_index_key, "ATALAYA_BLIND_INDEX_KEY"))


def _local_key_file() -> Path:
    return Path(settings.DATA_DIR) / "claves-de-campos.json"


def _local_keys() -> tuple[str, str]:
    """Keys kept in the data directory for a machine without configured keys (created once, mode 0600)."""
    path = _local_key_file()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        material = {
            "field_keys": "local1:" + base64.b64encode(secrets.token_bytes(32)).decode(),
            "blind_index_key": base64.b64encode(secrets.token_bytes(32)).decode(),
        }
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            json.dump(material, handle)
    data = json.loads(path.read_text())
    return data["field_keys"], data["blind_index_key"]


@lru_cache(maxsize=1)
def key_ring() -> KeyRing:
    field_keys = getattr(settings, "ATALAYA_FIELD_KEYS", "") or ""
    blind = getattr(settings, "ATALAYA_BLIND_INDEX_KEY", "") or ""
    if not field_keys or not blind:
        if getattr(settings, "ATALAYA_REQUIRE_CONFIGURED_KEYS", False):
            raise ImproperlyConfigured(
                "Defina ATALAYA_FIELD_KEYS y ATALAYA_BLIND_INDEX_KEY (claves de 32 bytes en base64)."
            )
        field_keys, blind = _local_keys()
    return parse_keys(field_keys, blind)


def reset_key_ring() -> None:
    """Forget the cached keys (after settings change: tests, a rotation)."""
    key_ring.cache_clear()


def encrypt(plaintext: str, context: str, ring: KeyRing | None = None) -> str:
    """Encrypt ``plaintext`` for ``context`` (``app.model.field``) with the current key."""
    ring = ring or key_ring()
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = AESGCM(ring.keys[ring.current]).encrypt(nonce, plaintext.encode("utf-8"), context.encode("utf-8"))
    return f"{PREFIX}{ring.current}:{base64.urlsafe_b64encode(nonce + sealed).decode('ascii')}"


def key_id_of(token: str) -> str:
    if not token.startswith(PREFIX):
        raise DecryptionError("El valor no está cifrado con el formato de Atalaya.")
    return token[len(PREFIX) :].split(":", 1)[0]


def decrypt(token: str, context: str, ring: KeyRing | None = None) -> str:
    ring = ring or key_ring()
    key_id = key_id_of(token)
    key = ring.keys.get(key_id)
    if key is None:
        raise DecryptionError(f"La clave «{key_id}» de este valor no está configurada.")
    try:
        raw = base64.urlsafe_b64decode(token[len(PREFIX) + len(key_id) + 1 :].encode("ascii"))
        plain = AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode("utf-8"))
    except Exception as exc:  # InvalidTag, bad base64, short value: all mean "not a value of this field"
        raise DecryptionError("No se pudo descifrar el valor (alterado, de otro campo o de otra clave).") from exc
    return plain.decode("utf-8")


def reencrypt(token: str, context: str, ring: KeyRing | None = None) -> str | None:
    """The value under the current key, or ``None`` when it already uses it."""
    ring = ring or key_ring()
    if key_id_of(token) == ring.current:
        return None
    return encrypt(decrypt(token, context, ring), context, ring)


def blind_index(value: str, purpose: str, ring: KeyRing | None = None) -> str:
    """Keyed HMAC-SHA256 of an already normalised value, separated by ``purpose`` (e.g. ``rut``, ``curp``)."""
    ring = ring or key_ring()
    message = f"{purpose}\x00{value}".encode()
    return hmac.new(ring.blind_index_key, message, hashlib.sha256).hexdigest()
