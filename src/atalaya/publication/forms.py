from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _


class MonthField(forms.DateField):
    """A month written ``AAAA-MM`` (the browser's month picker), as its first day."""

    widget = forms.DateInput(attrs={"type": "month"})
    input_formats = ["%Y-%m"]

    def to_python(self, value):
        day = super().to_python(value)
        return day.replace(day=1) if isinstance(day, dt.date) else day


class DiagnosisForm(forms.Form):
    start = MonthField(label=_("Desde (mes)"))
    end = MonthField(label=_("Hasta (mes)"))

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                raise forms.ValidationError(_("El periodo termina antes de empezar."))
            if (end.year - start.year) * 12 + end.month - start.month > 119:
                raise forms.ValidationError(_("El periodo admite hasta 10 años."))
        return data


class BulletinForm(forms.Form):
    month = MonthField(label=_("Mes"))
