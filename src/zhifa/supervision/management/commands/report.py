import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from zhifa.core.errors import DomainError
from zhifa.org.models import Agency
from zhifa.supervision.reports import annual_content, annual_csv, annual_figures, annual_pdf, report_due


class Command(BaseCommand):
    help = "统计报表：annual --year Y 生成行政执法统计年报（CSV 或带图表的 PDF，P11、PUB-13）。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        annual = sub.add_parser("annual", help="行政执法统计年报（按执法主体和执法类别）")
        annual.add_argument("--year", type=int, required=True, help="统计年度，如 2026")
        annual.add_argument("--format", choices=("csv", "pdf"), default="csv", help="csv（默认）或 pdf")
        annual.add_argument("--agency", type=int, help="只统计该执法主体（编号）；默认全部")
        annual.add_argument("--out", help="写入文件（默认输出到屏幕；PDF 须指定文件或 -）")
        annual.add_argument("--publish", action="store_true",
                            help="公布：PDF 和 CSV 存入文件库并记入账本（年度须已结束）")
        annual.add_argument("--reason", default="", help="重新公布同一年度时的理由")

    def handle(self, *args, action, year=None, format="csv", agency=None, out=None, publish=False, reason="",
               **options):
        if action != "annual":
            raise CommandError("未知的报表。")
        if not 2000 <= year <= 2100:
            raise CommandError("统计年度应在 2000 至 2100 之间。")
        scope_agency = None
        if agency is not None:
            scope_agency = Agency.objects.filter(pk=agency).first()
            if scope_agency is None:
                raise CommandError(f"未找到编号为 {agency} 的执法主体。")
        if format == "pdf" and not out:
            raise CommandError("PDF 请用 --out 指定文件（或 --out - 输出到标准输出）。")
        if publish:
            from zhifa.supervision.services import annual_report_publish

            try:
                report = annual_report_publish(year=year, agency=scope_agency, reason=reason, actor=None)
            except DomainError as e:
                raise CommandError(e.message) from e
            self.stderr.write(f"已公布：{report}（PDF SHA-256 {report.pdf_sha256}）"
                              + ("，逾期公布。" if report.late else "。"))
            from zhifa.core.filestore import filestore_open

            with filestore_open(report.pdf_name if format == "pdf" else report.csv_name) as f:
                data = f.read()  # exactly the published bytes
            if format == "csv":
                data = data.decode("utf-8")
        else:
            data = self._render(year, format, scope_agency, bom=bool(out and out != "-"))
        if out and out != "-":
            if isinstance(data, bytes):
                Path(out).write_bytes(data)
            else:
                Path(out).write_text(data, encoding="utf-8")
            self.stdout.write(self.style.SUCCESS(f"已写入 {out}"))
        elif isinstance(data, bytes):
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        else:
            self.stdout.write(data.removeprefix("\ufeff"), ending="")
        due = report_due(year)
        left = (due - timezone.localdate()).days
        self.stderr.write(f"{year} 年度统计年报应于 {due:%Y年%m月%d日} 前公布（P11；PUB-13 为 1 月 31 日）"
                          + (f"，尚余 {left} 天。" if left >= 0 else f"，已逾期 {-left} 天。"))

    @staticmethod
    def _render(year, format, scope_agency, *, bom: bool):
        figures = annual_figures(year=year, agencies=[scope_agency] if scope_agency else None)
        if format == "pdf":
            scope = scope_agency.name if scope_agency else "全部执法主体"
            return annual_pdf(annual_content(year=year, figures=figures, scope=scope))
        return ("\ufeff" if bom else "") + annual_csv(figures)
