"""backend.middleware.CorsMiddleware answers exactly as django-cors-headers' own does.

It only skips building Django's header map when a request has no Origin; these compare the
two middlewares' responses header for header, with and without an Origin, allowed or not,
on the API and off it, and for a preflight.
"""

from __future__ import annotations

import corsheaders.middleware
import pytest
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from backend.middleware import CorsMiddleware

ALLOWED = "http://localhost:5173"

CASES = [
    ("post", "/graphql", {}),
    ("post", "/graphql", {"HTTP_ORIGIN": ALLOWED}),
    ("post", "/graphql", {"HTTP_ORIGIN": "https://evil.example"}),
    ("post", "/graphql", {"HTTP_ORIGIN": ""}),
    ("get", "/healthz", {}),
    ("get", "/healthz", {"HTTP_ORIGIN": ALLOWED}),
    ("options", "/graphql", {"HTTP_ORIGIN": ALLOWED, "HTTP_ACCESS_CONTROL_REQUEST_METHOD": "POST"}),
    ("options", "/graphql", {"HTTP_ACCESS_CONTROL_REQUEST_METHOD": "POST"}),
]


def _answer(middleware_class, method: str, path: str, meta: dict) -> dict[str, str]:
    request = getattr(RequestFactory(), method)(path, **meta)
    middleware = middleware_class(lambda request: HttpResponse("ok", content_type="text/plain"))
    return dict(middleware(request).items())


@pytest.mark.parametrize("urls_regex", [r"^.*$", r"^/graphql$"])
@pytest.mark.parametrize(("method", "path", "meta"), CASES)
def test_the_same_headers_as_the_library(method, path, meta, urls_regex):
    with override_settings(
        CORS_ALLOWED_ORIGINS=[ALLOWED], CORS_ALLOW_CREDENTIALS=True, CORS_URLS_REGEX=urls_regex
    ):
        ours = _answer(CorsMiddleware, method, path, meta)
        library = _answer(corsheaders.middleware.CorsMiddleware, method, path, meta)
    assert ours == library


def test_an_allowed_origin_still_gets_its_cors_headers():
    with override_settings(CORS_ALLOWED_ORIGINS=[ALLOWED], CORS_ALLOW_CREDENTIALS=True):
        headers = _answer(CorsMiddleware, "post", "/graphql", {"HTTP_ORIGIN": ALLOWED})
    assert headers["access-control-allow-origin"] == ALLOWED
    assert headers["access-control-allow-credentials"] == "true"
    assert "origin" in headers["Vary"].lower()


def test_no_origin_gets_vary_only():
    with override_settings(CORS_ALLOWED_ORIGINS=[ALLOWED]):
        headers = _answer(CorsMiddleware, "post", "/graphql", {})
    assert headers["Vary"].lower() == "origin"
    assert not any(name.lower().startswith("access-control-") for name in headers)
