from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0002_apitoken"),
    ]

    operations = [
        migrations.AlterField(
            model_name="user",
            name="status",
            field=models.CharField(choices=[("STAGED", "Staged"), ("ACTIVE", "Active"), ("SUSPENDED", "Suspended"),
                                            ("DEPROVISIONED", "Deprovisioned")],
                                   default="ACTIVE", max_length=16),
        ),
    ]
