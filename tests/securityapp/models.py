from django.db import models

from atalaya.core.fields import EncryptedTextField


class IdentityRecord(models.Model):
    """Shaped like the case module's identity record: names and national id encrypted, a blind index to find."""

    code = models.CharField(max_length=20)
    full_name = EncryptedTextField(blank=True)
    national_id = EncryptedTextField(blank=True, null=True)
    national_id_index = models.CharField(max_length=64, blank=True, db_index=True)

    def __str__(self) -> str:
        return self.code
