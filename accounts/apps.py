from django.apps import AppConfig


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"

    def ready(self) -> None:
        from django.contrib import admin
        from graphql_jwt.refresh_token.models import RefreshToken as UnusedRefreshToken

        from accounts import checks  # noqa: F401  (registers the system checks)
        from backend import dbhealth

        # After Django's own request signal receivers (connected when django.db loads).
        dbhealth.connect()

        # graphql-jwt registers an admin for its own (unused) model that lists
        # tokens in clear; accounts.RefreshToken's admin is the one in use.
        # (The admin app's ready(), which runs first, has imported every admin.py.)
        if admin.site.is_registered(UnusedRefreshToken):
            admin.site.unregister(UnusedRefreshToken)
