"""Admin: read-only views of the catalog with actions that call the services (DESIGN.md: admin
never saves domain rows itself). Drafts are written through the API or the XLSX import."""

from django.contrib import admin, messages

from zhifa.core.errors import DomainError

from . import services
from .models import (
    AvRecordingItem,
    BenchmarkTier,
    CatalogSetting,
    LegalBasis,
    MajorDecisionCriterion,
    Matter,
    RandomInspectionItem,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return request.method in ("GET", "HEAD") and super().has_view_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


def _run(modeladmin, request, queryset, fn, done: str):
    n = 0
    for obj in queryset:
        try:
            fn(obj, request.user)
            n += 1
        except DomainError as exc:
            modeladmin.message_user(request, f"{obj}：{exc.message}", messages.ERROR)
    if n:
        modeladmin.message_user(request, f"{n} 项已{done}。", messages.SUCCESS)


class TierInline(admin.TabularInline):
    model = BenchmarkTier
    extra = 0
    can_delete = False
    readonly_fields = ["tier", "conditions", "flags", "fine_min", "fine_max", "multiple_min", "multiple_max",
                       "other_penalties"]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Matter)
class MatterAdmin(ReadOnlyAdmin):
    list_display = ["code", "version", "name", "kind", "agency", "status", "effective_from"]
    list_filter = ["status", "kind", "agency"]
    search_fields = ["code", "name"]
    inlines = [TierInline]
    actions = ["submit", "review_pass", "publish"]

    @admin.action(description="提交合法性审查")
    def submit(self, request, queryset):
        _run(self, request, queryset, lambda m, u: services.matter_submit_review(matter=m, actor=u), "提交审查")

    @admin.action(description="合法性审查通过")
    def review_pass(self, request, queryset):
        _run(self, request, queryset, lambda m, u: services.matter_review_pass(matter=m, actor=u), "审查通过")

    @admin.action(description="公布")
    def publish(self, request, queryset):
        _run(self, request, queryset, lambda m, u: services.matter_publish(matter=m, actor=u), "公布")


@admin.register(LegalBasis)
class LegalBasisAdmin(ReadOnlyAdmin):
    list_display = ["name", "article", "paragraph", "level", "version_date"]
    list_filter = ["level"]
    search_fields = ["name", "article", "text"]


class ListAdmin(ReadOnlyAdmin):
    list_filter = ["status", "agency"]
    actions = ["submit", "review_pass", "publish", "withdraw"]

    def _move(self, request, queryset, action, done):
        _run(self, request, queryset,
             lambda i, u: services.list_item_transition(item=i, action=action, actor=u), done)

    @admin.action(description="提交审查")
    def submit(self, request, queryset):
        self._move(request, queryset, "submit", "提交审查")

    @admin.action(description="审查通过")
    def review_pass(self, request, queryset):
        self._move(request, queryset, "pass", "审查通过")

    @admin.action(description="公布")
    def publish(self, request, queryset):
        self._move(request, queryset, "publish", "公布")

    @admin.action(description="撤销公布")
    def withdraw(self, request, queryset):
        self._move(request, queryset, "withdraw", "撤销")


@admin.register(MajorDecisionCriterion)
class MajorDecisionAdmin(ListAdmin):
    list_display = ["title", "agency", "penalty_type", "amount_threshold", "status"]


@admin.register(AvRecordingItem)
class AvAdmin(ListAdmin):
    list_display = ["act_code", "name", "agency", "requirement", "retention", "status"]


@admin.register(RandomInspectionItem)
class InspectionAdmin(ListAdmin):
    list_display = ["name", "agency", "ratio", "frequency", "status"]


@admin.register(CatalogSetting)
class SettingAdmin(admin.ModelAdmin):
    """Editable by administrators; saving goes through `setting_set` (ledger entry)."""

    list_display = ["key", "region", "agency", "value", "note"]
    list_filter = ["key"]
    fields = ["key", "region", "agency", "value", "note"]

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        try:
            saved = services.setting_set(key=obj.key, value=obj.value, agency=obj.agency, region=obj.region,
                                         note=obj.note, actor=request.user)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        obj.pk = saved.pk
