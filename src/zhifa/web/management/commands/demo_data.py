from importlib import import_module
from importlib.util import find_spec

from django.conf import settings
from django.core.management.base import BaseCommand


def demo_modules():
    for app in settings.INSTALLED_APPS:
        if app.startswith("zhifa.") and find_spec(f"{app}.demo") is not None:
            yield import_module(f"{app}.demo")


class Command(BaseCommand):
    help = "载入演示数据（演示城市、五个执法主体、人员与证件……）。已载入时跳过。"

    def handle(self, *args, **options):
        from zhifa.org.models import Agency

        if Agency.objects.exists():
            self.stdout.write("演示数据已存在，跳过。")
            return
        for module in demo_modules():
            self.stdout.write(f"载入 {module.__name__} …")
            module.load(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("演示数据载入完成。"))
