"""python manage.py kakao_standin: serve the local Kakao stand-in (DEBUG only)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from kakao_standin.server import make_server

DEV_REST_API_KEY = "dev-rest-api-key"


class Command(BaseCommand):
    help = "Serve a local stand-in for Kakao's login endpoints (development only)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8001)
        parser.add_argument(
            "--latency-ms", type=int, default=0, help="Delay Kakao's API answers (benchmarks)."
        )

    def handle(self, *args, host: str, port: int, latency_ms: int, **options):
        if not settings.DEBUG:
            raise CommandError(
                "The Kakao stand-in is for development only and refuses to run with "
                "DJANGO_DEBUG off."
            )
        client_id = settings.KAKAO_REST_API_KEY or DEV_REST_API_KEY
        server = make_server(
            host,
            port,
            client_id=client_id,
            client_secret=settings.KAKAO_CLIENT_SECRET,
            latency_ms=latency_ms,
        )
        base = server.standin.issuer
        self.stdout.write(
            f"Kakao stand-in on {base} (client_id {client_id!r}, latency {latency_ms} ms).\n"
            f"Point the backend at it: KAKAO_AUTH_URL={base} KAKAO_API_URL={base} "
            f"KAKAO_REST_API_KEY={client_id}"
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
