from django.contrib import admin

from .models import Entry, TreeHead, VerificationRun


class ReadOnlyAdmin(admin.ModelAdmin):
    """Ledger tables are append-only: nothing is added, changed or deleted from the admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin):
    list_display = ("seq", "recorded_at", "actor", "kind", "subject")
    list_filter = ("kind",)
    search_fields = ("subject", "kind", "actor")


@admin.register(TreeHead)
class TreeHeadAdmin(ReadOnlyAdmin):
    list_display = ("size", "root_hash", "signed_at", "key_id")


@admin.register(VerificationRun)
class VerificationRunAdmin(ReadOnlyAdmin):
    list_display = ("started_at", "ok", "entries", "head_size")
    list_filter = ("ok",)
