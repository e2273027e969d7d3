"""Supervision records: alerts on case deadlines (issue 5 item 8), per officer and per agency."""

from __future__ import annotations

from django.db import models


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
