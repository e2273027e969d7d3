from django.core.management.base import BaseCommand

from .demo_data import demo_modules


class Command(BaseCommand):
    help = "列出演示账户。"

    def handle(self, *args, **options):
        rows = [row for m in demo_modules() for row in getattr(m, "LOGINS", [])]
        if not rows:
            return
        self.stdout.write("演示账户（用户名 / 密码 / 角色）：")
        for username, password, role in rows:
            self.stdout.write(f"  {username:<22} {password:<18} {role}")
