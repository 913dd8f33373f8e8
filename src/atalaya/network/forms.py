from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from atalaya.accounts.services import import_municipalities

from .choices import Design, PracticeStatus, Rating
from .models import Practice, PracticeOutcome


class PracticeForm(forms.ModelForm):
    class Meta:
        model = Practice
        fields = [
            "municipality",
            "code",
            "title",
            "summary",
            "problem",
            "target_group",
            "mechanism",
            "context",
            "implementation",
            "cost",
            "contacts",
            "effect",
            "effect_quality",
            "mechanism_quality",
            "moderators",
            "moderators_quality",
            "implementation_quality",
            "economic_quality",
            "starting_point",
            "initial_questions",
            "process_recovery",
            "critical_reflection",
            "arrival_points",
            "dissemination_ready",
        ]
        widgets = {
            name: forms.Textarea(attrs={"rows": 3})
            for name in (
                "summary",
                "problem",
                "target_group",
                "mechanism",
                "context",
                "implementation",
                "cost",
                "contacts",
                "effect",
                "moderators",
                "starting_point",
                "initial_questions",
                "process_recovery",
                "critical_reflection",
                "arrival_points",
            )
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = import_municipalities(user)
        if self.instance.pk:
            self.fields["municipality"].disabled = True


class OutcomeForm(forms.ModelForm):
    class Meta:
        model = PracticeOutcome
        fields = ["outcome", "design", "studies", "evidence"]
        widgets = {"evidence": forms.Textarea(attrs={"rows": 2})}


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Buscar"), required=False, max_length=200)
    calificacion = forms.ChoiceField(label=_("Calificación"), required=False, choices=[("", "—"), *Rating.choices])
    diseno = forms.ChoiceField(label=_("Diseño"), required=False, choices=[("", "—"), *Design.choices])
    estado = forms.ChoiceField(label=_("Estado"), required=False, choices=[("", "—"), *PracticeStatus.choices])


class AssignForm(forms.Form):
    reviewers = forms.ModelMultipleChoiceField(label=_("Revisores"), queryset=get_user_model().objects.none())

    def __init__(self, *args, practice, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewers"].queryset = (
            get_user_model().objects.filter(is_active=True).exclude(memberships__municipality=practice.municipality)
        )
