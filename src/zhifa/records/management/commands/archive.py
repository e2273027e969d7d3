"""`zhifa archive check <case>`: the four checks of electronic archives (真实性、完整性、可用性、安全性)
on a case's latest archive package; `zhifa archive build <case>` builds one (R6, REC-04)."""

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from zhifa.cases.models import Case
from zhifa.core.errors import DomainError
from zhifa.records.archive import CHECKS, archive_build, archive_check, latest_package


def _case(ref: str) -> Case:
    q = Q(number=ref) | (Q(pk=int(ref)) if ref.isdigit() else Q())
    case = Case.objects.filter(q).first()
    if case is None:
        raise CommandError(f"未找到案件：{ref}")
    return case


class Command(BaseCommand):
    help = "案卷归档：check 对最新归档包做四性检测；build 生成归档包。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("check", help="四性检测（真实性、完整性、可用性、安全性）")
        check.add_argument("case", help="案件编号或案件 ID")
        build = sub.add_parser("build", help="生成归档包")
        build.add_argument("case", help="案件编号或案件 ID")

    def handle(self, *args, action, case, **options):
        case = _case(case)
        if action == "build":
            try:
                pkg = archive_build(case=case, actor=None)
            except DomainError as e:
                raise CommandError(e.message) from e
            self.stdout.write(f"已生成归档包 {pkg.file}（{pkg.size} 字节）")
        pkg = latest_package(case)
        if pkg is None:
            raise CommandError(f"案件 {case} 尚无归档包。")
        result = archive_check(pkg)
        self.stdout.write(f"案件 {case} 归档包 {pkg.file}（生成于 {pkg.built_at:%Y-%m-%d %H:%M}）")
        failed = 0
        for key, label in CHECKS:
            part = result[key]
            mark = self.style.SUCCESS("✓") if part["ok"] else self.style.ERROR("✗")
            self.stdout.write(f"{mark} {label}")
            for item in part["items"]:
                self.stdout.write(f"    {'✓' if item['ok'] else '✗'} {item['message']}")
            failed += not part["ok"]
        if failed:
            raise CommandError(f"四性检测未通过：{failed} 项。")
        self.stdout.write(self.style.SUCCESS("四性检测通过。"))
