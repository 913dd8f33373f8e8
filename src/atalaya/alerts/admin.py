from django.contrib import admin

from .models import Alert, AlertSettings, QuietPeriod, Subscription


@admin.register(AlertSettings)
class AlertSettingsAdmin(admin.ModelAdmin):
    list_display = ("municipality", "enabled", "method", "min_cases", "weekly", "monthly")
    filter_horizontal = ("families",)


@admin.register(QuietPeriod)
class QuietPeriodAdmin(admin.ModelAdmin):
    list_display = ("municipality", "start", "end", "reason")


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ("user", "municipality", "family", "mode")


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    """Read-only: alerts change through their lifecycle (services.change_status), which writes the history."""

    list_display = ("family", "territory", "municipality", "freq", "first_period", "last_period", "severity", "status")
    list_filter = ("municipality", "status", "freq", "severity", "method")

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
