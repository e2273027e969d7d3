from django.db import models


class ScheduledRun(models.Model):
    """One firing of a periodic job. The unique (name, slot) row means two scheduler processes
    can never fire the same slot twice, on SQLite or PostgreSQL."""

    name = models.CharField("任务", max_length=100)
    slot = models.DateTimeField("计划时间")
    enqueued_at = models.DateTimeField("入队时间", auto_now_add=True)
    task_id = models.CharField("任务编号", max_length=64, blank=True)

    class Meta:
        verbose_name = "定时任务执行"
        verbose_name_plural = "定时任务执行"
        constraints = [models.UniqueConstraint(fields=["name", "slot"], name="core_scheduledrun_unique_slot")]
        ordering = ["-slot"]
