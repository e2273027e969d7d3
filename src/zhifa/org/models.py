"""Registers of enforcement bodies, officers and certificates (REQUIREMENTS P1, P2, A1, A2;
RULES PEN-04, PEN-16). Every change goes through `org.services`, which writes the ledger."""

from __future__ import annotations

import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from simple_history.models import HistoricalRecords

from zhifa.core.append_only import AppendOnlyModel


class Region(models.Model):
    """行政区划 (GB/T 2260)."""

    class Level(models.TextChoices):
        PROVINCE = "province", "省级"
        CITY = "city", "市级"
        COUNTY = "county", "县级"
        TOWNSHIP = "township", "乡镇级"

    code = models.CharField("区划代码", max_length=12, unique=True, help_text="GB/T 2260 六位代码（乡镇为九位）。")
    name = models.CharField("名称", max_length=100)
    level = models.CharField("层级", max_length=16, choices=Level.choices)
    parent = models.ForeignKey("self", verbose_name="上级区划", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Agency(models.Model):
    """执法主体: a body that may enforce in its own name, or an entrusted body (PEN-04)."""

    class Kind(models.TextChoices):
        ADMINISTRATIVE_ORGAN = "organ", "行政机关"
        AUTHORIZED_ORG = "authorized", "法律法规授权组织"
        ENTRUSTED_ORG = "entrusted", "受委托组织"

    name = models.CharField("名称", max_length=200)
    short_name = models.CharField("简称", max_length=50, blank=True)
    credit_code = models.CharField("统一社会信用代码", max_length=18, unique=True)
    kind = models.CharField("主体类型", max_length=16, choices=Kind.choices, default=Kind.ADMINISTRATIVE_ORGAN)
    region = models.ForeignKey(Region, verbose_name="所在区划", on_delete=models.PROTECT, related_name="agencies")
    is_justice_bureau = models.BooleanField("司法行政部门（执法监督机构）", default=False)
    supervising_bureau = models.ForeignKey(
        "self", verbose_name="监督机关（司法局）", null=True, blank=True, on_delete=models.PROTECT,
        related_name="supervised_agencies", limit_choices_to={"is_justice_bureau": True},
    )
    parent = models.ForeignKey("self", verbose_name="上级机关", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children")
    # PEN-04: an entrusted body names its entrusting agency, the scope and the term, in a published 委托书.
    entrusting_agency = models.ForeignKey(
        "self", verbose_name="委托机关", null=True, blank=True, on_delete=models.PROTECT, related_name="entrusted_bodies"
    )
    entrustment_scope = models.TextField("委托事项与权限", blank=True)
    entrustment_document = models.CharField("委托书文号", max_length=100, blank=True)
    entrustment_start = models.DateField("委托期限起", null=True, blank=True)
    entrustment_end = models.DateField("委托期限止", null=True, blank=True)
    entrustment_published_on = models.DateField("委托书公布日期", null=True, blank=True)
    duties = models.TextField("职责", blank=True)
    address = models.CharField("地址", max_length=200, blank=True)
    phone = models.CharField("联系电话", max_length=50, blank=True)
    website = models.URLField("网站", blank=True)
    supervision_channel = models.CharField("监督投诉渠道", max_length=200, blank=True)
    remedies = models.TextField("救济渠道", blank=True, help_text="行政复议机关、诉讼法院等。")
    active = models.BooleanField("有效", default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "执法主体"
        verbose_name_plural = "执法主体"
        ordering = ["region__code", "name"]

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    """内设机构."""

    agency = models.ForeignKey(Agency, verbose_name="执法主体", on_delete=models.PROTECT, related_name="departments")
    name = models.CharField("名称", max_length=100)
    is_legal_review_body = models.BooleanField("法制审核机构", default=False)
    active = models.BooleanField("有效", default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "内设机构"
        verbose_name_plural = "内设机构"
        ordering = ["agency", "name"]
        constraints = [models.UniqueConstraint(fields=["agency", "name"], name="org_department_unique_name")]

    def __str__(self) -> str:
        return f"{self.agency.short_name or self.agency.name}·{self.name}"


class Post(models.Model):
    """岗位: the unit to which powers are assigned (A1)."""

    agency = models.ForeignKey(Agency, verbose_name="执法主体", on_delete=models.PROTECT, related_name="posts")
    department = models.ForeignKey(Department, verbose_name="内设机构", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="posts")
    name = models.CharField("岗位名称", max_length=100)
    duties = models.TextField("岗位职责", blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "岗位"
        verbose_name_plural = "岗位"
        ordering = ["agency", "name"]

    def __str__(self) -> str:
        return self.name


class EnforcementCategory(models.Model):
    """执法类别 printed on certificates and attached to matters in the catalog."""

    code = models.CharField("代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=100)

    class Meta:
        verbose_name = "执法类别"
        verbose_name_plural = "执法类别"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Officer(models.Model):
    """执法人员. The resident ID number is stored for identity checks and never shown publicly."""

    name = models.CharField("姓名", max_length=50)
    id_number = models.CharField("公民身份号码", max_length=18, unique=True)
    photo = models.ImageField("照片", upload_to="officers/", blank=True)
    agency = models.ForeignKey(Agency, verbose_name="执法主体", on_delete=models.PROTECT, related_name="officers")
    department = models.ForeignKey(Department, verbose_name="内设机构", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="officers")
    post = models.ForeignKey(Post, verbose_name="岗位", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="officers")
    phone = models.CharField("联系电话", max_length=30, blank=True)
    # REV-02: first-time legal reviewers need the national legal professional qualification.
    legal_qualification_number = models.CharField("法律职业资格证书编号", max_length=50, blank=True)
    first_review_date = models.DateField("首次从事法制审核日期", null=True, blank=True)
    active = models.BooleanField("在岗", default=True)
    history = HistoricalRecords(excluded_fields=["photo"])

    class Meta:
        verbose_name = "执法人员"
        verbose_name_plural = "执法人员"
        ordering = ["agency", "name"]

    def __str__(self) -> str:
        return self.name


def new_verification_token() -> str:
    return secrets.token_urlsafe(24)


class Certificate(models.Model):
    """行政执法证 / 行政执法监督证 (A2)."""

    class Kind(models.TextChoices):
        ENFORCEMENT = "enforcement", "行政执法证"
        SUPERVISION = "supervision", "行政执法监督证"

    class Status(models.TextChoices):
        VALID = "valid", "有效"
        SUSPENDED = "suspended", "暂扣"
        REVOKED = "revoked", "注销"
        EXPIRED = "expired", "过期"

    kind = models.CharField("证件种类", max_length=16, choices=Kind.choices, default=Kind.ENFORCEMENT)
    number = models.CharField("证件编号", max_length=32, unique=True)
    holder = models.ForeignKey(Officer, verbose_name="持证人", on_delete=models.PROTECT, related_name="certificates")
    issuer = models.CharField("发证机关", max_length=200)
    categories = models.ManyToManyField(EnforcementCategory, verbose_name="执法类别", related_name="certificates")
    regions = models.ManyToManyField(Region, verbose_name="执法区域", related_name="certificates")
    issued_on = models.DateField("发证日期")
    expires_on = models.DateField("有效期至")
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.VALID)
    status_reason = models.CharField("状态原因", max_length=200, blank=True)
    verification_token = models.CharField("核验令牌", max_length=64, unique=True, default=new_verification_token,
                                          editable=False)
    history = HistoricalRecords(m2m_fields=[categories, regions])

    class Meta:
        verbose_name = "执法证件"
        verbose_name_plural = "执法证件"
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(condition=models.Q(expires_on__gt=models.F("issued_on")),
                                   name="org_certificate_expiry_after_issue"),
        ]

    def __str__(self) -> str:
        return self.number


class TrainingRecord(models.Model):
    """Training and examination records per officer (A2)."""

    officer = models.ForeignKey(Officer, verbose_name="执法人员", on_delete=models.PROTECT, related_name="trainings")
    title = models.CharField("培训或考试名称", max_length=200)
    held_on = models.DateField("日期")
    hours = models.DecimalField("学时", max_digits=5, decimal_places=1, default=0)
    exam_score = models.DecimalField("考试成绩", max_digits=5, decimal_places=1, null=True, blank=True)
    passed = models.BooleanField("考试合格", null=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "培训考试记录"
        verbose_name_plural = "培训考试记录"
        ordering = ["-held_on"]


class User(AbstractUser):
    """A login. Roles are Django groups (DESIGN.md "Who uses it"); scope comes from `agency`
    (the bodies a user belongs to) and `supervised_region` (a justice-bureau supervisor)."""

    officer = models.OneToOneField(Officer, verbose_name="对应执法人员", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="user")
    agency = models.ForeignKey(Agency, verbose_name="所属主体", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="users")
    supervised_region = models.ForeignKey(Region, verbose_name="监督区域", null=True, blank=True,
                                          on_delete=models.PROTECT, related_name="supervisors")
    display_name = models.CharField("姓名", max_length=50, blank=True)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.display_name or self.username


class AuthEvent(AppendOnlyModel):
    """Every login, failed login, lockout and role change (issue 2, item 5). Append-only."""

    class Kind(models.TextChoices):
        LOGIN = "login", "登录成功"
        LOGIN_FAILED = "login_failed", "登录失败"
        LOCKED_OUT = "locked_out", "账户锁定"
        LOGOUT = "logout", "退出"
        ROLE_GRANTED = "role_granted", "授予角色"
        ROLE_REVOKED = "role_revoked", "撤销角色"
        OTP_ENROLLED = "otp_enrolled", "绑定双因素认证"

    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    kind = models.CharField("事件", max_length=20, choices=Kind.choices)
    user = models.ForeignKey(User, verbose_name="用户", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="auth_events")
    username = models.CharField("用户名", max_length=150, blank=True)
    actor = models.ForeignKey(User, verbose_name="操作人", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    ip_address = models.GenericIPAddressField("IP 地址", null=True, blank=True)
    detail = models.JSONField("详情", default=dict, blank=True)

    class Meta:
        verbose_name = "登录与权限审计"
        verbose_name_plural = "登录与权限审计"
        ordering = ["-at"]


class ApiToken(models.Model):
    """A machine client's token: per agency or per system, with scopes. Only the hash is stored."""

    name = models.CharField("名称", max_length=100)
    agency = models.ForeignKey(Agency, verbose_name="所属主体", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="api_tokens")
    token_hash = models.CharField("令牌哈希", max_length=64, unique=True, editable=False)
    prefix = models.CharField("令牌前缀", max_length=12, editable=False)
    scopes = models.JSONField("权限范围", default=list, help_text="如 [\"org:read\", \"org:write\"]。")
    created_by = models.ForeignKey(User, verbose_name="创建人", null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    expires_at = models.DateTimeField("过期时间", null=True, blank=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"
