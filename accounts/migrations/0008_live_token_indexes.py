"""Partial indexes on live refresh tokens (unrevoked): per session and per user.

Every authenticated request asks whether its session is live, and the session list asks
for the user's live sessions; rotation leaves one revoked row per refresh behind, so
without these both walk every row the user ever rotated through.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_security_events"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="refreshtoken",
            index=models.Index(
                condition=models.Q(("revoked__isnull", True)),
                fields=["family"],
                name="accounts_rt_live_family",
            ),
        ),
        migrations.AddIndex(
            model_name="refreshtoken",
            index=models.Index(
                condition=models.Q(("revoked__isnull", True)),
                fields=["user"],
                name="accounts_rt_live_user",
            ),
        ),
    ]
