"""The GraphQL request around the document: where its parameters are, and what they must be.

Whatever arrives, a malformed request is answered as a GraphQL request error (JSON, a plain
message, ``request_error_status``), never an HTML page and never a logged traceback: a body
nested too deeply for the JSON parser, ``variables`` or ``extensions`` that are not objects,
an ``operationName`` that is not a string. A POST takes its parameters from its body only:
one that also carries them in its URL is refused, since URLs end up in proxy and access logs
(a refresh token passed as a variable would with them).

The answer's media type and status follow the GraphQL-over-HTTP spec
(https://graphql.github.io/graphql-over-http/draft/): ``response_media_type`` reads the
``Accept`` header, and ``request_error_status`` says what an answer without ``data`` gets.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from graphene_django.views import HttpError

URL_PARAMETERS = ("query", "variables", "operationName", "extensions")

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"
# What we answer in, in the order that breaks a tie among wildcards: application/json,
# which every client reads, for `*/*` and `application/*` (graphql-http's audit 47DE).
MEDIA_TYPES = (JSON, GRAPHQL_RESPONSE_JSON)
NOT_ACCEPTABLE_MESSAGE = (
    f"The Accept header allows neither {GRAPHQL_RESPONSE_JSON} nor {JSON}, "
    "the media types of GraphQL answers."
)


def response_media_type(request: HttpRequest) -> str | None:
    """The media type this request's GraphQL answer is written in; None when none is acceptable.

    The highest ``q`` wins; at equal ``q`` a type named outright beats one a wildcard
    covers, then the one listed first. Without an ``Accept`` header, ``application/json``:
    the spec's rule before its 2025 watershed, which graphql-http's audit (80D8) and
    clients that send none (curl, scripts, older libraries) still expect.
    """
    accept = request.META.get("HTTP_ACCEPT", "").strip()
    if not accept:
        return JSON
    if len(accept) <= 200:  # what clients send: a handful of distinct headers
        return _cached_media_type(accept)
    return _media_type(accept)


@lru_cache(maxsize=128)
def _cached_media_type(accept: str) -> str | None:
    return _media_type(accept)


def _media_type(accept: str) -> str | None:
    ranges = [parsed for item in accept.split(",") if (parsed := _media_range(item))]
    best, best_rank = None, None
    for preference, media_type in enumerate(reversed(MEDIA_TYPES)):
        matches = [
            (specificity, -position, q)
            for position, (pattern, q) in enumerate(ranges)
            if (specificity := _specificity(pattern, media_type)) is not None
        ]
        if not matches:
            continue
        specificity, order, q = max(matches)  # the most specific range sets the type's q
        rank = (q, specificity, order, preference)
        if q > 0 and (best_rank is None or rank > best_rank):
            best, best_rank = media_type, rank
    return best


def _media_range(item: str) -> tuple[str, float] | None:
    """``type/subtype`` and its ``q``; None for a range we cannot answer in or cannot read."""
    pattern, *parameters = (part.strip() for part in item.split(";"))
    q = 1.0
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        name, value = name.strip().lower(), value.strip().strip('"').lower()
        if name == "q":
            try:
                q = float(value)
            except ValueError:
                return None
            if not 0 <= q <= 1:
                return None
        elif name == "charset" and value != "utf-8":
            return None  # we write UTF-8 only
    return pattern.lower(), q


def _specificity(pattern: str, media_type: str) -> int | None:
    """2 for the type itself, 1 for ``type/*``, 0 for ``*/*``; None when it does not match."""
    if pattern == media_type:
        return 2
    if pattern == media_type.split("/")[0] + "/*":
        return 1
    return 0 if pattern == "*/*" else None


def request_error_status(request: HttpRequest, *, well_formed: bool = True) -> int:
    """The HTTP status of every answer that is a request error (errors and no data).

    The one place that decides it, by the spec's rules. A request that is not a
    well-formed GraphQL-over-HTTP request (a body that is not JSON, parameters of the
    wrong type or place, no query): 400. A well-formed one whose document does not parse
    or validate (our limits, QUERY_TOO_LARGE and QUERY_TOO_COMPLEX, are validation rules),
    whose operation cannot be chosen or whose variables do not coerce: 400 when answered
    in application/graphql-response+json, 200 in application/json, since a client cannot
    tell an application/json body in a 4xx from a proxy's error page.
    """
    if not well_formed or response_media_type(request) == GRAPHQL_RESPONSE_JSON:
        return 400
    return 200


class RequestError(HttpError):
    """A request that is not well-formed: ``{"errors": [{"message": …}]}``, no data, 400."""

    def __init__(self, request: HttpRequest, message: str) -> None:
        status = request_error_status(request, well_formed=False)
        super().__init__(HttpResponse(status=status), message)


def read_body(request: HttpRequest, parse: Callable[[HttpRequest], Any]) -> Any:
    """``parse(request)`` (graphene-django's body parser), its failures as request errors."""
    try:
        request.body  # noqa: B018 (read here: Django refuses a body over its size limit)
        return parse(request)
    except HttpError as error:  # graphene-django's: not JSON, not a JSON object
        reason = error.message
    except RecursionError:
        reason = "The JSON body is nested too deeply."
    except (SuspiciousOperation, MultiPartParserError):  # too large, too many fields
        reason = "The request body is too large or malformed."
    # Raised here, not in the handler, so that no traceback of the recursion is kept.
    raise RequestError(request, reason)


def graphql_params(request: HttpRequest, data: Any) -> tuple[Any, Any, Any, None]:
    """(query, variables, operationName, id): a GET's from its URL, a POST's from its body."""
    if request.method == "GET":
        source = request.GET
    else:
        in_url = [name for name in URL_PARAMETERS if name in request.GET]
        if in_url:
            raise RequestError(
                request,
                f"A POST request carries {', '.join(in_url)} in its body, never in its URL.",
            )
        source = data
    query = source.get("query")
    if query is not None and not isinstance(query, str):
        raise RequestError(request, "The query must be a string.")
    variables = _json_object(request, source.get("variables"), "Variables")
    _json_object(request, source.get("extensions"), "Extensions")
    operation_name = source.get("operationName")
    if operation_name in ("", "null"):  # what form and URL encoders send for "none"
        operation_name = None
    if operation_name is not None and not isinstance(operation_name, str):
        raise RequestError(request, "The operationName must be a string.")
    return query, variables, operation_name, None


def _json_object(request: HttpRequest, value: Any, name: str) -> dict | None:
    """A JSON object, given as one or as its text (URL, form); absent is None."""
    if isinstance(value, str):
        if not value:
            return None
        try:
            value = json.loads(value)
        except ValueError:
            reason = f"{name} are not valid JSON."
        except RecursionError:
            reason = f"{name} are nested too deeply."
        else:
            reason = None
        if reason:
            raise RequestError(request, reason)
    if value is not None and not isinstance(value, dict):
        raise RequestError(request, f"{name} must be a JSON object.")
    return value
