from django.contrib import admin

from .models import Indicator, Publication


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "unit", "better", "order", "is_builtin"]
    list_editable = ["order"]
    search_fields = ["code", "name"]


@admin.register(Publication)
class PublicationAdmin(admin.ModelAdmin):
    list_display = ["municipality", "indicator", "is_public"]
    list_filter = ["municipality", "is_public"]
