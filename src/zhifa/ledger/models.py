"""The tamper-evident ledger: an append-only list of legally relevant facts (RULES REC-01..REC-05)."""

import json

from django.db import models

from zhifa.core.append_only import AppendOnlyModel


class CanonicalJSONEncoder(json.JSONEncoder):
    """Writes JSON in the ledger's canonical form (sorted keys, no spaces, UTF-8). No field uses it
    since entries became their text (migration 0004); migration 0003 still refers to it."""

    def __init__(self, **kwargs):
        kwargs.update(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        super().__init__(**kwargs)


class FromData(models.Func):
    """One key of an entry's canonical text, as a generated column: the entry *is* its `data`, and
    every other column is read from it by the database, so no column can say something the hashed
    bytes do not (a generated column cannot be updated). SQLite reads the text with json_extract,
    PostgreSQL through jsonb (expressions of a stored generated column must be immutable: the time
    is built with make_timestamp, not a text cast, which depends on DateStyle)."""

    def __init__(self, key: str, output_field, *, as_: str = "text") -> None:
        self.key, self.as_ = key, as_
        super().__init__(models.F("data"), output_field=output_field)

    def as_sqlite(self, compiler, connection, **extra):
        data, params = compiler.compile(self.source_expressions[0])
        value = f"json_extract({data}, '$.{self.key}')"
        if self.as_ == "time":  # canonical '…T…+00:00' -> the text Django keeps on SQLite
            value = f"replace(substr({value}, 1, 26), 'T', ' ')"
        return value, params

    def as_postgresql(self, compiler, connection, **extra):
        data, params = compiler.compile(self.source_expressions[0])
        text = f"(({data})::jsonb ->> '{self.key}')"
        if self.as_ == "json":
            return f"(({data})::jsonb -> '{self.key}')", params
        if self.as_ == "int":
            return f"({text})::bigint", params
        if self.as_ == "time":
            parts = ", ".join(f"substr({text}, {a}, {b})::int" for a, b in ((1, 4), (6, 2), (9, 2), (12, 2), (15, 2)))
            return f"timezone('UTC', make_timestamp({parts}, substr({text}, 18, 9)::float8))", params
        return text, params


def _generated(key: str, field, *, as_: str = "text", **kwargs):
    return models.GeneratedField(expression=FromData(key, field, as_=as_), output_field=field, db_persist=True,
                                 **kwargs)


class Entry(AppendOnlyModel):
    """One fact. `data` is the canonical entry (`ledger.services.entry_leaf_data`), the bytes the
    RFC 9162 leaf hash H(0x00 || data) is taken over; the other columns are generated from it, for
    queries and display. Verify therefore hashes one column per entry (ledger.verify)."""

    data = models.TextField("规范文本", help_text="条目的规范 JSON 文本，叶子哈希即对其计算。")
    seq = _generated("seq", models.BigIntegerField(), as_="int", unique=True, verbose_name="序号",
                     help_text="从 1 起连续编号；Merkle 树叶子序号为 seq-1。")
    recorded_at = _generated("recorded_at", models.DateTimeField(), as_="time", verbose_name="记录时间")
    actor_id = _generated("actor_id", models.BigIntegerField(null=True), as_="int", null=True,
                          verbose_name="操作人编号")
    actor = _generated("actor", models.CharField(max_length=200), verbose_name="操作人")
    kind = _generated("kind", models.CharField(max_length=64), db_index=True, verbose_name="事项",
                      help_text="过去式的稳定名称，如 certificate_issued。")
    subject = _generated("subject", models.CharField(max_length=200), db_index=True, verbose_name="对象",
                         help_text="所涉对象，形如 org.certificate:12。")
    payload = _generated("payload", models.JSONField(), as_="json", verbose_name="内容")
    covers = _generated("covers", models.JSONField(), as_="json", verbose_name="覆盖的数据行与文件")
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
