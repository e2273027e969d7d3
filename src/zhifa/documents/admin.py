from django.contrib import admin

from zhifa.core.admin import ReadOnlyAdmin

from .models import Document, DocumentRequest


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
