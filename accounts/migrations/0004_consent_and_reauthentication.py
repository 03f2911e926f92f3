"""Consent history and re-authentication.

- ``Session.authenticated_at``: when the person last proved it is them in that
  session. Existing sessions get their sign-in time. A database default keeps
  the previous release's inserts working while this one rolls out.
- ``KakaoScopeConsent`` / ``KakaoServiceTermConsent``: what Kakao said about a
  person's consent items and service terms, one row per change, never updated.
- ``KakaoConsentCheck``: when Kakao last gave the whole list, per link.
"""

import django.db.models.deletion
import django.db.models.functions.datetime
import django.utils.timezone
from django.db import migrations, models
from django.db.models import F

SOURCES = [
    ("login", "token response of a sign-in"),
    ("grant", "token response of an additional consent"),
    ("kakao", "read from Kakao"),
    ("withdrawal", "withdrawn through this service"),
]


def sessions_authenticated_at_sign_in(apps, schema_editor):
    Session = apps.get_model("accounts", "Session")
    Session.objects.update(authenticated_at=F("created"))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_sessions"),
    ]

    operations = [
        migrations.AddField(
            model_name="session",
            name="authenticated_at",
            field=models.DateTimeField(
                db_default=django.db.models.functions.datetime.Now(),
                default=django.utils.timezone.now,
            ),
        ),
        migrations.RunPython(sessions_authenticated_at_sign_in, migrations.RunPython.noop),
        migrations.CreateModel(
            name="KakaoConsentCheck",
            fields=[
                (
                    "link",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="consent_check",
                        serialize=False,
                        to="accounts.socialaccount",
                    ),
                ),
                ("scopes_checked_at", models.DateTimeField(blank=True, null=True)),
                ("service_terms_checked_at", models.DateTimeField(blank=True, null=True)),
            ],
        ),
        migrations.CreateModel(
            name="KakaoScopeConsent",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("scope", models.CharField(max_length=64)),
                ("display_name", models.CharField(blank=True, max_length=100)),
                ("scope_type", models.CharField(blank=True, max_length=20)),
                ("agreed", models.BooleanField()),
                ("revocable", models.BooleanField(default=False)),
                ("source", models.CharField(choices=SOURCES, max_length=12)),
                ("learned_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "link",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="scope_consents",
                        to="accounts.socialaccount",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["link", "learned_at"], name="accounts_scope_consent_link")
                ],
            },
        ),
        migrations.CreateModel(
            name="KakaoServiceTermConsent",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("tag", models.CharField(max_length=64)),
                ("required", models.BooleanField(default=False)),
                ("agreed", models.BooleanField()),
                ("revocable", models.BooleanField(default=False)),
                ("agreed_at", models.DateTimeField(blank=True, null=True)),
                ("agreed_by", models.CharField(blank=True, max_length=10)),
                ("source", models.CharField(choices=SOURCES, max_length=12)),
                ("learned_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "link",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="service_term_consents",
                        to="accounts.socialaccount",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["link", "learned_at"], name="accounts_term_consent_link")
                ],
            },
        ),
    ]
