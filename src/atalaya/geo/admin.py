from django.contrib import admin

from atalaya.core.admin_mixins import ScopedAdminMixin

from .models import Country, Municipality, Population, Territory


class PopulationInline(admin.TabularInline):
    model = Population
    fields = ["territory", "year", "value", "source"]
    extra = 0


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]


@admin.register(Municipality)
class MunicipalityAdmin(ScopedAdminMixin, admin.ModelAdmin):
    municipality_lookup = "pk"
    list_display = ["code", "name", "region", "country", "is_synthetic"]
    list_filter = ["country", "is_synthetic"]
    search_fields = ["code", "name"]
    inlines = [PopulationInline]

    def get_queryset(self, request):
        queryset = admin.ModelAdmin.get_queryset(self, request)
        return queryset if request.user.is_superuser else queryset.visible_to(request.user)


@admin.register(Territory)
class TerritoryAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent", "municipality"]
    list_filter = ["municipality", "level"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]


@admin.register(Population)
class PopulationAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["municipality", "territory", "year", "value", "source"]
    list_filter = ["municipality", "year"]
    raw_id_fields = ["territory"]
