from django.db import models

from atalaya.core.fields import EncryptedTextField
from atalaya.core.scoping import ScopedQuerySet


class IdentityRecord(models.Model):
    """Shaped like the case module's identity record: names and national id encrypted, a blind index to find."""

    code = models.CharField(max_length=20)
    full_name = EncryptedTextField(blank=True)
    national_id = EncryptedTextField(blank=True, null=True)
    national_id_index = models.CharField(max_length=64, blank=True, db_index=True)

    def __str__(self) -> str:
        return self.code


class CaseNote(models.Model):
    """Shaped like a case module's record: personal, of one municipality; the generic views' test subject."""

    municipality = models.ForeignKey("geo.Municipality", on_delete=models.CASCADE)
    created_by = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL)
    text = models.CharField(max_length=200)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.text
