"""Model fields whose values are stored encrypted (see :mod:`atalaya.core.crypto`).

The database only ever holds ``enc:v1:…`` text; Python code sees the plaintext. Encrypted columns cannot be
filtered or ordered by value (every encryption differs): search goes through a blind-index column.
"""

from __future__ import annotations

from django.db import models

from . import crypto


class EncryptedTextField(models.TextField):
    """Text encrypted with AES-GCM, bound to its model and field name; ``None`` and ``""`` are kept as they are."""

    description = "Texto cifrado (AES-GCM)"

    @property
    def crypto_context(self) -> str:
        return f"{self.model._meta.label_lower}.{self.name}"

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(str(value), self.crypto_context)

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return crypto.decrypt(value, self.crypto_context)

    def get_lookup(self, lookup_name):
        if lookup_name not in ("isnull",):  # an equality on ciphertext never matches: say so instead
            return None
        return super().get_lookup(lookup_name)


def encrypted_fields() -> list[EncryptedTextField]:
    """Every encrypted field of every installed model (what a key rotation re-encrypts)."""
    from django.apps import apps

    return [
        field
        for model in apps.get_models()
        if not (model._meta.abstract or model._meta.proxy)
        for field in model._meta.local_fields
        if isinstance(field, EncryptedTextField)
    ]
