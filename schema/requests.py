"""The GraphQL request around the document: where its parameters are, and what they must be.

Whatever arrives, a malformed request is answered as a GraphQL request error (JSON, a plain
message, ``request_error_status``), never an HTML page and never a logged traceback: a body
nested too deeply for the JSON parser, ``variables`` or ``extensions`` that are not objects,
an ``operationName`` that is not a string. A POST takes its parameters from its body only:
one that also carries them in its URL is refused, since URLs end up in proxy and access logs
(a refresh token passed as a variable would with them).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from graphene_django.views import HttpError

URL_PARAMETERS = ("query", "variables", "operationName", "extensions")


def request_error_status(request: HttpRequest) -> int:
    """The HTTP status of every answer that is a request error (errors and no data).

    The one place that decides it: 400 today, whatever the client accepts.
    """
    return 400


class RequestError(HttpError):
    """A request that cannot be executed: ``{"errors": [{"message": …}]}``, no data."""

    def __init__(self, request: HttpRequest, message: str) -> None:
        super().__init__(HttpResponse(status=request_error_status(request)), message)


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
