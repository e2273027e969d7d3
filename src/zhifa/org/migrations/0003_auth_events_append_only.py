from django.db import migrations

from zhifa.core.append_only import AppendOnlyTriggers


class Migration(migrations.Migration):
    """Login and role-change audit rows may not be altered or deleted (issue 2, item 5)."""

    dependencies = [("org", "0002_auth_events_and_tokens")]

    operations = [AppendOnlyTriggers("authevent")]
