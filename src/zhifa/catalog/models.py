"""The power list (权责清单) and the lists published before enforcement (事前公开; REQUIREMENTS
P1, P3, A1, A3; RULES PEN-01, PEN-02, PUB-01, REV-01, REV-03, REV-09, REV-10, REC-02).

Versioned: a law change creates a new LegalBasis row, and a changed matter a new Matter version;
neither is edited once published. Every change goes through `catalog.services` (ledger entries).
"""

from __future__ import annotations

from django.db import models
from simple_history.models import HistoricalRecords

from zhifa.org.models import Agency, Department, EnforcementCategory, Post, Region


class PublicationStatus(models.TextChoices):
    """P3: draft → legality-reviewed → published; a newer published version supersedes."""

    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "待合法性审查"
    REVIEWED = "reviewed", "合法性审查通过"
    PUBLISHED = "published", "已公布"
    SUPERSEDED = "superseded", "已被新版本替代"
    WITHDRAWN = "withdrawn", "已撤销"


class LegalBasis(models.Model):
    """One article (or paragraph) of one version of a legal instrument. Never edited: a new
    version of the law is a new row (PEN-12 needs the version in force on the act date)."""

    class Level(models.TextChoices):
        LAW = "law", "法律"
        ADMIN_REGULATION = "admin_regulation", "行政法规"
        LOCAL_REGULATION = "local_regulation", "地方性法规"
        DEPARTMENT_RULE = "department_rule", "部门规章"
        LOCAL_RULE = "local_rule", "地方政府规章"
        NORMATIVE_DOCUMENT = "normative_document", "规范性文件"

    # PEN-02: a penalty may rest only on these levels; PEN-01 (6) only on the first two.
    PENALTY_LEVELS = (Level.LAW, Level.ADMIN_REGULATION, Level.LOCAL_REGULATION, Level.DEPARTMENT_RULE,
                      Level.LOCAL_RULE)
    STATUTE_LEVELS = (Level.LAW, Level.ADMIN_REGULATION)

    level = models.CharField("效力层级", max_length=32, choices=Level.choices)
    name = models.CharField("法律文件名称", max_length=200)
    issuer = models.CharField("制定机关", max_length=200, blank=True)
    version_date = models.DateField("版本日期", help_text="该版本公布或修正的日期。")
    effective_from = models.DateField("施行日期", null=True, blank=True)
    article = models.CharField("条", max_length=30, help_text="如“第一百二十二条”。")
    paragraph = models.CharField("款项", max_length=30, blank=True, help_text="如“第一款第（三）项”。")
    text = models.TextField("条文内容")
    search_text = models.TextField("检索词", blank=True, editable=False)
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    class Meta:
        verbose_name = "法律依据"
        verbose_name_plural = "法律依据"
        ordering = ["name", "article", "paragraph", "-version_date"]
        constraints = [
            models.UniqueConstraint(fields=["name", "version_date", "article", "paragraph"],
                                    name="catalog_basis_unique_version_article"),
        ]

    def __str__(self) -> str:
        return f"《{self.name}》{self.article}{self.paragraph}"

    @property
    def citation(self) -> str:
        return f"《{self.name}》（{self.version_date:%Y年%m月%d日}版）{self.article}{self.paragraph}"


class PenaltyType(models.TextChoices):
    """PEN-01: the closed list of 行政处罚法 Art. 9. 责令改正 is not a penalty (Art. 28)."""

    WARNING = "warning", "警告"
    CRITICISM = "criticism", "通报批评"
    FINE = "fine", "罚款"
    CONFISCATE_GAINS = "confiscate_gains", "没收违法所得"
    CONFISCATE_PROPERTY = "confiscate_property", "没收非法财物"
    SUSPEND_LICENCE = "suspend_licence", "暂扣许可证件"
    DOWNGRADE = "downgrade", "降低资质等级"
    REVOKE_LICENCE = "revoke_licence", "吊销许可证件"
    RESTRICT_BUSINESS = "restrict_business", "限制开展生产经营活动"
    SUSPEND_BUSINESS = "suspend_business", "责令停产停业"
    CLOSE = "close", "责令关闭"
    RESTRICT_PRACTICE = "restrict_practice", "限制从业"
    DETENTION = "detention", "行政拘留"
    OTHER = "other", "法律、行政法规规定的其他行政处罚"


class Matter(models.Model):
    """执法事项: one version of one power-list item. `code` + `version` identify it; only one
    version of a code is published at a time (P3)."""

    class Kind(models.TextChoices):
        LICENSING = "licensing", "行政许可"
        PENALTY = "penalty", "行政处罚"
        COERCION = "coercion", "行政强制"
        LEVY = "levy", "行政征收"
        FEE = "fee", "行政收费"
        INSPECTION = "inspection", "行政检查"
        CONFIRMATION = "confirmation", "行政确认"
        PAYMENT = "payment", "行政给付"
        REWARD = "reward", "行政奖励"
        OTHER = "other", "其他"

    code = models.CharField("事项编码", max_length=64, db_index=True)
    version = models.PositiveIntegerField("版本号", default=1)
    name = models.CharField("事项名称", max_length=200)
    kind = models.CharField("事项类别", max_length=16, choices=Kind.choices)
    agency = models.ForeignKey(Agency, verbose_name="实施主体", on_delete=models.PROTECT, related_name="matters")
    department = models.ForeignKey(Department, verbose_name="承办机构", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="matters")
    post = models.ForeignKey(Post, verbose_name="责任岗位", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="matters")
    category = models.ForeignKey(EnforcementCategory, verbose_name="执法类别", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="matters")
    legal_bases = models.ManyToManyField(LegalBasis, verbose_name="法律依据", related_name="matters", blank=True)
    procedures = models.JSONField("适用程序", default=list, blank=True,
                                  help_text="如 [\"penalty_general\", \"penalty_simple\"]。")
    time_limit = models.CharField("办理时限", max_length=200, blank=True)
    time_limit_days = models.PositiveIntegerField("法定时限（日）", null=True, blank=True)
    time_limit_working_days = models.BooleanField("时限按工作日计算", default=False)
    flowchart = models.JSONField("流程图", default=list, blank=True,
                                 help_text="有序步骤列表：[{\"step\": \"受理\", \"note\": \"…\"}]。")
    # Service guide (办事指南, P1; 118号 (四)).
    conditions = models.TextField("受理条件", blank=True)
    materials = models.TextField("申请材料", blank=True)
    steps = models.TextField("办理流程", blank=True)
    fee = models.CharField("收费标准", max_length=200, blank=True)
    office = models.CharField("办理地点（窗口）", max_length=200, blank=True)
    hours = models.CharField("办理时间", max_length=200, blank=True)
    address = models.CharField("地址", max_length=200, blank=True)
    phone = models.CharField("咨询电话", max_length=50, blank=True)
    remedies = models.TextField("救济途径", blank=True)
    # Penalty matters (REV-09).
    violation = models.TextField("违法行为", blank=True)
    penalty_types = models.JSONField("处罚种类", default=list, blank=True, help_text="PEN-01 封闭列表中的取值。")
    fine_min = models.DecimalField("法定罚款下限（元）", max_digits=14, decimal_places=2, null=True, blank=True)
    fine_max = models.DecimalField("法定罚款上限（元）", max_digits=14, decimal_places=2, null=True, blank=True)
    multiple_min = models.DecimalField("法定倍数下限", max_digits=8, decimal_places=2, null=True, blank=True)
    multiple_max = models.DecimalField("法定倍数上限", max_digits=8, decimal_places=2, null=True, blank=True)
    multiple_of = models.CharField("倍数基数", max_length=16, blank=True,
                                   choices=[("illegal_gains", "违法所得"), ("goods_value", "货值金额")])
    multiple_threshold = models.DecimalField(
        "倍数适用起点（元）", max_digits=14, decimal_places=2, null=True, blank=True,
        help_text="倍数基数达到该金额时按倍数计罚，不足时按罚款金额幅度（如食品安全法“货值金额一万元以上”）。")
    # Publication (P3).
    status = models.CharField("公布状态", max_length=16, choices=PublicationStatus.choices,
                              default=PublicationStatus.DRAFT, db_index=True)
    effective_from = models.DateField("生效日期", null=True, blank=True)
    effective_to = models.DateField("失效日期", null=True, blank=True)
    change_reason = models.CharField("修订原因", max_length=300, blank=True)
    review_opinion = models.TextField("合法性审查意见", blank=True)
    published_at = models.DateTimeField("公布时间", null=True, blank=True)
    search_text = models.TextField("检索词", blank=True, editable=False)
    history = HistoricalRecords(m2m_fields=[legal_bases])

    class Meta:
        verbose_name = "执法事项"
        verbose_name_plural = "执法事项"
        ordering = ["agency", "kind", "code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="catalog_matter_unique_version"),
            models.UniqueConstraint(fields=["code"], condition=models.Q(status="published"),
                                    name="catalog_matter_one_published"),
        ]
        # The portal lists published matters ordered by agency, kind and code: this index gives that
        # order directly, so a search for a common term stops after the first page.
        indexes = [models.Index(fields=["status", "agency", "kind", "code"], name="catalog_matter_portal")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}（第{self.version}版）"

    @property
    def is_penalty(self) -> bool:
        return self.kind == self.Kind.PENALTY

    def penalty_type_labels(self) -> list[str]:
        return [PenaltyType(t).label for t in self.penalty_types if t in PenaltyType.values]


class BenchmarkTier(models.Model):
    """One tier of a matter's discretion benchmark (裁量基准, REV-09; 国办发〔2022〕27号 (六))."""

    class Tier(models.TextChoices):
        NO_PENALTY = "no_penalty", "不予处罚"
        MITIGATED = "mitigated", "减轻处罚"
        LIGHTER = "lighter", "从轻处罚"
        GENERAL = "general", "一般处罚"
        HEAVIER = "heavier", "从重处罚"

    ORDER = [Tier.NO_PENALTY, Tier.MITIGATED, Tier.LIGHTER, Tier.HEAVIER, Tier.GENERAL]

    matter = models.ForeignKey(Matter, verbose_name="执法事项", on_delete=models.CASCADE, related_name="tiers")
    tier = models.CharField("裁量阶次", max_length=16, choices=Tier.choices)
    conditions = models.TextField("适用情形")
    flags = models.JSONField("适用条件标识", default=list, blank=True,
                             help_text="全部满足时适用，如 [\"first_offence\", \"harm_minor\"]；为空则为默认阶次。")
    fine_min = models.DecimalField("罚款下限（元）", max_digits=14, decimal_places=2, null=True, blank=True)
    fine_max = models.DecimalField("罚款上限（元）", max_digits=14, decimal_places=2, null=True, blank=True)
    multiple_min = models.DecimalField("倍数下限", max_digits=8, decimal_places=2, null=True, blank=True)
    multiple_max = models.DecimalField("倍数上限", max_digits=8, decimal_places=2, null=True, blank=True)
    other_penalties = models.CharField("其他处罚", max_length=300, blank=True)
    position = models.PositiveSmallIntegerField("顺序", default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "裁量基准阶次"
        verbose_name_plural = "裁量基准阶次"
        ordering = ["matter", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["matter", "tier"], name="catalog_tier_unique")]

    def __str__(self) -> str:
        return f"{self.matter.code} {self.get_tier_display()}"


class ListItemBase(models.Model):
    """Common to the three published lists: per agency, reviewed and published (P3, PUB-01)."""

    agency = models.ForeignKey(Agency, verbose_name="执法主体", on_delete=models.PROTECT, related_name="+")
    status = models.CharField("公布状态", max_length=16, choices=PublicationStatus.choices,
                              default=PublicationStatus.DRAFT, db_index=True)
    effective_from = models.DateField("生效日期", null=True, blank=True)
    effective_to = models.DateField("失效日期", null=True, blank=True)
    published_at = models.DateTimeField("公布时间", null=True, blank=True)
    search_text = models.TextField("检索词", blank=True, editable=False)

    class Meta:
        abstract = True


class MajorDecisionCriterion(ListItemBase):
    """One row of the 重大执法决定法制审核目录清单 (REV-01, REV-03). A decision matches when every
    criterion set on the row holds; unset criteria do not restrict."""

    title = models.CharField("情形", max_length=300)
    matter_kind = models.CharField("决定类别", max_length=16, choices=Matter.Kind.choices, blank=True)
    matter_code = models.CharField("事项编码", max_length=64, blank=True)
    penalty_type = models.CharField("处罚种类", max_length=24, choices=PenaltyType.choices, blank=True)
    amount_threshold = models.DecimalField("涉案金额达到（元）", max_digits=14, decimal_places=2, null=True,
                                           blank=True)
    hearing_held = models.BooleanField("经过听证", default=False)
    public_interest = models.BooleanField("涉及重大公共利益", default=False)
    complex_case = models.BooleanField("疑难复杂、涉及多个法律关系", default=False)
    basis = models.CharField("依据", max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "重大执法决定法制审核目录"
        verbose_name_plural = "重大执法决定法制审核目录"
        ordering = ["agency", "id"]

    def __str__(self) -> str:
        return self.title


class AvRecordingItem(ListItemBase):
    """音像记录事项清单 (REC-02; 118号 (八))."""

    class Requirement(models.TextChoices):
        MANDATORY = "mandatory", "全过程音像记录"
        AS_NEEDED = "as_needed", "根据实际情况音像记录"

    act_code = models.CharField("执法行为代码", max_length=64)
    name = models.CharField("执法行为", max_length=200)
    requirement = models.CharField("记录要求", max_length=16, choices=Requirement.choices)
    procedure_acts = models.JSONField(
        "对应的办案环节", default=list, blank=True,
        help_text="本事项所指的执法程序环节代码，如 seize、record_inspection、hold_hearing、serve_decision（REC-02）。")
    retention = models.CharField("保存期限", max_length=100)
    basis = models.CharField("依据", max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "音像记录事项"
        verbose_name_plural = "音像记录事项清单"
        ordering = ["agency", "act_code"]

    def __str__(self) -> str:
        return self.name


class RandomInspectionItem(ListItemBase):
    """随机抽查事项清单 (D1; 118号 (四))."""

    name = models.CharField("抽查事项", max_length=200)
    basis = models.TextField("抽查依据")
    body = models.CharField("抽查主体", max_length=200)
    targets = models.CharField("抽查对象", max_length=300)
    content = models.TextField("抽查内容")
    ratio = models.CharField("抽查比例", max_length=100)
    method = models.CharField("抽查方式", max_length=200)
    frequency = models.CharField("抽查频次", max_length=100)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "随机抽查事项"
        verbose_name_plural = "随机抽查事项清单"
        ordering = ["agency", "id"]

    def __str__(self) -> str:
        return self.name


class CatalogSetting(models.Model):
    """A CONFIG value (RULES 0.2) overriding the national default for a province/region or an
    agency. The defaults live in `catalog.settings_registry.DEFAULTS`."""

    key = models.CharField("参数", max_length=64)
    region = models.ForeignKey(Region, verbose_name="适用区划", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    agency = models.ForeignKey(Agency, verbose_name="适用主体", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    value = models.JSONField("取值")
    note = models.CharField("依据或说明", max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "行业与地方参数"
        verbose_name_plural = "行业与地方参数"
        ordering = ["key"]
        constraints = [
            models.UniqueConstraint(fields=["key", "region", "agency"], name="catalog_setting_unique_scope",
                                    ),
        ]

    def __str__(self) -> str:
        return self.key
