from django.core.management.base import BaseCommand

from zhifa.review.demo import load_reviews


class Command(BaseCommand):
    help = "为待决定的案件生成各种状态的法制审核演示数据（在处罚案件演示数据之后运行）。"

    def handle(self, *args, **options):
        n = load_reviews(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS(f"已生成 {n} 件法制审核演示。"))
