from django.contrib import admin

from .models import Document, DocumentRequest


class ReadOnlyAdmin(admin.ModelAdmin):
    """Documents are append-only (REC-03) and requests are the task's own record: read only here;
    corrections go through documents.services.document_supersede."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ("number", "title", "version", "case", "template_version", "generated_at", "generated_by")
    list_filter = ("template",)
    search_fields = ("number", "case__number", "pdf_sha256")
    list_select_related = ("case", "generated_by")


@admin.register(DocumentRequest)
class DocumentRequestAdmin(ReadOnlyAdmin):
    list_display = ("id", "template", "case", "status", "requested_at", "finished_at", "error")
    list_filter = ("status", "template")
    list_select_related = ("case",)
