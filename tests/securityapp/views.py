"""A case-note app built only from the generic views, as a new module would be: the generic views' test subject."""

import django_filters
from rest_framework import serializers

from atalaya.accounts.models import Role
from atalaya.accounts.services import role_in
from atalaya.core.api import ObjectDetailAPIView, ObjectListAPIView
from atalaya.core.generic import ObjectCreateView, ObjectDetailView, ObjectEditView, ObjectListView

from .models import CaseNote


class NoteFilter(django_filters.FilterSet):
    text = django_filters.CharFilter(lookup_expr="icontains")
    municipality = django_filters.CharFilter(field_name="municipality__code")

    class Meta:
        model = CaseNote
        fields: list[str] = []


class NoteSerializer(serializers.ModelSerializer):
    municipality = serializers.CharField(source="municipality.code")
    author = serializers.CharField(source="created_by.username", default="")

    class Meta:
        model = CaseNote
        fields = ["id", "municipality", "author", "text"]


def _writes(user, municipality) -> bool:
    return user.is_superuser or role_in(user, municipality) in {Role.ADMIN, Role.ANALYST}


class NoteList(ObjectListView):
    model = CaseNote
    filterset_class = NoteFilter
    template_name = "securityapp/casenote_list.html"

    def scope_queryset(self, queryset):
        return queryset.select_related("municipality", "created_by")


class NoteDetail(ObjectDetailView):
    model = CaseNote
    template_name = "securityapp/casenote_detail.html"


class NoteCreate(ObjectCreateView):
    model = CaseNote
    fields = ["municipality", "text"]
    template_name = "securityapp/casenote_form.html"
    success_url = "/notas/"

    def may_edit(self, user, obj) -> bool:
        if obj is None:  # may they write in some municipality?
            return user.is_superuser or user.memberships.filter(role__in=[Role.ADMIN, Role.ANALYST]).exists()
        return _writes(user, obj.municipality)


class NoteEdit(ObjectEditView):
    model = CaseNote
    fields = ["text"]
    template_name = "securityapp/casenote_form.html"
    success_url = "/notas/"

    def may_edit(self, user, obj) -> bool:
        return _writes(user, obj.municipality)


class NoteListAPI(ObjectListAPIView):
    model = CaseNote
    serializer_class = NoteSerializer
    filterset_class = NoteFilter

    def scope_queryset(self, queryset):
        return queryset.select_related("municipality", "created_by").order_by("pk")


class NoteDetailAPI(ObjectDetailAPIView):
    model = CaseNote
    serializer_class = NoteSerializer
