"""Versions and events of publications may only be appended (three-layer rule, DESIGN.md); the
portal's token index over the header's search_text (core.search)."""

from django.db import migrations

from zhifa.core.append_only import AppendOnlyTriggers
from zhifa.core.search import SearchIndex


class Migration(migrations.Migration):
    dependencies = [("publicity", "0001_initial")]

    operations = [
        AppendOnlyTriggers("publicationversion"),
        AppendOnlyTriggers("publicationevent"),
        SearchIndex("publication"),
    ]
