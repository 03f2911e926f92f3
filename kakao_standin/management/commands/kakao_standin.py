"""python manage.py kakao_standin: serve the local Kakao stand-in (DEBUG only)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from kakao_standin.consent import parse_service_terms
from kakao_standin.server import make_server
from kakao_standin.state import DEFAULT_ADMIN_KEY, DEFAULT_APP_ID, DEFAULT_NATIVE_APP_KEY

DEV_REST_API_KEY = "dev-rest-api-key"


class Command(BaseCommand):
    help = "Serve a local stand-in for Kakao's login endpoints (development only)."
    # The system checks are the backend's (an empty KAKAO_REST_API_KEY…): they say
    # nothing about the stand-in, which would look broken when started correctly.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8001)
        parser.add_argument(
            "--latency-ms", type=int, default=0, help="Delay Kakao's API answers (benchmarks)."
        )
        parser.add_argument(
            "--app-id",
            type=int,
            default=None,
            help=f"The app's numeric id (default: KAKAO_APP_ID if numeric, else {DEFAULT_APP_ID}).",
        )
        parser.add_argument(
            "--admin-key",
            default=None,
            help="The admin key for unlink and unlink notices (default: KAKAO_ADMIN_KEY, "
            f"else {DEFAULT_ADMIN_KEY!r}).",
        )
        parser.add_argument(
            "--native-app-key",
            default=DEFAULT_NATIVE_APP_KEY,
            help="The aud of the id_tokens /_standin/native-token makes (default: %(default)s).",
        )
        parser.add_argument(
            "--unlink-callback-url",
            default="",
            help="Where Kakao's unlink notice goes when a person disconnects the app on "
            "/_standin/connections (default: none).",
        )
        parser.add_argument(
            "--service-terms",
            default="",
            help="Kakao Sync service terms of the app, e.g. "
            "tos:required,privacy:required,marketing:optional (optional terms are revocable; "
            "add :revocable or :irrevocable to say otherwise). Default: none (no Kakao Sync).",
        )
        parser.add_argument(
            "--logout-redirect-uris",
            default=None,
            help="Comma-separated logout redirect URIs /oauth/logout accepts (default: "
            "KAKAO_LOGOUT_REDIRECT_URIS, else none).",
        )

    def handle(
        self,
        *args,
        host: str,
        port: int,
        latency_ms: int,
        app_id: int | None,
        admin_key: str | None,
        native_app_key: str,
        unlink_callback_url: str,
        service_terms: str,
        logout_redirect_uris: str | None,
        **options,
    ):
        if not settings.DEBUG:
            raise CommandError(
                "The Kakao stand-in is for development only and refuses to run with "
                "DJANGO_DEBUG off."
            )
        if app_id is not None and app_id <= 0:
            raise CommandError("--app-id must be a positive number.")
        try:
            terms = parse_service_terms(service_terms)
        except ValueError as error:
            raise CommandError(f"--service-terms: {error}") from None
        if logout_redirect_uris is None:
            # The backend's own list, so that `make run` pairs them without flags.
            configured = getattr(settings, "KAKAO_LOGOUT_REDIRECT_URIS", ())
            uris = tuple(configured.split(",") if isinstance(configured, str) else configured)
        else:
            uris = tuple(logout_redirect_uris.split(","))
        uris = tuple(uri.strip() for uri in uris if uri.strip())
        # The backend's own settings first, so that `make run` pairs them without flags.
        client_id = settings.KAKAO_REST_API_KEY or DEV_REST_API_KEY
        configured_app_id = str(getattr(settings, "KAKAO_APP_ID", "") or "")
        if app_id is None:
            app_id = int(configured_app_id) if configured_app_id.isdigit() else DEFAULT_APP_ID
        admin_key = admin_key or getattr(settings, "KAKAO_ADMIN_KEY", "") or DEFAULT_ADMIN_KEY
        server = make_server(
            host,
            port,
            client_id=client_id,
            client_secret=settings.KAKAO_CLIENT_SECRET,
            latency_ms=latency_ms,
            app_id=app_id,
            admin_key=admin_key,
            native_app_key=native_app_key,
            unlink_callback_url=unlink_callback_url,
            service_terms=terms,
            logout_redirect_uris=uris,
        )
        base = server.standin.issuer
        notice = unlink_callback_url or "none (--unlink-callback-url)"
        required = [t.tag for t in terms if t.required]
        sync = ", ".join(
            f"{t.tag} ({'required' if t.required else 'optional'}"
            f"{', revocable' if t.revocable else ''})"
            for t in terms
        )
        self.stdout.write(
            f"Kakao stand-in on {base} (client_id {client_id!r}, app id {app_id}, "
            f"native app key {native_app_key!r}, latency {latency_ms} ms).\n"
            f"Unlink notices go to: {notice}.\n"
            f"Kakao Sync service terms: {sync or 'none (--service-terms)'}.\n"
            f"Logout redirect URIs: {', '.join(uris) or 'none (--logout-redirect-uris)'}.\n"
            + backend_advice(
                base=base,
                client_id=client_id,
                app_id=app_id,
                admin_key=admin_key,
                native_app_key=native_app_key,
                required_terms=required,
            )
        )
        self.stdout.flush()  # now, also into a pipe: serve_forever never returns
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()


def backend_advice(
    *,
    base: str,
    client_id: str,
    app_id: int,
    admin_key: str,
    native_app_key: str,
    required_terms: list[str] | None = None,
) -> str:
    """How to point the backend at this stand-in: only what this environment lacks.

    Started by `make run`, the backend's settings already match, and advice to set
    them again would only suggest that something is wrong.
    """
    wanted = {
        "KAKAO_AUTH_URL": base,
        "KAKAO_API_URL": base,
        "KAKAO_REST_API_KEY": client_id,
        "KAKAO_APP_ID": str(app_id),
    }
    missing = [f"{name}={value}" for name, value in wanted.items() if _setting(name) != value]
    audiences = list(getattr(settings, "KAKAO_ID_TOKEN_AUDIENCES", []) or [])
    if not {native_app_key, client_id} <= set(audiences):
        missing.append(f"KAKAO_ID_TOKEN_AUDIENCES={native_app_key},{client_id}")
    configured_terms = set(getattr(settings, "KAKAO_REQUIRED_SERVICE_TERMS", []) or [])
    if required_terms and configured_terms != set(required_terms):
        missing.append(f"KAKAO_REQUIRED_SERVICE_TERMS={','.join(required_terms)}")
    if _setting("KAKAO_ADMIN_KEY") != admin_key:
        # The admin key is echoed only when it is the public development default: a key
        # of one's own can do anything to the app it belongs to.
        shown = admin_key if admin_key == DEFAULT_ADMIN_KEY else "<the one given to the stand-in>"
        missing.append(f"KAKAO_ADMIN_KEY={shown}")
    if not missing:
        return "The backend's settings in this environment already point at it."
    return f"Point the backend at it: {' '.join(missing)}"


def _setting(name: str) -> str:
    return str(getattr(settings, name, "") or "")
