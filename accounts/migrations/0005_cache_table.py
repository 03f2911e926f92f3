"""The table of the shared database cache (backend/dbcache.py), used when REDIS_URL is unset.

Created whatever the cache setting is today, so that switching Redis off later finds it.
"""

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

# backend.dbcache.TABLE, frozen here as migrations are.
TABLE = "kakao_cache"


def create_table(apps, schema_editor):
    # Django's own statement for a cache table (key, value, indexed expiry); a no-op
    # when it exists already (an earlier `createcachetable`).
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, TABLE, dry_run=False)


def drop_table(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):
    # After main's latest (merged in); the lead asked for 0005 on 0003_sessions.
    dependencies = [("accounts", "0004_consent_and_reauthentication")]

    operations = [migrations.RunPython(create_table, drop_table)]
