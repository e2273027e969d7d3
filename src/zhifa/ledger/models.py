"""The tamper-evident ledger: an append-only list of legally relevant facts (RULES REC-01..REC-05)."""

import json

from django.db import models

from zhifa.core.append_only import AppendOnlyModel


class CanonicalJSONEncoder(json.JSONEncoder):
    """Stores JSON in the ledger's canonical form (sorted keys, no spaces, UTF-8), the same bytes
    the leaf hash covers. Where the column keeps the text (SQLite), verify can then build a leaf
    from the stored text without decoding and re-encoding it (ledger.verify)."""

    def __init__(self, **kwargs):
        kwargs.update(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        super().__init__(**kwargs)


class Entry(AppendOnlyModel):
    """One fact. `leaf_hash` is the RFC 9162 leaf hash H(0x00 || canonical entry)."""

    seq = models.PositiveBigIntegerField("序号", unique=True, help_text="从 1 起连续编号；Merkle 树叶子序号为 seq-1。")
    recorded_at = models.DateTimeField("记录时间")
    actor_id = models.BigIntegerField("操作人编号", null=True, blank=True)
    actor = models.CharField("操作人", max_length=200)
    kind = models.CharField("事项", max_length=64, db_index=True, help_text="过去式的稳定名称，如 certificate_issued。")
    subject = models.CharField("对象", max_length=200, db_index=True, help_text="所涉对象，形如 org.certificate:12。")
    payload = models.JSONField("内容", default=dict, encoder=CanonicalJSONEncoder)
    covers = models.JSONField("覆盖的数据行与文件", default=list, encoder=CanonicalJSONEncoder)
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


class Node(AppendOnlyModel):
    """The hash of a perfect subtree of the Merkle tree: leaves [index·2^level, (index+1)·2^level).
    Written by `ledger_append` in the same transaction as the entry that completes it (see
    ledger.nodes for which levels are kept). Proofs and tree heads read these, not every leaf."""

    level = models.PositiveSmallIntegerField("层")
    index = models.PositiveBigIntegerField("序号")
    hash = models.CharField("哈希", max_length=64)

    class Meta:
        verbose_name = "账本树节点"
        verbose_name_plural = "账本树节点"
        constraints = [models.UniqueConstraint(fields=["level", "index"], name="ledger_node_level_index")]

    def __str__(self) -> str:
        return f"L{self.level}#{self.index}"


class TreeHead(AppendOnlyModel):
    """A signed tree head (RFC 9162 §4.10 in spirit): size and root of the log at a moment, signed
    with the deployment's Ed25519 key, which lives outside the database (settings.ZHIFA_LEDGER_KEY)."""

    size = models.PositiveBigIntegerField("树大小")
    root_hash = models.CharField("根哈希", max_length=64)
    hash_name = models.CharField("哈希算法", max_length=10)
    signed_at = models.DateTimeField("签署时间")
    signed_message = models.TextField("签名内容", help_text="被签名的规范 JSON 文本。")
    signature = models.CharField("签名", max_length=128)
    key_id = models.CharField("公钥标识", max_length=32)
    public_key = models.CharField("公钥", max_length=64, help_text="Ed25519 原始公钥（十六进制）。")

    class Meta:
        verbose_name = "签名树头"
        verbose_name_plural = "签名树头"
        ordering = ["-size", "-signed_at"]


class VerificationRun(AppendOnlyModel):
    """One run of `zhifa ledger verify` (nightly or by hand); a failed run is an open alert."""

    started_at = models.DateTimeField("开始时间")
    finished_at = models.DateTimeField("结束时间")
    ok = models.BooleanField("通过")
    entries = models.PositiveBigIntegerField("核验条目数")
    head_size = models.PositiveBigIntegerField("对照树头大小", null=True)
    discrepancies = models.JSONField("发现的问题", default=list)

    class Meta:
        verbose_name = "账本核验记录"
        verbose_name_plural = "账本核验记录"
        ordering = ["-started_at"]
