from django.db import models
from simple_history.models import HistoricalRecords


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


class WorkCalendarDay(models.Model):
    """A day that departs from the Mon–Fri week (TIME-08): a day off on a weekday or weekend
    (法定节假日 or 调休休息日), or a weekend day designated as a working day (调休上班).
    Every other day is a working day iff it is Monday to Friday."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", "法定节假日/休息日"
        MAKEUP_WORKDAY = "makeup_workday", "调休上班"

    date = models.DateField("日期", unique=True)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    name = models.CharField("名称", max_length=50, blank=True)
    # TIME-07: a statutory holiday proper (放假办法 Art. 2) rather than a swapped rest day.
    statutory = models.BooleanField("法定节假日本日", default=False)
    source = models.CharField("来源", max_length=300, blank=True)
    published_at = models.DateField("通知日期", null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "工作日历日"
        verbose_name_plural = "工作日历"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}"


class CalendarYear(models.Model):
    """Whether a year's 国务院办公厅 holiday notice is loaded (TIME-08). Years without an
    announced row are computed provisionally (weekends + `holidays.China`)."""

    class Status(models.TextChoices):
        ANNOUNCED = "announced", "已公布"
        PROVISIONAL = "provisional", "预计（未公布）"

    year = models.PositiveIntegerField("年度", unique=True)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.PROVISIONAL)
    source = models.CharField("来源", max_length=300, blank=True)
    notice_date = models.DateField("通知日期", null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "日历年度"
        verbose_name_plural = "日历年度"
        ordering = ["year"]

    def __str__(self) -> str:
        return f"{self.year} {self.get_status_display()}"


class Confidentiality(models.TextChoices):
    """PEN-22 / PUB-08 / PUB-09: the confidentiality level of a record, document or publication.
    Records' access checks and publicity both read it: state and commercial secrets are never
    published; internal and personal items only with a recorded consent or public-interest decision."""

    PUBLIC = "public", "可公开"
    INTERNAL = "internal", "内部事务信息"
    PERSONAL = "personal", "个人隐私"
    COMMERCIAL_SECRET = "commercial_secret", "商业秘密"
    STATE_SECRET = "state_secret", "国家秘密"
