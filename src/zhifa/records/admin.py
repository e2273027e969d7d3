"""Admin: evidence, access and archive rows are append-only (read-only here, REC-03); equipment and
custodians are registered through the services so each change is on the ledger."""

from django import forms
from django.contrib import admin

from zhifa.core.admin import ReadOnlyAdmin
from zhifa.core.errors import DomainError

from . import services
from .models import (
    AccessDecision,
    AccessLog,
    AccessRequest,
    ArchiveCustodian,
    ArchivePackage,
    BodyCamera,
    DeviceNoticeQuery,
    DeviceRecordNotice,
    DeviceRecordReview,
    DeviceRecordStatement,
    Evidence,
    EvidenceAnnotation,
    EvidenceWithdrawal,
    RecordingRoom,
)


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    list_display = ("case", "number", "title", "act", "kind", "evidence_type", "confidentiality", "created_at")
    list_filter = ("kind", "evidence_type", "confidentiality")
    search_fields = ("title", "sha256", "case__number")


for model, fields in ((EvidenceAnnotation, ("evidence", "text", "actor", "at")),
                      (DeviceRecordReview, ("evidence", "conforms", "opinion", "reviewer", "at")),
                      (DeviceRecordNotice, ("evidence", "party", "method", "notified_on", "officer", "at")),
                      (DeviceRecordStatement, ("notice", "contact", "at")),
                      (DeviceNoticeQuery, ("at", "notice", "succeeded", "client")),
                      (EvidenceWithdrawal, ("evidence", "reason", "actor", "at")),
                      (AccessRequest, ("case", "requester", "reason", "at")),
                      (AccessDecision, ("request", "approved", "valid_until", "decided_by", "at")),
                      (AccessLog, ("at", "user", "case", "evidence", "action", "basis")),
                      (ArchivePackage, ("case", "built_at", "sha256", "size", "retain_until"))):
    admin.site.register(model, type(f"{model.__name__}Admin", (ReadOnlyAdmin,), {"list_display": fields}))


class ServiceCreateAdmin(admin.ModelAdmin):
    """New rows go through a service (ledger entry); existing rows are not edited or deleted here."""

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        try:
            created = self.create(request, obj)
        except DomainError as exc:
            raise exc.as_validation_error() from exc
        obj.pk = created.pk


class BodyCameraForm(forms.ModelForm):
    """Refusals of the register services shown next to the fields (no error page)."""

    class Meta:
        model = BodyCamera
        fields = "__all__"

    def clean(self):
        data = super().clean()
        agency, number = data.get("agency"), (data.get("number") or "").strip()
        if agency and number and BodyCamera.objects.filter(agency=agency, number=number).exists():
            self.add_error("number", f"设备编号 {number} 已登记。")
        if data.get("kind") == BodyCamera.Kind.MONITORING:
            try:
                services.monitoring_device_check(
                    number=number, location=data.get("location"), approval_ref=data.get("approval_ref"),
                    approved_on=data.get("approved_on"), location_published_on=data.get("location_published_on"),
                    location_published_where=data.get("location_published_where"))
            except DomainError as exc:
                raise exc.as_validation_error() from exc
        return data


@admin.register(BodyCamera)
class BodyCameraAdmin(ServiceCreateAdmin):
    """执法记录仪 and 电子技术监控设备 (the latter with its 法制和技术审核 and published location, PEN-15)."""

    form = BodyCameraForm

    list_display = ("number", "kind", "agency", "model_name", "holder", "location", "approved_on",
                    "location_published_on", "in_service")
    list_filter = ("kind", "in_service")
    fields = ("agency", "kind", "number", "model_name", "holder", "acquired_on", "location", "approval_ref",
              "approved_on", "location_published_on", "location_published_where")

    def create(self, request, obj):
        if obj.kind == BodyCamera.Kind.MONITORING:
            return services.monitoring_device_register(
                agency=obj.agency, number=obj.number, actor=request.user, location=obj.location,
                approval_ref=obj.approval_ref, approved_on=obj.approved_on,
                location_published_on=obj.location_published_on,
                location_published_where=obj.location_published_where, model_name=obj.model_name,
                acquired_on=obj.acquired_on)
        return services.body_camera_register(agency=obj.agency, number=obj.number, actor=request.user,
                                             model_name=obj.model_name, holder=obj.holder, acquired_on=obj.acquired_on)


@admin.register(RecordingRoom)
class RecordingRoomAdmin(ServiceCreateAdmin):
    list_display = ("name", "agency", "kind", "has_av", "in_service")
    fields = ("agency", "name", "kind", "has_av")

    def create(self, request, obj):
        return services.recording_room_register(agency=obj.agency, name=obj.name, kind=obj.kind, actor=request.user,
                                                has_av=obj.has_av)


@admin.register(ArchiveCustodian)
class ArchiveCustodianAdmin(ServiceCreateAdmin):
    list_display = ("agency", "user", "location")
    fields = ("agency", "user", "location")

    def create(self, request, obj):
        return services.custodian_set(agency=obj.agency, user=obj.user, actor=request.user, location=obj.location)
