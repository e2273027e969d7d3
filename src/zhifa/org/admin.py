"""Admin for the registers. Every add and change goes through `org.services` (so the ledger is
written and the same rules apply as in the API): the forms run the services' validators in
`clean()` and show a DomainError as form errors; `save_model` calls the service. Nothing is hard
deleted; history (django-simple-history) is viewable but cannot be reverted around the services."""

from __future__ import annotations

import segno
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db import models
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from zhifa.core.errors import DomainError

from . import services
from .models import (
    Agency,
    ApiToken,
    Certificate,
    Department,
    EnforcementCategory,
    Officer,
    Post,
    Region,
    TrainingRecord,
)

# --- shared machinery -------------------------------------------------------------------------


class ServiceForm(forms.ModelForm):
    """Runs `validate(form, candidate)` in clean(); `candidate` is an unsaved copy with the
    submitted values, so the services' own validators judge it."""

    def candidate(self):
        model = self._meta.model
        obj = model.objects.get(pk=self.instance.pk) if self.instance.pk else model()
        for name, value in self.cleaned_data.items():
            field = model._meta.get_field(name)
            if not field.many_to_many and name in self.changed_data_or_all():
                setattr(obj, name, value)
        return obj

    def changed_data_or_all(self):
        return self.changed_data if self.instance.pk else list(self.cleaned_data)

    def validate(self, candidate) -> None:  # overridden per model
        pass

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            self.validate(self.candidate())
        except DomainError as exc:
            raise exc.as_validation_error() from None
        return cleaned

    def _post_clean(self):
        # The services decide; Django's own unique/constraint checks would only repeat them.
        self._validate_unique = False
        super()._post_clean()


class ServiceAdmin(SimpleHistoryAdmin):
    """save_model calls `create(request, form)` or `update(request, obj, changes)`."""

    readonly_on_change: tuple[str, ...] = ()

    def get_readonly_fields(self, request, obj=None):
        ro = tuple(super().get_readonly_fields(request, obj))
        return ro + self.readonly_on_change if obj is not None else ro

    def has_delete_permission(self, request, obj=None):
        return False  # no hard delete: deactivate, revoke or correct instead

    def revert_disabled(self, request, obj=None):
        return True  # a revert would bypass the services and the ledger

    def changes(self, form) -> dict:
        return {name: form.cleaned_data[name] for name in form.changed_data}

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as exc:
            # The form validated but the service refused (e.g. the same number saved meanwhile):
            # the admin's transaction has rolled back; say why instead of a 500.
            messages.error(request, exc.message)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request, obj, form, change):
        saved = self.update(request, obj, self.changes(form)) if change else self.create(request, form)
        obj.pk = saved.pk
        obj._state.adding = False
        obj._state.db = saved._state.db

    def save_related(self, request, form, formsets, change):
        # m2m are set by the services; inlines here are read-only listings.
        for formset in formsets:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    def create(self, request, form):  # pragma: no cover - overridden
        raise NotImplementedError

    def update(self, request, obj, changes):  # pragma: no cover - overridden
        raise NotImplementedError


class ReasonForm(forms.Form):
    reason = forms.CharField(label="理由", max_length=200, widget=forms.Textarea(attrs={"rows": 3}))


def reason_action(*, title: str, service, arg: str):
    """An admin action that asks for a reason on an intermediate page, then calls `service`
    for each selected row, reporting refusals row by row."""

    def action(modeladmin, request, queryset):
        if "apply" in request.POST:
            form = ReasonForm(request.POST)
            if form.is_valid():
                done = 0
                for obj in queryset:
                    try:
                        service(**{arg: obj, "reason": form.cleaned_data["reason"], "actor": request.user})
                        done += 1
                    except DomainError as exc:
                        messages.error(request, f"{obj}：{exc.message}")
                if done:
                    messages.success(request, f"已{title} {done} 条。")
                return None
        else:
            form = ReasonForm()
        return TemplateResponse(request, "admin/org/reason_action.html", {
            **modeladmin.admin_site.each_context(request), "title": f"{title}：请填写理由", "form": form,
            "queryset": queryset, "action": request.POST.get("action"), "opts": modeladmin.model._meta,
            "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
        })

    action.short_description = title
    action.__name__ = f"action_{service.__name__}"
    return action


# --- regions and categories -------------------------------------------------------------------


class RegionForm(ServiceForm):
    class Meta:
        model = Region
        fields = ["code", "name", "level", "parent"]

    def validate(self, candidate):
        services.validate_region(candidate)


@admin.register(Region)
class RegionAdmin(ServiceAdmin):
    form = RegionForm
    list_display = ["code", "name", "level", "parent"]
    search_fields = ["code", "name"]
    readonly_on_change = ("code",)

    def create(self, request, form):
        return services.region_create(actor=request.user, **form.cleaned_data)

    def update(self, request, obj, changes):
        return services.region_update(region=obj, changes=changes, actor=request.user)


@admin.register(EnforcementCategory)
class EnforcementCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        saved = services.category_create(code=obj.code, name=obj.name, actor=request.user)
        obj.pk = saved.pk
        obj._state.adding = False


# --- agencies, departments, posts -------------------------------------------------------------


class AgencyForm(ServiceForm):
    class Meta:
        model = Agency
        exclude = ["active"]

    def validate(self, candidate):
        services.validate_agency(candidate)


class DepartmentInline(admin.TabularInline):
    model = Department
    fields = ["name", "is_legal_review_body", "active"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Agency)
class AgencyAdmin(ServiceAdmin):
    form = AgencyForm
    list_display = ["name", "credit_code", "kind", "region", "is_justice_bureau", "active"]
    list_filter = ["kind", "is_justice_bureau", "active", "region"]
    search_fields = ["name", "short_name", "credit_code"]
    inlines = [DepartmentInline]
    actions = [reason_action(title="撤销执法主体", service=services.agency_deactivate, arg="agency")]
    fieldsets = [
        (None, {"fields": ["name", "short_name", "credit_code", "kind", "region", "parent", "is_justice_bureau",
                           "supervising_bureau"]}),
        ("受委托组织（PEN-04）", {"fields": ["entrusting_agency", "entrustment_scope", "entrustment_document",
                                         "entrustment_start", "entrustment_end", "entrustment_published_on"]}),
        ("公示信息", {"fields": ["duties", "address", "phone", "website", "supervision_channel", "remedies"]}),
    ]

    def create(self, request, form):
        data = dict(form.cleaned_data)
        return services.agency_register(actor=request.user, **data)

    def update(self, request, obj, changes):
        return services.agency_update(agency=obj, changes=changes, actor=request.user)


class DepartmentForm(ServiceForm):
    class Meta:
        model = Department
        fields = ["agency", "name", "is_legal_review_body", "active"]

    def validate(self, candidate):
        services.validate_department(candidate)


@admin.register(Department)
class DepartmentAdmin(ServiceAdmin):
    form = DepartmentForm
    list_display = ["name", "agency", "is_legal_review_body", "active"]
    list_filter = ["is_legal_review_body", "agency"]
    search_fields = ["name", "agency__name"]
    readonly_on_change = ("agency",)

    def create(self, request, form):
        d = form.cleaned_data
        return services.department_create(agency=d["agency"], name=d["name"],
                                          is_legal_review_body=d["is_legal_review_body"], actor=request.user)

    def update(self, request, obj, changes):
        return services.department_update(department=obj, changes=changes, actor=request.user)


class PostForm(ServiceForm):
    class Meta:
        model = Post
        fields = ["agency", "department", "name", "duties"]

    def validate(self, candidate):
        services.validate_post(candidate)


@admin.register(Post)
class PostAdmin(ServiceAdmin):
    form = PostForm
    list_display = ["name", "agency", "department"]
    search_fields = ["name", "agency__name"]
    readonly_on_change = ("agency",)

    def create(self, request, form):
        return services.post_create(actor=request.user, **form.cleaned_data)

    def update(self, request, obj, changes):
        return services.post_update(post=obj, changes=changes, actor=request.user)


# --- officers, certificates, training ---------------------------------------------------------


class OfficerForm(ServiceForm):
    class Meta:
        model = Officer
        fields = ["name", "id_number", "photo", "agency", "department", "post", "phone",
                  "legal_qualification_number", "first_review_date"]

    def validate(self, candidate):
        services.validate_officer(candidate)


class CertificateInline(admin.TabularInline):
    model = Certificate
    fields = ["number", "kind", "issued_on", "expires_on", "status"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Officer)
class OfficerAdmin(ServiceAdmin):
    form = OfficerForm
    list_display = ["name", "agency", "department", "post", "active"]
    list_filter = ["active", "agency"]
    search_fields = ["name", "agency__name", "certificates__number"]
    inlines = [CertificateInline]
    actions = [reason_action(title="执法人员离岗", service=services.officer_deactivate, arg="officer")]

    def create(self, request, form):
        return services.officer_register(actor=request.user, **form.cleaned_data)

    def update(self, request, obj, changes):
        return services.officer_update(officer=obj, changes=changes, actor=request.user)


class CertificateForm(ServiceForm):
    class Meta:
        model = Certificate
        fields = ["kind", "number", "holder", "issuer", "categories", "regions", "issued_on", "expires_on"]

    def validate(self, candidate):
        data = self.cleaned_data
        expires = data.get("expires_on", candidate.expires_on)
        services.validate_certificate_fields(number=data.get("number", candidate.number),
                                             issued_on=data.get("issued_on", candidate.issued_on),
                                             expires_on=expires, exclude_pk=self.instance.pk)
        kind = data.get("kind", candidate.kind)
        if "categories" in self.fields and "regions" in self.fields:
            services.validate_certificate_scope(kind, list(data.get("categories") or []),
                                                list(data.get("regions") or []))


@admin.register(Certificate)
class CertificateAdmin(ServiceAdmin):
    form = CertificateForm
    list_display = ["number", "kind", "holder", "issued_on", "expires_on", "status"]
    list_filter = ["status", "kind", "categories"]
    search_fields = ["number", "holder__name", "holder__agency__name"]
    readonly_fields = ["status", "status_reason", "verification_token", "verification_qr"]
    readonly_on_change = ("kind", "holder", "expires_on")
    filter_horizontal = ["categories", "regions"]
    actions = [
        reason_action(title="暂扣证件", service=services.certificate_suspend, arg="certificate"),
        reason_action(title="恢复证件", service=services.certificate_reinstate, arg="certificate"),
        reason_action(title="注销证件", service=services.certificate_revoke, arg="certificate"),
    ]

    @admin.display(description="核验二维码")
    def verification_qr(self, obj):
        """The code printed on the card: it opens the public page /verify/<token>."""
        if not obj or not obj.pk:
            return "保存后生成"
        # ZHIFA_PUBLIC_URL (e.g. https://zhifa.example.gov.cn) makes the printed code absolute.
        url = f"{getattr(settings, 'ZHIFA_PUBLIC_URL', '').rstrip('/')}/verify/{obj.verification_token}"
        uri = segno.make(url, error="m").svg_data_uri(scale=3)
        return format_html('<img src="{}" alt="{}"><br><code>{}</code>', uri, url, url)

    def create(self, request, form):
        return services.certificate_issue(actor=request.user, **form.cleaned_data)

    def update(self, request, obj, changes):
        return services.certificate_update(certificate=obj, changes=changes, actor=request.user)


class TrainingRecordForm(ServiceForm):
    class Meta:
        model = TrainingRecord
        fields = ["officer", "title", "held_on", "hours", "exam_score", "passed"]

    def validate(self, candidate):
        services.validate_training(exam_score=candidate.exam_score, held_on=candidate.held_on)


@admin.register(TrainingRecord)
class TrainingRecordAdmin(ServiceAdmin):
    form = TrainingRecordForm
    list_display = ["officer", "title", "held_on", "hours", "exam_score", "passed"]
    search_fields = ["officer__name", "title"]
    date_hierarchy = "held_on"

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def create(self, request, form):
        return services.training_record_add(actor=request.user, **form.cleaned_data)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created with `zhifa api-token create` (the plaintext is shown once there)."""

    list_display = ["name", "prefix", "agency", "scopes", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["name", "agency", "prefix", "scopes", "created_by", "created_at", "expires_at",
                       "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="吊销所选令牌")
    def revoke(self, request, queryset):
        for token in queryset:
            try:
                services.api_token_revoke(token=token, actor=request.user)
            except DomainError as exc:
                messages.error(request, f"{token.name}：{exc.message}")


# Keep m2m widgets readable in Chinese.
ServiceAdmin.formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 3})}}


# --- users and the login/role audit (added with issue 2, item 5) -----------------------------
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin  # noqa: E402

from .models import AuthEvent, User  # noqa: E402

if not admin.site.is_registered(User):

    @admin.register(User)
    class UserAdmin(DjangoUserAdmin):
        """Group changes here are audited by org.signals (m2m_changed on User.groups)."""

        fieldsets = DjangoUserAdmin.fieldsets + (
            ("执法平台", {"fields": ("display_name", "agency", "officer", "supervised_region")}),
        )
        list_display = ("username", "display_name", "agency", "is_staff", "is_active")
        list_filter = ("is_staff", "is_superuser", "is_active", "groups")
        search_fields = ("username", "display_name", "email")
        autocomplete_fields = ()
        raw_id_fields = ("officer",)


if not admin.site.is_registered(AuthEvent):

    @admin.register(AuthEvent)
    class AuthEventAdmin(admin.ModelAdmin):
        """Read-only: the audit is written by org.signals and never edited."""

        list_display = ("at", "kind", "username", "actor", "ip_address", "detail")
        list_filter = ("kind",)
        search_fields = ("username",)
        date_hierarchy = "at"

        def has_add_permission(self, request):
            return False

        def has_change_permission(self, request, obj=None):
            return False

        def has_delete_permission(self, request, obj=None):
            return False
