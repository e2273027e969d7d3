"""The tamper-evident ledger: an append-only list of legally relevant facts (RULES REC-01..REC-05)."""

from django.db import models

from zhifa.core.append_only import AppendOnlyModel


class Entry(AppendOnlyModel):
    """One fact. `leaf_hash` is the RFC 9162 leaf hash H(0x00 || canonical entry)."""

    seq = models.PositiveBigIntegerField("序号", unique=True, help_text="从 1 起连续编号；Merkle 树叶子序号为 seq-1。")
    recorded_at = models.DateTimeField("记录时间")
    actor_id = models.BigIntegerField("操作人编号", null=True, blank=True)
    actor = models.CharField("操作人", max_length=200)
    kind = models.CharField("事项", max_length=64, db_index=True, help_text="过去式的稳定名称，如 certificate_issued。")
    subject = models.CharField("对象", max_length=200, db_index=True, help_text="所涉对象，形如 org.certificate:12。")
    payload = models.JSONField("内容", default=dict)
    covers = models.JSONField("覆盖的数据行与文件", default=list)
    leaf_hash = models.CharField("叶子哈希", max_length=64)

    class Meta:
        verbose_name = "账本条目"
        verbose_name_plural = "账本条目"
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"#{self.seq} {self.kind} {self.subject}"


class LedgerHead(models.Model):
    """A single row holding the current size; locked by every append so sequence numbers have
    no gaps under concurrent writers (a rolled-back append rolls the counter back too)."""

    size = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = "账本头"
        verbose_name_plural = "账本头"
