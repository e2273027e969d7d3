"""Periodic jobs. Apps declare them in their `tasks.py`:

    @periodic("ledger-nightly-verify", "30 2 * * *")
    @task
    def ledger_nightly_verify(): ...

`zhifa run_scheduler` fires each due slot once (a unique ScheduledRun row) and enqueues the task
for the worker (`zhifa db_worker`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from importlib import import_module
from importlib.util import find_spec

from croniter import croniter
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone


@dataclass(frozen=True)
class Job:
    name: str
    cron: str
    task: object  # a django.tasks Task


JOBS: dict[str, Job] = {}


def periodic(name: str, cron: str):
    def register(task):
        JOBS[name] = Job(name=name, cron=cron, task=task)
        return task

    return register


def load_jobs() -> dict[str, Job]:
    for app in settings.INSTALLED_APPS:
        if app.startswith("zhifa.") and find_spec(f"{app}.tasks") is not None:
            import_module(f"{app}.tasks")
    return JOBS


def due_slot(job: Job, now: dt.datetime) -> dt.datetime:
    """The latest slot at or before `now` (in Asia/Shanghai, where the cron lines are meant)."""
    local = timezone.localtime(now)
    return croniter(job.cron, local + dt.timedelta(seconds=1)).get_prev(dt.datetime)


def fire_due(now: dt.datetime | None = None) -> list[str]:
    """Enqueue each job whose latest slot has not fired yet. Returns the names fired."""
    from .models import ScheduledRun

    now = now or timezone.now()
    fired = []
    for job in load_jobs().values():
        slot = due_slot(job, now)
        try:
            with transaction.atomic():
                run = ScheduledRun.objects.create(name=job.name, slot=slot)
                result = job.task.enqueue()
                run.task_id = str(getattr(result, "id", ""))
                run.save(update_fields=["task_id"])
        except IntegrityError:
            continue  # this slot already fired, here or in another scheduler process
        fired.append(job.name)
    return fired
