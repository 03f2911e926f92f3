"""Cross-site request forgery rule for the GraphQL endpoint.

The endpoint is exempt from Django's token-based CSRF check so that header-only
clients (mobile apps, Apollo with a Bearer token) need no CSRF token. In return
it applies the rule Apollo Server uses: a request that carries our token
cookies must be one a browser only sends cross-site after a CORS preflight,
i.e. a JSON body or a non-simple header. A plain HTML form, a ``text/plain``
body or a bare GET, which any site can make a browser send with its cookies,
is refused. And when the browser says where the request comes from (``Origin``),
that must be one of the configured front ends or the API itself.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest
from graphql_jwt.settings import jwt_settings

PREFLIGHT_HEADERS = (
    "HTTP_X_REQUESTED_WITH",
    "HTTP_APOLLO_REQUIRE_PREFLIGHT",
    "HTTP_X_APOLLO_OPERATION_NAME",
)


def carries_token_cookies(request: HttpRequest) -> bool:
    return any(
        request.COOKIES.get(name)
        for name in (jwt_settings.JWT_COOKIE_NAME, jwt_settings.JWT_REFRESH_TOKEN_COOKIE_NAME)
    )


# The Content-Types a page may send cross-site without a CORS preflight (Fetch standard).
SIMPLE_CONTENT_TYPES = frozenset(
    {"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"}
)


def is_preflighted(request: HttpRequest) -> bool:
    """True when a browser could only have sent this cross-site after a CORS preflight.

    Apollo Server's rule, whatever the method: a non-simple Content-Type (Apollo
    Client sends ``application/json`` on its GET queries too) or one of the
    non-simple headers Apollo clients add.
    """
    if request.META.get("CONTENT_TYPE") and request.content_type not in SIMPLE_CONTENT_TYPES:
        return True
    return any(request.META.get(header) for header in PREFLIGHT_HEADERS)


def csrf_rejection_reason(request: HttpRequest) -> str | None:
    """Why this request must be refused, or None when it may run."""
    if request.method not in ("GET", "POST") or not carries_token_cookies(request):
        return None
    if request.method == "GET" and _wants_graphiql_page(request):
        return None  # the page itself runs nothing; its own requests are JSON POSTs
    if not is_preflighted(request):
        return (
            "A request that carries session cookies must be sent as "
            "Content-Type: application/json (or with an apollo-require-preflight header), "
            "also when it is a GET query."
        )
    origin = request.META.get("HTTP_ORIGIN")
    if origin is not None and not _origin_allowed(request, origin):
        return "A request that carries session cookies must come from an allowed origin."
    return None


def _origin_allowed(request: HttpRequest, origin: str) -> bool:
    if origin in settings.CORS_ALLOWED_ORIGINS:
        return True
    try:
        own = f"{request.scheme}://{request.get_host()}"
    except DisallowedHost:
        return False
    return origin == own


def _wants_graphiql_page(request: HttpRequest) -> bool:
    return "query" not in request.GET and "text/html" in request.META.get("HTTP_ACCEPT", "")
