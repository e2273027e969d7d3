"""Supervision records: alerts on case deadlines (issue 5 item 8), per officer and per agency."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from zhifa.core.append_only import AppendOnlyModel


class DeadlineAlert(models.Model):
    """A flag the scheduler raises on a case deadline that is due soon or overdue. It is cleared
    (not deleted) when the deadline is met, so supervisors can see who was late and for how long."""

    class Level(models.TextChoices):
        DUE_SOON = "due_soon", "即将到期"
        OVERDUE = "overdue", "已逾期"

    deadline = models.ForeignKey("cases.CaseDeadline", on_delete=models.PROTECT, related_name="alerts")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="deadline_alerts")
    agency = models.ForeignKey("org.Agency", on_delete=models.PROTECT, related_name="+")
    officer = models.ForeignKey("org.Officer", verbose_name="主办人员", on_delete=models.PROTECT, related_name="+")
    level = models.CharField("级别", max_length=16, choices=Level.choices)
    rule_id = models.CharField("规则编号", max_length=16)
    act_by = models.DateField("最迟办理日")
    message = models.CharField("提醒内容", max_length=300)
    raised_on = models.DateField("提醒日期")
    cleared_at = models.DateTimeField("解除时间", null=True, blank=True)

    class Meta:
        verbose_name = "期限提醒"
        verbose_name_plural = "期限提醒"
        ordering = ["act_by"]
        constraints = [models.UniqueConstraint(fields=["deadline", "level"], name="one_alert_per_deadline_level")]
        indexes = [models.Index(fields=["agency", "cleared_at"]), models.Index(fields=["officer", "cleared_at"])]


class AnnualReport(AppendOnlyModel):
    """A published 行政执法统计年报 (P11, PUB-13): the PDF and the CSV as they were published, in
    the file store, covered by a ledger entry. Publishing again makes a new row that supersedes
    the old one, with a reason; nothing is rewritten."""

    year = models.PositiveSmallIntegerField("统计年度", db_index=True)
    agency = models.ForeignKey("org.Agency", verbose_name="执法主体", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", help_text="空：全部执法主体。")
    scope = models.CharField("统计范围", max_length=200)
    published_on = models.DateField("公布日期")
    due_on = models.DateField("公布期限")
    late = models.BooleanField("逾期公布", default=False)
    supersedes = models.OneToOneField("self", verbose_name="更正的年报", null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="superseded_by")
    reason = models.TextField("重新公布理由", blank=True)
    pdf_name = models.CharField("PDF 存储名", max_length=100)
    pdf_sha256 = models.CharField("PDF SHA-256", max_length=64)
    pdf_sm3 = models.CharField("PDF SM3", max_length=64)
    pdf_size = models.PositiveBigIntegerField("PDF 大小（字节）")
    csv_name = models.CharField("CSV 存储名", max_length=100)
    csv_sha256 = models.CharField("CSV SHA-256", max_length=64)
    csv_sm3 = models.CharField("CSV SM3", max_length=64)
    csv_size = models.PositiveBigIntegerField("CSV 大小（字节）")
    published_at = models.DateTimeField("公布时间", auto_now_add=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="公布人", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "行政执法统计年报"
        verbose_name_plural = "行政执法统计年报"
        ordering = ["-year", "-id"]

    def __str__(self) -> str:
        return f"{self.scope}{self.year}年度行政执法统计年报"
