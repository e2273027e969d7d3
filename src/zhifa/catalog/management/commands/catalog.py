"""`zhifa catalog import FILE [--user NAME]` and `zhifa catalog export FILE [--agency NAME] [--published]`."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from zhifa.core.errors import DomainError
from zhifa.org.models import Agency

from zhifa.catalog.importer import catalog_export, catalog_import, count_rows


class Command(BaseCommand):
    help = "导入或导出权责清单（事项、法律依据、裁量基准）XLSX；模板见 docs/catalog-import.md。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="导入 XLSX（任一行出错则全部不导入）")
        imp.add_argument("file")
        imp.add_argument("--user", help="记入账本的操作人用户名（默认：系统）")
        exp = sub.add_parser("export", help="导出 XLSX")
        exp.add_argument("file")
        exp.add_argument("--agency", help="只导出该执法主体（名称）")
        exp.add_argument("--published", action="store_true", help="只导出已公布版本")

    def handle(self, *args, **opts):
        if opts["action"] == "import":
            actor = None
            if opts.get("user"):
                actor = get_user_model().objects.filter(username=opts["user"]).first()
                if actor is None:
                    raise CommandError(f"用户“{opts['user']}”不存在。")
            try:
                total = count_rows(opts["file"])
            except FileNotFoundError:
                raise CommandError(f"文件“{opts['file']}”不存在。") from None
            except Exception:
                raise CommandError("无法读取文件，请使用 XLSX 格式的导入模板。") from None
            with tqdm(total=total, unit="行", desc="导入", file=self.stderr._out) as bar:
                try:
                    counts = catalog_import(file=opts["file"], actor=actor, progress=bar.update)
                except DomainError as exc:
                    raise CommandError(exc.message) from None
            self.stdout.write(self.style.SUCCESS(
                f"导入完成：法律依据 {counts['bases']} 条，事项 {counts['matters']} 项，裁量基准 {counts['tiers']} 档。"))
        else:
            agency = None
            if opts.get("agency"):
                agency = Agency.objects.filter(name=opts["agency"]).first()
                if agency is None:
                    raise CommandError(f"执法主体“{opts['agency']}”不存在。")
            with tqdm(unit="项", desc="导出", file=self.stderr._out) as bar:
                counts = catalog_export(path_or_file=opts["file"], agency=agency, only_published=opts["published"],
                                        progress=bar.update)
            self.stdout.write(self.style.SUCCESS(
                f"导出完成：法律依据 {counts['bases']} 条，事项 {counts['matters']} 项，裁量基准 {counts['tiers']} 档。"))
