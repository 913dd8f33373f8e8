from django.contrib import admin

from atalaya.core.admin_mixins import ScopedAdminMixin

from .models import CrimeCost, Programme


@admin.register(Programme)
class ProgrammeAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "municipality", "status", "start", "end")
    list_filter = ("status",)


@admin.register(CrimeCost)
class CrimeCostAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("family", "municipality", "victim", "justice", "prison_years", "currency", "year")
