"""Publications of enforcement decisions (事后公开; REQUIREMENTS P5–P13; RULES PUB-03..PUB-12,
CRD-*, ID-06).

Three tables, so the append-only rule holds where the law needs it (DESIGN.md):

- `PublicationVersion` (append-only): one redacted text of the decision as it is (or was to be)
  published. A correction is a new version; the old one is kept (P8, PUB-12).
- `PublicationEvent` (append-only): what happened and when — opened, reviewed, published,
  corrected, withdrawn, expired, withheld. Each public fact also has its ledger entry holding the
  hash of the version and the event.
- `Publication` (the header): what the portal searches. Its changing columns (status, the
  current versions, the search text) are a projection of the versions and events, rewritten only
  by the services; it is never deleted.

Publications are generic (issue 8 point 8): the source is a model label and key
(`source_label`, `source_pk`), so any procedure publishes through the same path without this app
importing it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from zhifa.core.append_only import AppendOnlyError, AppendOnlyModel
from zhifa.core.models import Confidentiality  # noqa: F401 -- shared with records (PUB-09)
from zhifa.org.models import Agency


class Category(models.TextChoices):
    LICENSING = "licensing", "行政许可"
    PENALTY = "penalty", "行政处罚"
    COERCION = "coercion", "行政强制"
    INSPECTION = "inspection", "行政检查"
    OTHER = "other", "其他执法决定"


class PartyKind(models.TextChoices):
    PERSON = "person", "自然人"
    ORGANISATION = "organisation", "法人或其他组织"
    INDIVIDUAL_BUSINESS = "individual_business", "个体工商户"


NEVER_PUBLISHED = (Confidentiality.COMMERCIAL_SECRET, Confidentiality.STATE_SECRET)


class Status(models.TextChoices):
    DRAFT = "draft", "待审核"
    REVIEWED = "reviewed", "已审核待发布"
    PUBLISHED = "published", "已公示"
    WITHDRAWN = "withdrawn", "已撤回"
    EXPIRED = "expired", "公示期满已撤下"
    WITHHELD = "withheld", "依法不予公开"


class Severity(models.TextChoices):
    """CRD-02 tiers of negative credit information (minor / general / serious)."""

    NONE = "none", "不适用"
    MINOR = "minor", "轻微"
    GENERAL = "general", "一般"
    SERIOUS = "serious", "严重"


class PublicationQuerySet(models.QuerySet):
    def delete(self):
        raise AppendOnlyError("执法决定公示")


class Publication(models.Model):
    """One decision to publish (or withheld from publication, with the reason)."""

    agency = models.ForeignKey(Agency, verbose_name="执法主体", on_delete=models.PROTECT, related_name="publications")
    source_label = models.CharField("来源类型", max_length=100, help_text="如 cases.decision。")
    source_pk = models.CharField("来源编号", max_length=64)
    category = models.CharField("执法类别", max_length=16, choices=Category.choices)
    decision_number = models.CharField("决定文号", max_length=100, db_index=True)
    decided_on = models.DateField("决定日期")
    effective_on = models.DateField("生效日期")
    party_kind = models.CharField("当事人类型", max_length=24, choices=PartyKind.choices)
    confidentiality = models.CharField("密级与保密属性", max_length=24, choices=Confidentiality.choices,
                                       default=Confidentiality.PUBLIC)
    simple_procedure = models.BooleanField("简易程序", default=False)
    severity = models.CharField("失信信息等级", max_length=8, choices=Severity.choices, default=Severity.NONE)
    # PUB-03: the due date from the calendar service.
    due_on = models.DateField("公开期限")
    due_rule = models.CharField("期限规则", max_length=20)
    due_provisional = models.BooleanField("期限为预计", default=False)
    due_reason = models.CharField("期限说明", max_length=300, blank=True)
    # Projection of versions and events (rewritten only by publicity.services).
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True)
    status_reason = models.CharField("状态说明", max_length=300, blank=True)
    latest_version = models.ForeignKey("PublicationVersion", verbose_name="最新版本", null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+")
    reviewed_version = models.ForeignKey("PublicationVersion", verbose_name="已审核版本", null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="+")
    published_version = models.ForeignKey("PublicationVersion", verbose_name="公示版本", null=True, blank=True,
                                          on_delete=models.PROTECT, related_name="+")
    first_published_on = models.DateField("首次公示日期", null=True, blank=True)
    published_at = models.DateTimeField("最近发布时间", null=True, blank=True)
    late = models.BooleanField("逾期公示", default=False)
    overdue = models.BooleanField("已逾期未公示", default=False)
    corrected = models.PositiveIntegerField("更正次数", default=0)
    withdraw_due_on = models.DateField("撤回期限", null=True, blank=True)
    withdrawn_on = models.DateField("撤回日期", null=True, blank=True)
    withdraw_late = models.BooleanField("逾期撤回", default=False)
    min_until = models.DateField("最短公示期至", null=True, blank=True)
    expires_on = models.DateField("公示期满日", null=True, blank=True)
    ended_on = models.DateField("撤下日期", null=True, blank=True)
    party_name = models.CharField("当事人（公示）", max_length=200, blank=True)
    credit_code = models.CharField("统一社会信用代码（公示）", max_length=18, blank=True, db_index=True)
    search_text = models.TextField("检索词", blank=True, editable=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = PublicationQuerySet.as_manager()

    class Meta:
        verbose_name = "执法决定公示"
        verbose_name_plural = "执法决定公示"
        constraints = [
            models.UniqueConstraint(fields=["source_label", "source_pk"], condition=~models.Q(status="withdrawn"),
                                    name="publicity_one_live_publication_per_source"),
        ]
        indexes = [
            models.Index(fields=["status", "decided_on", "id"], name="publicity_pub_date"),
            models.Index(fields=["status", "agency", "decided_on", "id"], name="publicity_pub_agency"),
            models.Index(fields=["status", "category", "decided_on", "id"], name="publicity_pub_category"),
            models.Index(fields=["agency", "status", "due_on"], name="publicity_pub_due"),
            # Exact-match fields lead, so the planner never prefers walking the date order instead.
            models.Index(fields=["credit_code", "status", "decided_on", "id"], name="publicity_pub_code"),
            models.Index(fields=["decision_number", "status", "decided_on", "id"], name="publicity_pub_number"),
        ]

    def __str__(self) -> str:
        return f"{self.decision_number}（{self.get_status_display()}）"

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("执法决定公示")

    @property
    def is_public(self) -> bool:
        return self.status == Status.PUBLISHED and self.published_version_id is not None

    @property
    def taken_down(self) -> bool:
        return self.status in (Status.WITHDRAWN, Status.EXPIRED) and self.published_version_id is not None


class PublicationVersion(AppendOnlyModel):
    """One redacted text of a decision (append-only; a correction is a new version, P8)."""

    publication = models.ForeignKey(Publication, verbose_name="公示", on_delete=models.PROTECT,
                                    related_name="versions")
    number = models.PositiveIntegerField("版本号")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    reason = models.CharField("更正原因", max_length=300, blank=True)
    # What the source gave (staff only, never shown publicly): the redaction is recomputed from it.
    source = models.JSONField("原始信息（不公开）", default=dict)
    keep = models.JSONField("审核保留词", default=list, blank=True)
    mask = models.JSONField("审核隐去词", default=list, blank=True)
    # Public content, redacted (PUB-08, ID-06).
    decision_number = models.CharField("决定文号", max_length=100)
    party_display = models.JSONField("当事人（公示）", default=dict)
    conclusion = models.TextField("执法结论")
    basis = models.TextField("执法依据")
    penalty = models.TextField("处罚内容", blank=True)
    amount = models.DecimalField("罚没金额（元）", max_digits=16, decimal_places=2, null=True, blank=True)
    facts = models.TextField("违法事实（已处理）", blank=True)
    reasons = models.TextField("理由（已处理）", blank=True)
    hits = models.JSONField("自动识别并隐去的内容", default=list, blank=True)
    content_hash = models.CharField("公示内容哈希", max_length=64)

    class Meta:
        verbose_name = "公示版本"
        verbose_name_plural = "公示版本"
        constraints = [models.UniqueConstraint(fields=["publication", "number"], name="publicity_version_unique")]

    def __str__(self) -> str:
        return f"{self.decision_number} 第{self.number}版"


class PublicationEvent(AppendOnlyModel):
    class Kind(models.TextChoices):
        OPENED = "opened", "生成待公示信息"
        WITHHELD = "withheld", "依法不予公开"
        CORRECTION_OPENED = "correction_opened", "提出更正"
        REVIEWED = "reviewed", "公示审核通过"
        PUBLISHED = "published", "发布"
        CORRECTED = "corrected", "更正发布"
        WITHDRAWN = "withdrawn", "撤回"
        EXPIRED = "expired", "公示期满撤下"
        REPAIRED = "repaired", "信用修复提前撤下"

    publication = models.ForeignKey(Publication, verbose_name="公示", on_delete=models.PROTECT,
                                    related_name="events")
    version = models.ForeignKey(PublicationVersion, verbose_name="版本", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="events")
    kind = models.CharField("事项", max_length=20, choices=Kind.choices)
    on = models.DateField("日期")
    at = models.DateTimeField("记录时间", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    note = models.TextField("说明（公开）", blank=True)
    data = models.JSONField("详情", default=dict, blank=True)

    class Meta:
        verbose_name = "公示事件"
        verbose_name_plural = "公示事件"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.on}"


FEED_KINDS = (PublicationEvent.Kind.PUBLISHED, PublicationEvent.Kind.CORRECTED, PublicationEvent.Kind.WITHDRAWN,
              PublicationEvent.Kind.EXPIRED, PublicationEvent.Kind.REPAIRED)


# --- outbound push (P10, P13, I2) ----------------------------------------------------------------


class PushEndpoint(models.Model):
    """A system we push publications to (the city supervision platform, a credit system)."""

    name = models.CharField("名称", max_length=100)
    url = models.URLField("接收地址")
    secret = models.CharField("共享密钥", max_length=128, help_text="用于 HMAC-SHA256 签名（X-Zhifa-Signature）。")
    agency = models.ForeignKey(Agency, verbose_name="仅推送该主体", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", help_text="留空则推送全部主体。")
    active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "推送对象"
        verbose_name_plural = "推送对象"

    def __str__(self) -> str:
        return self.name


class OutboxMessage(models.Model):
    """One message to one endpoint, written in the same transaction as the event it announces;
    delivered in id order per endpoint, each once (the receiver dedupes on X-Zhifa-Delivery)."""

    endpoint = models.ForeignKey(PushEndpoint, verbose_name="推送对象", on_delete=models.PROTECT,
                                 related_name="messages")
    event = models.ForeignKey(PublicationEvent, verbose_name="公示事件", on_delete=models.PROTECT, related_name="+")
    payload = models.JSONField("内容")
    created_at = models.DateTimeField("生成时间", auto_now_add=True)
    attempts = models.PositiveIntegerField("尝试次数", default=0)
    next_attempt_at = models.DateTimeField("下次尝试", null=True, blank=True)
    delivered_at = models.DateTimeField("送达时间", null=True, blank=True)
    last_status = models.PositiveIntegerField("最近响应码", null=True, blank=True)
    last_error = models.CharField("最近错误", max_length=500, blank=True)

    class Meta:
        verbose_name = "推送消息"
        verbose_name_plural = "推送消息"
        ordering = ["id"]
        indexes = [models.Index(fields=["endpoint", "delivered_at", "id"], name="publicity_outbox_pending")]

    def __str__(self) -> str:
        return f"#{self.pk} → {self.endpoint}"
