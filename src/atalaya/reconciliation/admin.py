from django.contrib import admin

from atalaya.core.admin_mixins import ReadOnlyAdminMixin, ScopedAdminMixin

from .models import PairDecision, Reconciliation


@admin.register(Reconciliation)
class ReconciliationAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Runs are records of what was compared: read-only here (run them from the mesa's page or the CLI)."""

    list_display = ["pk", "municipality", "family", "sources", "period_start", "period_end", "published", "created_at"]
    list_filter = ["family"]


@admin.register(PairDecision)
class PairDecisionAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """The mesa's log: decided and reverted on its page, never edited or deleted here."""

    list_display = ["pk", "municipality", "key_a", "key_b", "verdict", "decided_by", "decided_at", "reverted_at"]
    list_filter = ["verdict"]
    search_fields = ["key_a", "key_b", "reason"]
