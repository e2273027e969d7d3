"""Admin: push endpoints (through publicity.services) and the outbox, read-only (P13)."""

from django.contrib import admin, messages

from zhifa.core.errors import DomainError

from . import services
from .models import OutboxMessage, PushEndpoint


@admin.register(PushEndpoint)
class PushEndpointAdmin(admin.ModelAdmin):
    list_display = ("name", "url", "agency", "active", "pending", "created_at")
    list_filter = ("active",)

    @admin.display(description="待送达")
    def pending(self, obj):
        return obj.messages.filter(delivered_at__isnull=True).count()

    def save_model(self, request, obj, form, change):
        try:
            services.push_endpoint_save(endpoint=obj, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ("id", "endpoint", "event_kind", "decision_number", "created_at", "attempts", "last_status",
                    "next_attempt_at", "delivered_at", "last_error")
    list_filter = ("endpoint", ("delivered_at", admin.EmptyFieldListFilter))
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]

    @admin.display(description="事件")
    def event_kind(self, obj):
        return obj.payload.get("event")

    @admin.display(description="决定文号")
    def decision_number(self, obj):
        return obj.payload.get("decision_number")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return request.method in ("GET", "HEAD")

    def has_delete_permission(self, request, obj=None):
        return False
