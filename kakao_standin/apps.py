from django.apps import AppConfig


class KakaoStandinConfig(AppConfig):
    name = "kakao_standin"
    verbose_name = "Kakao stand-in (development only)"

    def ready(self) -> None:
        from kakao_standin import checks  # noqa: F401  (registers the system check)
