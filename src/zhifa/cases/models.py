"""The enforcement case (执法案件) and what the engine keeps about it.

A case's state moves only through `zhifa.cases.engine.case_transition`, which appends a
`StatusEntry` (append-only, REC-03) and a ledger entry covering it. The procedure tables
(`zhifa.procedures.*`) say which moves exist; this app knows nothing of them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from zhifa.core.append_only import AppendOnlyModel


class Case(models.Model):
    """执法案件. `data` holds the facts each step recorded, keyed by step (the procedure module
    says which keys exist); the status history holds who recorded them and when."""

    class Kind(models.TextChoices):
        PENALTY = "penalty", "行政处罚"
        LICENSING = "licensing", "行政许可"
        COERCION = "coercion", "行政强制"
        INSPECTION = "inspection", "行政检查"

    class Source(models.TextChoices):
        COMPLAINT = "complaint", "投诉举报"
        INSPECTION = "inspection", "监督检查"
        REFERRAL = "referral", "移送"
        MONITORING = "monitoring", "监测发现"
        ON_SPOT = "on_spot", "当场发现"
        OTHER = "other", "其他"

    kind = models.CharField("案件类别", max_length=16, choices=Kind.choices, default=Kind.PENALTY)
    procedure = models.CharField("适用程序", max_length=32, help_text="procedures 模块名，如 penalty_general。")
    agency = models.ForeignKey("org.Agency", verbose_name="执法主体", on_delete=models.PROTECT, related_name="cases")
    matter = models.ForeignKey("catalog.Matter", verbose_name="执法事项", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="cases")
    number = models.CharField("案件编号", max_length=80, blank=True, db_index=True,
                              help_text="立案（或当场处罚）时按执法主体和年度依次编号。")
    title = models.CharField("案由", max_length=200)
    source = models.CharField("案件来源", max_length=16, choices=Source.choices)
    source_detail = models.TextField("来源说明", blank=True)
    facts = models.TextField("违法事实", blank=True)
    place = models.CharField("违法地点", max_length=200, blank=True)
    occurred_on = models.DateField("违法行为发生日期", null=True, blank=True)
    act_ended_on = models.DateField("违法行为终了日期", null=True, blank=True,
                                    help_text="连续或继续状态的违法行为，追责时效自终了之日起算（PEN-11）。")
    discovered_on = models.DateField("发现（受理线索）日期")
    lead_officer = models.ForeignKey("org.Officer", verbose_name="主办人员", on_delete=models.PROTECT,
                                     related_name="led_cases")
    officers = models.ManyToManyField("org.Officer", verbose_name="承办人员", through="CaseOfficer",
                                      related_name="cases")
    state = models.CharField("状态", max_length=32, db_index=True)
    data = models.JSONField("各环节记录", default=dict, blank=True)
    version = models.PositiveIntegerField("版本", default=0, help_text="每次变动加一；法制审核以此判断送审后是否改动。")
    filed_on = models.DateField("立案日期", null=True, blank=True)
    decided_on = models.DateField("决定日期", null=True, blank=True)
    closed_on = models.DateField("结案日期", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = "执法案件"
        verbose_name_plural = "执法案件"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["agency", "state"]),
            models.Index(fields=["lead_officer", "-created_at"]),
            # An agency's case list, newest first, keyset-paged by id (cases/api.py case_list).
            models.Index(fields=["agency", "-id"], name="case_agency_newest"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["agency", "number"], condition=~models.Q(number=""),
                                    name="case_number_unique_per_agency"),
        ]

    def __str__(self) -> str:
        return self.number or f"{self.title}（未立案）"


class CaseOfficer(models.Model):
    """承办人员 on a case, with the conflict-of-interest declaration PEN-17 asks of each."""

    class Role(models.TextChoices):
        LEAD = "lead", "主办"
        CO = "co", "协办"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="case_officers")
    officer = models.ForeignKey("org.Officer", verbose_name="执法人员", on_delete=models.PROTECT,
                                related_name="case_roles")
    role = models.CharField("角色", max_length=8, choices=Role.choices, default=Role.CO)
    no_conflict_declared = models.BooleanField("已声明无应回避情形", default=False)
    recused = models.BooleanField("已回避", default=False)
    added_at = models.DateTimeField("加入时间", auto_now_add=True)

    class Meta:
        verbose_name = "承办人员"
        verbose_name_plural = "承办人员"
        constraints = [models.UniqueConstraint(fields=["case", "officer"], name="case_officer_once")]


class Party(models.Model):
    """当事人: a natural person, an individual business (个体工商户, a natural person under 民法典
    Art. 54) or an organisation."""

    class Kind(models.TextChoices):
        PERSON = "person", "自然人"
        INDIVIDUAL_BUSINESS = "individual_business", "个体工商户"
        ORGANISATION = "organisation", "法人或其他组织"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="parties")
    kind = models.CharField("当事人类型", max_length=24, choices=Kind.choices)
    name = models.CharField("姓名或名称", max_length=200)
    id_number = models.CharField("公民身份号码", max_length=18, blank=True)
    credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True)
    legal_representative = models.CharField("法定代表人（负责人）", max_length=50, blank=True)
    address = models.CharField("住所（地址）", max_length=200, blank=True)
    phone = models.CharField("联系电话", max_length=30, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "当事人"
        verbose_name_plural = "当事人"
        ordering = ["case", "id"]
        # PEN-06 looks for other decisions on the same party by identifier (procedures.guards.same_act_fines).
        indexes = [
            models.Index(fields=["id_number"], condition=~models.Q(id_number=""), name="case_party_id_number"),
            models.Index(fields=["credit_code"], condition=~models.Q(credit_code=""), name="case_party_credit_code"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_person(self) -> bool:
        """PEN-23: an individual business takes the natural person's threshold."""
        return self.kind in (self.Kind.PERSON, self.Kind.INDIVIDUAL_BUSINESS)


class StatusEntry(AppendOnlyModel):
    """One step of a case (状态记录): append-only, on the ledger. An in-state act (a 笔录, a
    payment) is a row whose from and to states are the same."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="status_entries")
    seq = models.PositiveIntegerField("序号")
    action = models.CharField("操作", max_length=48)
    action_label = models.CharField("操作名称", max_length=100)
    from_state = models.CharField("原状态", max_length=32, blank=True)
    to_state = models.CharField("新状态", max_length=32)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, on_delete=models.PROTECT,
                              related_name="+")
    at = models.DateTimeField("时间")
    on_date = models.DateField("行为日期", help_text="该环节发生的日期（期限据此计算）。")
    data = models.JSONField("记录内容", default=dict, blank=True)
    warnings = models.JSONField("提示及说明", default=list, blank=True,
                                help_text="WARN 级规则的提示，以及经办人填写的理由。")
    reason = models.TextField("理由", blank=True)

    class Meta:
        verbose_name = "案件状态记录"
        verbose_name_plural = "案件状态记录"
        ordering = ["case", "seq"]
        constraints = [models.UniqueConstraint(fields=["case", "seq"], name="status_entry_seq_unique")]

    def __str__(self) -> str:
        return f"{self.case_id}#{self.seq} {self.action_label}"


class CaseDeadline(models.Model):
    """A computed due date of a case step (COMPUTE rules), from the calendar service only."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="deadlines")
    key = models.CharField("期限规则", max_length=32, help_text="core.deadlines.PERIOD_RULES 的键。")
    rule_id = models.CharField("规则编号", max_length=16)
    label = models.CharField("期限名称", max_length=100)
    bearer = models.CharField("义务方", max_length=16)
    start = models.DateField("起算日")
    due_on = models.DateField("届满日")
    act_by = models.DateField("最迟办理日")
    provisional = models.BooleanField("预计（节假日未公布）", default=False)
    basis = models.CharField("法律依据", max_length=200)
    explanation = models.TextField("计算说明", blank=True)
    opened_by = models.ForeignKey(StatusEntry, on_delete=models.PROTECT, related_name="+", null=True)
    closed_by = models.ForeignKey(StatusEntry, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)

    class Meta:
        verbose_name = "案件期限"
        verbose_name_plural = "案件期限"
        ordering = ["due_on"]
        indexes = [models.Index(fields=["closed_at", "act_by"]),
                   # a case's open deadlines (list, page, every step that opens or closes one): without
                   # it SQLite answers `case_id = ? AND closed_at IS NULL` from the index above, by
                   # walking every open deadline of every case
                   models.Index(fields=["case", "closed_at"], name="deadline_case_open")]

    @property
    def open(self) -> bool:
        return self.closed_at is None


class NumberSequence(models.Model):
    """A serial number range per agency, series and year (案件编号, 文书编号, 当场处罚决定书编号),
    issued under a row lock so numbers are never skipped or duplicated."""

    agency = models.ForeignKey("org.Agency", on_delete=models.PROTECT, related_name="+")
    series = models.CharField("编号类别", max_length=32)
    year = models.PositiveIntegerField("年度")
    last = models.PositiveIntegerField("已用至", default=0)

    class Meta:
        verbose_name = "编号序列"
        verbose_name_plural = "编号序列"
        constraints = [models.UniqueConstraint(fields=["agency", "series", "year"], name="number_sequence_once")]
