"""Security events, the apps' own names on sessions, and the address of each refresh token.

All additive: new blank columns and a new table, so the previous release keeps
working while this one rolls out. A refresh token's ``ip`` is where it was issued:
the newest token of a session tells where the session was last used.
"""

import uuid

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_cache_table"),
    ]

    operations = [
        migrations.AddField(
            model_name="refreshtoken",
            name="ip",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="session",
            name="app_name",
            field=models.CharField(blank=True, max_length=40),
        ),
        migrations.AddField(
            model_name="session",
            name="app_version",
            field=models.CharField(blank=True, max_length=20),
        ),
        migrations.CreateModel(
            name="SecurityEvent",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                (
                    "type",
                    models.CharField(
                        choices=[
                            ("signed_in", "Signed in"),
                            ("sign_in_refused", "Sign-in refused"),
                            ("session_ended", "Session ended"),
                            ("refresh_replay_detected", "Refresh token replay detected"),
                            ("account_deleted", "Account deleted"),
                            ("kakao_linked", "Kakao linked"),
                            ("kakao_unlinked", "Kakao unlinked"),
                            ("consent_granted", "Consent granted"),
                            ("consent_withdrawn", "Consent withdrawn"),
                            ("reauthenticated", "Re-authenticated"),
                        ],
                        max_length=32,
                    ),
                ),
                ("at", models.DateTimeField(default=django.utils.timezone.now)),
                ("session_id", models.UUIDField(blank=True, null=True)),
                ("ip", models.CharField(blank=True, max_length=64)),
                ("user_agent", models.CharField(blank=True, max_length=200)),
                ("app_name", models.CharField(blank=True, max_length=40)),
                ("app_version", models.CharField(blank=True, max_length=20)),
                ("details", models.JSONField(blank=True, default=dict)),
                (
                    "user",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="security_events",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["user", "-at", "-id"], name="accounts_event_user_at"),
                    models.Index(fields=["at"], name="accounts_event_at"),
                ],
            },
        ),
    ]
