"""Form pieces shared by every app: the municipality that owns what a form saves."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .services import import_municipalities


class MunicipalityOwnedForm:
    """ModelForm mixin for objects that belong to a municipality or, left empty by a superuser, to everyone.

    An analyst chooses among the municipalities they work for (their only one is taken when they have one); only
    a superuser may leave it empty. The form needs ``user=`` and a ``municipality`` field.
    """

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.sharing_allowed = user is None or user.is_superuser
        self.fields["municipality"].queryset = import_municipalities(user)
        if not self.sharing_allowed:
            self.fields["municipality"].empty_label = None

    def clean_municipality(self):
        chosen = self.cleaned_data.get("municipality")
        if chosen is None and not self.sharing_allowed:
            only = list(self.fields["municipality"].queryset[:2])
            if len(only) != 1:
                raise forms.ValidationError(_("Elija el municipio."))
            chosen = only[0]
        return chosen
