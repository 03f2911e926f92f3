"""Sessions: each refresh-token family becomes a row people can see and end.

Every existing family gets its session (created at its first token, no user
agent), and the family column becomes a foreign key to it. Refresh tokens
become unique on their own (successors are derived from the token they replace).
"""

import uuid

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models
from django.db.models import Min


def sessions_for_existing_families(apps, schema_editor):
    RefreshToken = apps.get_model("accounts", "RefreshToken")
    Session = apps.get_model("accounts", "Session")
    families = RefreshToken.objects.values("family", "user_id").annotate(first=Min("created"))
    Session.objects.bulk_create(
        [Session(id=f["family"], user_id=f["user_id"], created=f["first"]) for f in families],
        batch_size=500,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_refresh_token_family_hash"),
    ]

    operations = [
        migrations.CreateModel(
            name="Session",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                (
                    "created",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False),
                ),
                ("user_agent", models.CharField(blank=True, max_length=200)),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="sessions",
                        to="accounts.user",
                    ),
                ),
            ],
        ),
        migrations.RunPython(sessions_for_existing_families, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="refreshtoken",
            name="family",
            field=models.ForeignKey(
                db_column="family",
                editable=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="refresh_tokens",
                to="accounts.session",
            ),
        ),
        migrations.AddConstraint(
            model_name="refreshtoken",
            constraint=models.UniqueConstraint(
                fields=("token",), name="accounts_refreshtoken_token_unique"
            ),
        ),
    ]
