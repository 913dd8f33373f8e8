"""The crosswalks are edited here: mapping a discovered category, correcting an ICCS code, tuning a harm weight."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Catalogue, Crosswalk, CrosswalkEntry, Family, IccsClass, SourceCategory


@admin.register(Family)
class FamilyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "order"]
    list_editable = ["order"]


@admin.register(IccsClass)
class IccsClassAdmin(admin.ModelAdmin):
    list_display = ["code", "name_es", "name"]
    search_fields = ["code", "name", "name_es"]


@admin.register(Catalogue)
class CatalogueAdmin(admin.ModelAdmin):
    list_display = ["source", "version", "name", "preference"]


class UnmappedFilter(admin.SimpleListFilter):
    title = _("mapeo")
    parameter_name = "mapeo"

    def lookups(self, request, model_admin):
        return [("sin", _("Sin mapeo en la tabla activa"))]

    def queryset(self, request, queryset):
        if self.value() == "sin":
            return queryset.exclude(mappings__crosswalk__is_active=True)
        return queryset


@admin.register(SourceCategory)
class SourceCategoryAdmin(admin.ModelAdmin):
    list_display = ["path", "catalogue", "discovered"]
    list_filter = ["catalogue", "discovered", UnmappedFilter]
    search_fields = ["path", "code"]
    raw_id_fields = ["parent"]
    readonly_fields = ["key"]


class CrosswalkEntryInline(admin.TabularInline):
    model = CrosswalkEntry
    fields = ["source_category", "iccs", "family", "harm_weight", "notes"]
    raw_id_fields = ["source_category"]
    extra = 0


@admin.register(Crosswalk)
class CrosswalkAdmin(admin.ModelAdmin):
    list_display = ["catalogue", "version", "is_active", "created_at"]
    list_filter = ["catalogue", "is_active"]
    inlines = [CrosswalkEntryInline]


@admin.register(CrosswalkEntry)
class CrosswalkEntryAdmin(admin.ModelAdmin):
    list_display = ["category", "iccs", "family", "harm_weight", "crosswalk"]
    list_display_links = ["category"]
    list_editable = ["iccs", "family", "harm_weight"]
    list_filter = ["crosswalk__catalogue", "family", "crosswalk__is_active"]
    search_fields = ["source_category__path", "iccs__code"]
    raw_id_fields = ["source_category"]

    @admin.display(description=_("categoría de origen"), ordering="source_category__path")
    def category(self, obj):
        return obj.source_category.path  # plain text wraps; the FK column would not
