from django.contrib import admin

from atalaya.core.admin_mixins import ReadOnlyAdminMixin, ScopedAdminMixin

from .models import ColumnMapping, Dataset, ImportJob


@admin.register(Dataset)
class DatasetAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Provenance is a record, not a draft: datasets are read-only here."""

    municipality_lookup = "municipalities"
    list_display = ["pk", "format", "source", "file_name", "status", "rows_accepted", "rows_rejected", "created_at"]
    list_filter = ["status", "format", "source"]
    search_fields = ["file_name", "file_sha256"]


@admin.register(ColumnMapping)
class ColumnMappingAdmin(admin.ModelAdmin):
    list_display = ["name", "description", "updated_at"]
    search_fields = ["name"]


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["pk", "format", "file_name", "status", "progress", "created_by", "created_at"]
    list_filter = ["status"]
    readonly_fields = ["result"]
