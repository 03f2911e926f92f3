"""graphql-jwt's ``cleartokens``, made safe for refresh-token families.

graphql-jwt's command deletes every *revoked* token. A rotated token is
revoked, but its row is what recognises a replay of it: deleting it early
turns "stolen token replayed → family revoked" into a plain "unknown token",
and the thief's newer token in the same family lives on. This version deletes
only tokens past their expiry (revoked or not), which can no longer be
replayed anyway; ``--revoked`` also deletes revoked tokens, as graphql-jwt does.
"""

from django.core.management.base import BaseCommand
from django.db.models import Q
from graphql_jwt.refresh_token.utils import get_refresh_token_model


class Command(BaseCommand):
    help = "Delete expired refresh tokens (safe to run daily)."

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

    def handle(self, *args, revoked: bool = False, **options):
        query = Q(expired=True)
        if revoked:
            query |= Q(revoked__isnull=False)
        deleted, _ = get_refresh_token_model().objects.expired().filter(query).delete()
        self.stdout.write(self.style.SUCCESS(f"Deleted {deleted} refresh token(s)."))
