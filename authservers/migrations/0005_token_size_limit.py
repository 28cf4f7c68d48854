import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("authservers", "0004_claims"),
    ]

    operations = [
        migrations.AddField(
            model_name="authorizationserver",
            name="token_size_limit",
            field=models.PositiveIntegerField(
                default=8192,
                help_text="Largest access or ID token this server issues, in bytes of the signed JWT "
                          "(1024–16384). A token that custom claims push past it is refused with server_error "
                          "naming the claim that overflowed; Token Preview shows each token's size against it.",
                validators=[django.core.validators.MinValueValidator(1024),
                            django.core.validators.MaxValueValidator(16384)],
                verbose_name="token size limit (bytes)",
            ),
        ),
    ]
