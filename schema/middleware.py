"""Headers for the API's JSON responses."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"


class APIHeadersMiddleware:
    """JSON answers carry tokens: never cache them, never render them as a page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.get("Content-Type", "").startswith("application/json"):
            response.setdefault("Content-Security-Policy", API_CSP)
            response["Cache-Control"] = "no-store"
        return response
