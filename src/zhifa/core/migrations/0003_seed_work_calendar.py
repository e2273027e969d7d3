"""Seed the working-day calendar from chinesecalendar (TIME-08), so a fresh `migrate` has it."""

from django.db import migrations


def seed(apps, schema_editor):
    from zhifa.core.calendar import calendar_seed

    calendar_seed(day_model=apps.get_model("core", "WorkCalendarDay"),
                  year_model=apps.get_model("core", "CalendarYear"))


class Migration(migrations.Migration):
    dependencies = [("core", "0002_work_calendar")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
