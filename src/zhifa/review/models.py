"""Legal review of major decisions (法制审核, REV-01..REV-07; REQUIREMENTS L1–L7) and collective
discussion (集体讨论, REV-08).

A `Review` is the review file of one case: which body reviews it, who is assigned, where it
stands. What happened is kept in append-only rows (REC-03), each on the ledger: every submission
is a `ReviewRound` holding the frozen case snapshot and its digest; the reviewer's signed
`ReviewOpinion` answers one round; a disagreement is a `Coordination` and its `CoordinationOutcome`;
a `Meeting` is the minutes of a collective discussion. A correction is a new row.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from zhifa.core.append_only import AppendOnlyModel


class ReviewBodyRoute(models.Model):
    """L2: an agency may name different review bodies for different kinds of act. Without a
    route the agency's (first) department marked as 法制审核机构 reviews everything."""

    agency = models.ForeignKey("org.Agency", verbose_name="执法主体", on_delete=models.PROTECT, related_name="+")
    case_kind = models.CharField("决定类别", max_length=16, blank=True,
                                 help_text="cases.Case.Kind 的取值；留空表示其余类别。")
    body = models.ForeignKey("org.Department", verbose_name="法制审核机构", on_delete=models.PROTECT,
                             related_name="+")

    class Meta:
        verbose_name = "法制审核机构分工"
        verbose_name_plural = "法制审核机构分工"
        constraints = [models.UniqueConstraint(fields=["agency", "case_kind"], name="review_route_once")]

    def __str__(self) -> str:
        return f"{self.agency} {self.case_kind or '其他'} → {self.body}"


class Review(models.Model):
    """法制审核 of one case: the queue row. Its status is derived from the append-only rows below
    and kept here only so queues can be listed quickly."""

    class Status(models.TextChoices):
        PENDING = "pending", "待分配"
        ASSIGNED = "assigned", "审核中"
        RETURNED = "returned", "存在问题，待补正"
        COORDINATION = "coordination", "意见分歧，协调中"
        PASSED = "passed", "审核通过"

    OPEN = (Status.PENDING, Status.ASSIGNED)

    case = models.OneToOneField("cases.Case", verbose_name="案件", on_delete=models.PROTECT, related_name="review")
    agency = models.ForeignKey("org.Agency", verbose_name="执法主体", on_delete=models.PROTECT, related_name="+")
    body = models.ForeignKey("org.Department", verbose_name="法制审核机构", on_delete=models.PROTECT,
                             related_name="reviews")
    reviewer = models.ForeignKey("org.Officer", verbose_name="审核人员", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="reviews_assigned")
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    rounds = models.PositiveIntegerField("送审轮次", default=0)
    due_on = models.DateField("审核期限", null=True, blank=True)
    created_at = models.DateTimeField("首次送审时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "法制审核"
        verbose_name_plural = "法制审核"
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["body", "status"]), models.Index(fields=["status", "due_on"])]

    def __str__(self) -> str:
        return f"{self.case} 法制审核"


class ReviewRound(AppendOnlyModel):
    """One submission (送审) — the handling unit answers for its materials (REV-07). The snapshot is
    frozen here so the reviewer reviews exactly what was submitted (REV-01, L5)."""

    review = models.ForeignKey(Review, verbose_name="法制审核", on_delete=models.PROTECT, related_name="round_rows")
    number = models.PositiveIntegerField("轮次")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="送审人", on_delete=models.PROTECT,
                                     related_name="+")
    submitted_at = models.DateTimeField("送审时间", auto_now_add=True)
    submitted_on = models.DateField("送审日期")
    due_on = models.DateField("审核期限（REV-06）")
    reasons = models.JSONField("须经审核的理由", default=list)
    materials = models.JSONField("送审材料", default=list)
    investigation_report = models.TextField("调查终结报告（摘要）", blank=True)
    note = models.TextField("送审说明", blank=True, help_text="补正后重新送审时，说明如何处理上一轮审核意见。")
    snapshot = models.JSONField("案件快照")
    digest = models.CharField("快照摘要", max_length=64)

    class Meta:
        verbose_name = "送审记录"
        verbose_name_plural = "送审记录"
        ordering = ["review", "number"]
        constraints = [models.UniqueConstraint(fields=["review", "number"], name="review_round_once")]

    def __str__(self) -> str:
        return f"{self.review.case} 第{self.number}轮送审"


class ReviewAssignment(AppendOnlyModel):
    """Who was assigned to review a round (reassignment is a new row)."""

    round = models.ForeignKey(ReviewRound, verbose_name="送审轮次", on_delete=models.PROTECT,
                              related_name="assignments")
    reviewer = models.ForeignKey("org.Officer", verbose_name="审核人员", on_delete=models.PROTECT, related_name="+")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="分配人", on_delete=models.PROTECT,
                                    related_name="+")
    assigned_at = models.DateTimeField("分配时间", auto_now_add=True)

    class Meta:
        verbose_name = "审核分配"
        verbose_name_plural = "审核分配"
        ordering = ["round", "id"]


class ReviewOpinion(AppendOnlyModel):
    """法制审核意见: the REV-04 checklist answered item by item, 同意 or 存在问题, signed by the
    reviewer, who answers for it (REV-07)."""

    class Conclusion(models.TextChoices):
        AGREE = "agree", "同意"
        PROBLEMS = "problems", "存在问题"

    round = models.OneToOneField(ReviewRound, verbose_name="送审轮次", on_delete=models.PROTECT,
                                 related_name="opinion")
    reviewer = models.ForeignKey("org.Officer", verbose_name="审核人员", on_delete=models.PROTECT,
                                 related_name="review_opinions")
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="签署人", on_delete=models.PROTECT,
                                  related_name="+")
    signed_at = models.DateTimeField("签署时间", auto_now_add=True)
    signed_on = models.DateField("签署日期")
    conclusion = models.CharField("审核结论", max_length=16, choices=Conclusion.choices)
    checklist = models.JSONField("审核事项", help_text="REV-04 各项：通过，或问题及意见；含自动核验结果。")
    findings = models.PositiveIntegerField("问题数", default=0)
    summary = models.TextField("审核意见")
    signature = models.CharField("签署摘要", max_length=64, help_text="审核意见规范形式的摘要（与快照摘要一并签署）。")

    class Meta:
        verbose_name = "法制审核意见"
        verbose_name_plural = "法制审核意见"
        ordering = ["round"]


class Coordination(AppendOnlyModel):
    """L6, REV-07: the handling unit disagrees with a 存在问题 opinion; the agency head (or a
    collective discussion) decides."""

    class Route(models.TextChoices):
        HEAD = "head", "报机关负责人协调决定"
        COLLECTIVE = "collective", "提交集体讨论"

    round = models.OneToOneField(ReviewRound, verbose_name="送审轮次", on_delete=models.PROTECT,
                                 related_name="coordination")
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="提出人", on_delete=models.PROTECT,
                                  related_name="+")
    raised_at = models.DateTimeField("提出时间", auto_now_add=True)
    route = models.CharField("协调方式", max_length=16, choices=Route.choices, default=Route.HEAD)
    objection = models.TextField("承办机构意见及理由")

    class Meta:
        verbose_name = "审核意见分歧协调"
        verbose_name_plural = "审核意见分歧协调"


class CoordinationOutcome(AppendOnlyModel):
    class Outcome(models.TextChoices):
        UPHOLD = "uphold", "维持审核意见，承办机构补正后重新送审"
        OVERRULE = "overrule", "采纳承办机构意见，视为审核通过"

    coordination = models.OneToOneField(Coordination, verbose_name="协调", on_delete=models.PROTECT,
                                        related_name="outcome")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="决定人", on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField("决定时间", auto_now_add=True)
    outcome = models.CharField("协调结果", max_length=16, choices=Outcome.choices)
    note = models.TextField("协调意见")
    meeting = models.ForeignKey("Meeting", verbose_name="集体讨论记录", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "协调结果"
        verbose_name_plural = "协调结果"


class Meeting(AppendOnlyModel):
    """集体讨论记录 (REV-08): date, chair, participants, each one's opinion, the conclusion. Held on
    a snapshot of the case: a later change needs a new discussion."""

    class Conclusion(models.TextChoices):
        APPROVE = "approve", "同意拟处理意见"
        MODIFY = "modify", "修改后作出决定"
        REJECT = "reject", "不同意，退回承办机构"

    case = models.ForeignKey("cases.Case", verbose_name="案件", on_delete=models.PROTECT, related_name="meetings")
    agency = models.ForeignKey("org.Agency", verbose_name="执法主体", on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField("讨论日期")
    place = models.CharField("地点", max_length=200, blank=True)
    chair = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="主持人", on_delete=models.PROTECT,
                              related_name="+")
    participants = models.JSONField("参加人员", help_text="[{user, name, head, opinion}]")
    attendees_other = models.TextField("列席人员", blank=True)
    reasons = models.JSONField("须集体讨论的理由", default=list)
    discussion = models.TextField("讨论情况", blank=True)
    conclusion = models.CharField("结论", max_length=16, choices=Conclusion.choices)
    decision = models.TextField("决定内容")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="记录人", on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField("记录时间", auto_now_add=True)
    digest = models.CharField("案件快照摘要", max_length=64)

    class Meta:
        verbose_name = "集体讨论记录"
        verbose_name_plural = "集体讨论记录"
        ordering = ["case", "id"]

    def __str__(self) -> str:
        return f"{self.case} 集体讨论（{self.held_on:%Y-%m-%d}）"


class ReviewAlert(AppendOnlyModel):
    """An alert that a review is about to run out of, or past, its time limit (REV-06), to the
    reviewer and the agency head. One row per round, kind and recipient."""

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", "审核期限即将届满"
        OVERDUE = "overdue", "审核已超期"
        COORDINATION = "coordination", "审核意见分歧待协调"

    round = models.ForeignKey(ReviewRound, verbose_name="送审轮次", on_delete=models.PROTECT, related_name="alerts")
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="接收人", on_delete=models.PROTECT,
                                  related_name="review_alerts")
    message = models.TextField("内容")
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "审核期限提醒"
        verbose_name_plural = "审核期限提醒"
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["round", "kind", "recipient"], name="review_alert_once")]
