import time

import structlog
from django.core.management.base import BaseCommand

from zhifa.core.scheduler import fire_due

log = structlog.get_logger("zhifa.scheduler")


class Command(BaseCommand):
    help = "定时任务调度：每个时间槽只触发一次，任务交给 db_worker 执行。"

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="检查一次后退出")
        parser.add_argument("--interval", type=float, default=30.0, help="检查间隔（秒）")

    def handle(self, *args, once=False, interval=30.0, **options):
        while True:
            fired = fire_due()
            for name in fired:
                log.info("scheduled_job_enqueued", job=name)
            if once:
                return
            time.sleep(interval)
