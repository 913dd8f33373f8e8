from django.contrib import admin

from atalaya.core.admin_mixins import ReadOnlyAdminMixin, ScopedAdminMixin

from .models import SurveyDataset, SurveyMapping


@admin.register(SurveyMapping)
class SurveyMappingAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "municipality", "domain_code")


@admin.register(SurveyDataset)
class SurveyDatasetAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("name", "municipality", "kind", "rows", "city_code", "created_at")
