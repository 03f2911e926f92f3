"""GET /metrics: Prometheus' text format, for the operator's scraper and nobody else.

Off unless ``METRICS_ENABLED=1`` (then 404, as if it did not exist). When on, a
request needs ``Authorization: Bearer <METRICS_TOKEN>`` (compared in constant
time) or must come from ``METRICS_ALLOWED_IPS`` (the address as the rate limiter
sees it, so a forged ``X-Forwarded-For`` counts only as far as
``TRUSTED_PROXY_COUNT`` trusts it). Cookies are never looked at: a signed-in
person or an admin's browser session gets nothing. Answers are never cached.

Under gunicorn each worker writes its counts to ``PROMETHEUS_MULTIPROC_DIR`` and
this view adds up every worker's files, so any worker answers for all of them.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)

from schema.client_ip import client_address

logger = logging.getLogger(__name__)


@require_safe
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not settings.METRICS_ENABLED:
        raise Http404
    if not (_has_token(request) or _from_allowed_address(request)):
        logger.warning("metrics_refused")
        response = HttpResponse("Unauthorized\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return _never_cached(response)
    body = generate_latest(_registry())
    return _never_cached(HttpResponse(body, content_type=CONTENT_TYPE_LATEST))


def _registry():
    directory = settings.PROMETHEUS_MULTIPROC_DIR
    if not directory:
        return REGISTRY  # one process (runserver, tests): its own counts are all of them
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=directory)
    return registry


def _has_token(request: HttpRequest) -> bool:
    expected = settings.METRICS_TOKEN
    if not expected:
        return False
    scheme, _, value = request.META.get("HTTP_AUTHORIZATION", "").strip().partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(
        value.strip().encode("utf-8", "surrogateescape"), expected.encode("utf-8")
    )


def _from_allowed_address(request: HttpRequest) -> bool:
    if not settings.METRICS_ALLOWED_IPS:
        return False
    try:
        address = ipaddress.ip_address(client_address(request))
    except ValueError:
        return False
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(
        address in ipaddress.ip_network(entry, strict=False)
        for entry in settings.METRICS_ALLOWED_IPS
    )


def _never_cached(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response
