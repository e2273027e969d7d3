"""Read-only admin views of the review records (append-only: no add, change or delete). The
review-body routes are set through `services.review_route_set`."""

from django.contrib import admin

from zhifa.core.admin import ReadOnlyAdmin

from . import services
from .models import Meeting, Review, ReviewBodyRoute, ReviewOpinion, ReviewRound


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = ("case", "agency", "body", "reviewer", "status", "rounds", "due_on")
    list_filter = ("status",)


@admin.register(ReviewRound)
class ReviewRoundAdmin(ReadOnlyAdmin):
    list_display = ("review", "number", "submitted_by", "submitted_on", "due_on", "digest")


@admin.register(ReviewOpinion)
class ReviewOpinionAdmin(ReadOnlyAdmin):
    list_display = ("round", "reviewer", "conclusion", "findings", "signed_on")


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin):
    list_display = ("case", "held_on", "chair", "conclusion")


@admin.register(ReviewBodyRoute)
class ReviewBodyRouteAdmin(admin.ModelAdmin):
    list_display = ("agency", "case_kind", "body")

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        saved = services.review_route_set(agency=obj.agency, case_kind=obj.case_kind, body=obj.body,
                                          actor=request.user)
        obj.pk = saved.pk
