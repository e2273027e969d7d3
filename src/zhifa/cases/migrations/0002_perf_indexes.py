"""Issue 5 performance: an agency's case list, newest first, straight from an index."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0001_initial"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["agency", "-id"], name="case_agency_newest"),
        ),
    ]
