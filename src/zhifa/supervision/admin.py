from django.contrib import admin

from zhifa.core.admin import ReadOnlyAdmin

from .models import AnnualReport


@admin.register(AnnualReport)
class AnnualReportAdmin(ReadOnlyAdmin):
    """Published annual reports (P11, PUB-13): append-only; publish with `zhifa report annual --publish`."""

    list_display = ("year", "scope", "published_on", "late", "supersedes", "pdf_sha256")
    list_filter = ("year", "late")
