"""Refresh tokens: families (theft detection) and hashed storage.

Existing rows each become their own family, and their plain-text tokens are
replaced by their SHA-256 hashes, so sessions issued before this migration keep
working (clients still present the same token; the lookup hashes it).
"""

import hashlib
import uuid

from django.db import migrations, models

PREFIX = "sha256$"


def hash_existing_tokens(apps, schema_editor):
    RefreshToken = apps.get_model("accounts", "RefreshToken")
    for row in RefreshToken.objects.filter(family__isnull=True).iterator():
        row.family = uuid.uuid4()
        if not row.token.startswith(PREFIX):
            row.token = PREFIX + hashlib.sha256(row.token.encode()).hexdigest()
        row.save(update_fields=["family", "token"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="refreshtoken",
            name="family",
            field=models.UUIDField(null=True, editable=False),
        ),
        migrations.AddField(
            model_name="refreshtoken",
            name="rotated",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(hash_existing_tokens, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="refreshtoken",
            name="family",
            field=models.UUIDField(db_index=True, default=uuid.uuid4, editable=False),
        ),
    ]
