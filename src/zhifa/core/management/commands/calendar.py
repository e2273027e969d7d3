from django.core.management.base import BaseCommand, CommandError

from zhifa.core import calendar


class Command(BaseCommand):
    help = "工作日历：seed 从 chinesecalendar 补录缺少的年度和日期；check 与 chinesecalendar 逐日核对（TIME-08）。"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["seed", "check"])

    def handle(self, *args, action, **options):
        if action == "seed":
            n = calendar.calendar_seed()
            self.stdout.write(f"已补录 {n} 个日期。")
            return
        diff = calendar.calendar_differences()
        for d in diff:
            self.stdout.write(f"{d}：工作日历与 chinesecalendar 不一致")
        if diff:
            raise CommandError(f"共 {len(diff)} 天不一致。")
        self.stdout.write("工作日历与 chinesecalendar 逐日一致。")
