"""执法文书: documents generated from a case (PDF/A and an editable DOCX copy).

A `Document` is append-only (REC-03): it is never edited; a corrected document is a new row that
`supersedes` the old one, with a reason, and the old one stays. Its two files live in the
content-addressed store and its ledger entry (`document_generated`) covers the row and both files.

A `DocumentRequest` is the mutable job record of one generation: pending → done | failed. The
document row only exists once both files are rendered and stored, so a failed render leaves no
document, no number and no ledger entry — only the failed request with its error.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from zhifa.core.append_only import AppendOnlyModel


class Document(AppendOnlyModel):
    """One issued version of one document of a case."""

    case = models.ForeignKey("cases.Case", verbose_name="案件", on_delete=models.PROTECT, related_name="documents")
    template = models.CharField("文书模板", max_length=48, db_index=True)
    template_version = models.CharField("模板版本", max_length=16, help_text="REC-10：模板登记簿的版本。")
    title = models.CharField("文书名称", max_length=100)
    number = models.CharField("文书编号", max_length=80)
    version = models.PositiveIntegerField("版次", default=1)
    supersedes = models.OneToOneField("self", verbose_name="更正的文书", null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="superseded_by")
    reason = models.TextField("更正理由", blank=True)
    entry = models.ForeignKey("cases.StatusEntry", verbose_name="所属环节", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    content = models.JSONField("文书内容", default=dict, blank=True,
                               help_text="生成时填入模板的内容（字段与段落），便于核对。")
    pdf_name = models.CharField("PDF 存储名", max_length=100)
    pdf_sha256 = models.CharField("PDF SHA-256", max_length=64)
    pdf_sm3 = models.CharField("PDF SM3", max_length=64)
    pdf_size = models.PositiveBigIntegerField("PDF 大小（字节）")
    docx_name = models.CharField("DOCX 存储名", max_length=100)
    docx_sha256 = models.CharField("DOCX SHA-256", max_length=64)
    docx_sm3 = models.CharField("DOCX SM3", max_length=64)
    docx_size = models.PositiveBigIntegerField("DOCX 大小（字节）")
    generated_at = models.DateTimeField("生成时间")
    generated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="生成人", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "执法文书"
        verbose_name_plural = "执法文书"
        ordering = ["case", "id"]
        indexes = [models.Index(fields=["case", "template"])]

    def __str__(self) -> str:
        return f"{self.title} {self.number}" + (f"（第{self.version}版）" if self.version > 1 else "")

    def file_covers(self) -> list[dict]:
        return [
            {"name": self.pdf_name, "sha256": self.pdf_sha256, "sm3": self.pdf_sm3, "size": self.pdf_size},
            {"name": self.docx_name, "sha256": self.docx_sha256, "sm3": self.docx_sm3, "size": self.docx_size},
        ]


class DocumentRequest(models.Model):
    """A request to generate a document, run by a background task (mutable job record)."""

    class Status(models.TextChoices):
        PENDING = "pending", "生成中"
        DONE = "done", "已生成"
        FAILED = "failed", "生成失败"

    case = models.ForeignKey("cases.Case", verbose_name="案件", on_delete=models.CASCADE,
                             related_name="document_requests")
    template = models.CharField("文书模板", max_length=48)
    entry = models.ForeignKey("cases.StatusEntry", verbose_name="所属环节", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    extra = models.JSONField("附加内容", default=dict, blank=True)
    supersedes = models.ForeignKey(Document, verbose_name="更正的文书", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    reason = models.TextField("更正理由", blank=True)
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.PENDING, db_index=True)
    error = models.TextField("失败原因", blank=True)
    document = models.OneToOneField(Document, verbose_name="生成的文书", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="request")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="申请人", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField("申请时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "文书生成请求"
        verbose_name_plural = "文书生成请求"
        ordering = ["-requested_at", "-id"]
