from django.contrib import admin

from zhifa.core.admin import ReadOnlyAdmin

from .models import Entry, TreeHead, VerificationRun


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
