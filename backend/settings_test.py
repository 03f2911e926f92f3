"""Settings for the test suite: the real settings, with a fixed Kakao app.

Tests run with DEBUG off, like production. Values a test needs to vary are
changed per test with pytest-django's ``settings`` fixture.
"""

import os

os.environ.setdefault(
    "DJANGO_SECRET_KEY", "test-secret-key-for-the-suite-only-0123456789abcdefghij"
)

from backend.settings import *  # noqa: F403

KAKAO_REST_API_KEY = "test-rest-api-key"
KAKAO_CLIENT_SECRET = ""
KAKAO_REDIRECT_URIS = ["http://localhost:3000/oauth/kakao/callback", "myapp://oauth"]
KAKAO_AUTH_URL = "https://kauth.kakao.com"
KAKAO_API_URL = "https://kapi.kakao.com"
KAKAO_TIMEOUT_SECONDS = 2.0
KAKAO_LINK_VERIFIED_EMAIL = False
KAKAO_APP_ID = "1000001"
KAKAO_ID_TOKEN_AUDIENCES: list[str] = []
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
