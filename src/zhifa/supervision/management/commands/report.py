from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from zhifa.supervision.reports import annual_csv, annual_figures, report_due


class Command(BaseCommand):
    help = "统计报表：annual --year Y 生成行政执法统计年报（CSV，P11、PUB-13）。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        annual = sub.add_parser("annual", help="行政执法统计年报（按执法主体和执法类别）")
        annual.add_argument("--year", type=int, required=True, help="统计年度，如 2026")
        annual.add_argument("--out", help="写入 CSV 文件（默认输出到屏幕）")

    def handle(self, *args, action, year=None, out=None, **options):
        if action != "annual":
            raise CommandError("未知的报表。")
        if not 2000 <= year <= 2100:
            raise CommandError("统计年度应在 2000 至 2100 之间。")
        text = annual_csv(annual_figures(year=year))
        if out:
            Path(out).write_text("\ufeff" + text, encoding="utf-8")
            self.stdout.write(self.style.SUCCESS(f"已写入 {out}"))
        else:
            self.stdout.write(text, ending="")
        due = report_due(year)
        left = (due - timezone.localdate()).days
        self.stderr.write(f"{year} 年度统计年报应于 {due:%Y年%m月%d日} 前公布（P11；PUB-13 为 1 月 31 日）"
                          + (f"，尚余 {left} 天。" if left >= 0 else f"，已逾期 {-left} 天。"))
