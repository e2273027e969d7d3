import sys

from django.core.management.base import BaseCommand, CommandError

from zhifa.core.errors import DomainError
from zhifa.ledger import keys
from zhifa.ledger.services import tree_head_sign
from zhifa.ledger.verify import ledger_verify_and_record


class Command(BaseCommand):
    help = "防篡改账本：keygen 生成签名密钥；sign 签署树头；verify 全量核验。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        keygen = sub.add_parser("keygen", help="生成 Ed25519 树头签名密钥（存于数据库之外）")
        keygen.add_argument("--if-missing", action="store_true", help="密钥已存在时不报错")
        sign = sub.add_parser("sign", help="签署当前树头")
        sign.add_argument("--force", action="store_true", help="账本未增长也签署")
        sub.add_parser("verify", help="重算全部条目、数据行、文件与 Merkle 树，对照最新签名树头")

    def handle(self, *args, action, **options):
        try:
            getattr(self, f"_{action}")(**options)
        except DomainError as e:
            raise CommandError(e.message) from e

    def _keygen(self, if_missing=False, **_):
        if if_missing and keys.key_path().exists():
            self.stdout.write(f"签名密钥已存在：{keys.key_path()}")
            return
        path = keys.generate()
        self.stdout.write(self.style.SUCCESS(f"已生成签名密钥：{path}（请与数据库分开备份）"))
        self.stdout.write(f"公钥：{keys.public_key_raw().hex()}")

    def _sign(self, force=False, **_):
        head = tree_head_sign(force=force)
        self.stdout.write(f"树头：大小 {head.size}，根 {head.root_hash}，签署于 {head.signed_at:%Y-%m-%d %H:%M:%S}")

    def _verify(self, **_):
        bar = None
        if sys.stdout.isatty():
            from tqdm import tqdm

            from zhifa.ledger.models import LedgerHead

            head = LedgerHead.objects.filter(pk=1).first()
            bar = tqdm(total=head.size if head else None, unit="条", desc="核验账本")
        report, run = ledger_verify_and_record(progress=bar.update if bar else None)
        if bar:
            bar.close()
        self.stdout.write(f"核验条目 {report.entries} 条；对照签名树头大小：{report.head_size or '（无树头）'}")
        if report.ok:
            self.stdout.write(self.style.SUCCESS("核验通过：未发现篡改。"))
            return
        for p in report.problems:
            self.stdout.write(self.style.ERROR(f"✗ {p['message']}  期望 {p['expected']}，实际 {p['found']}"))
        raise CommandError(f"核验失败：发现 {len(report.problems)} 处问题。")
