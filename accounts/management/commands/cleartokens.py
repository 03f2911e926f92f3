"""graphql-jwt's ``cleartokens``, made safe for refresh-token families.

graphql-jwt's command deletes every *revoked* token. A rotated token is
revoked, but its row is what recognises a replay of it: deleting it early
turns "stolen token replayed → family revoked" into a plain "unknown token",
and the thief's newer token in the same family lives on. This version deletes
only tokens past their expiry (revoked or not), which can no longer be
replayed anyway; ``--revoked`` also deletes revoked tokens, as graphql-jwt does.

The same daily job deletes security events older than
``SECURITY_EVENTS_RETENTION_DAYS`` (``--keep-events`` skips that).
"""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db.models import Q
from graphql_jwt.refresh_token.utils import get_refresh_token_model

from accounts.services import events


class Command(BaseCommand):
    help = (
        "Delete expired refresh tokens and security events older than "
        "SECURITY_EVENTS_RETENTION_DAYS (safe to run daily)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--expired",
            action="store_true",
            help="Accepted for compatibility with graphql-jwt; expired tokens are always deleted.",
        )
        parser.add_argument(
            "--revoked",
            action="store_true",
            help="Also delete revoked tokens that have not expired (weakens replay detection).",
        )
        parser.add_argument(
            "--keep-events",
            action="store_true",
            help="Leave security events alone (only refresh tokens are deleted).",
        )

    def handle(self, *args, revoked: bool = False, keep_events: bool = False, **options):
        query = Q(expired=True)
        if revoked:
            query |= Q(revoked__isnull=False)
        deleted, _ = get_refresh_token_model().objects.expired().filter(query).delete()
        self.stdout.write(self.style.SUCCESS(f"Deleted {deleted} refresh token(s)."))
        if not keep_events:
            count = events.delete_expired()
            self.stdout.write(
                self.style.SUCCESS(
                    f"Deleted {count} security event(s) older than "
                    f"{settings.SECURITY_EVENTS_RETENTION_DAYS} days."
                )
            )
