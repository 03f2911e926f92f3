"""The GraphQL endpoint: CSRF rule, authentication, cookies, and safe errors."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.utils.cache import patch_vary_headers
from graphene_django.views import GraphQLView as BaseGraphQLView
from graphene_django.views import HttpError
from graphql import ExecutionResult, GraphQLError, OperationType, execute, get_operation_ast

from accounts import metrics
from backend.outages import is_database_unavailable, service_unavailable
from schema.auth import authenticate_request
from schema.cookies import apply_cookies
from schema.csrf import csrf_rejection_reason
from schema.documents import checked_document
from schema.graphiql_tour import graphiql_tour
from schema.limits import QUERY_TOO_COMPLEX, QUERY_TOO_LARGE, Limits
from schema.requests import (
    NOT_ACCEPTABLE_MESSAGE,
    RequestError,
    graphql_params,
    read_body,
    request_error_status,
    response_media_type,
)

logger = logging.getLogger(__name__)

INTERNAL_ERROR_MESSAGE = "Internal server error."
GRAPHIQL_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


class DatabaseOutage(Exception):
    """Raised out of execution so that the whole answer becomes a 503."""

    def __init__(self, error: BaseException) -> None:
        self.error = error
        super().__init__(type(error).__name__)


class GraphQLView(BaseGraphQLView):
    """graphene-django's view, with our CSRF rule, JWT authentication, cookies and limits."""

    def execute_graphql_request(
        self, request, data, query, variables, operation_name, show_graphiql=False
    ):
        """graphene-django's steps, with limits and a cache of checked documents.

        Apollo and mobile clients send the same few query strings over and over;
        parsing and validating each once (per process, per configuration) instead
        of on every request is a measurable part of a login's CPU time.
        """
        if not query:
            if show_graphiql:
                return None
            metrics.graphql_refused("malformed")
            raise RequestError(request, "Must provide query string.")
        limits = Limits.current()
        document, errors = checked_document(query, limits)
        if errors:
            # Counted per request: the checked document itself is cached.
            metrics.graphql_refused(refusal_reason(errors))
            return ExecutionResult(data=None, errors=list(errors))
        operation = get_operation_ast(document, operation_name)
        if (
            request.method.lower() == "get"
            and operation is not None
            and operation.operation != OperationType.QUERY
        ):
            if show_graphiql:
                return None
            metrics.graphql_refused("method")
            raise HttpError(
                HttpResponseNotAllowed(
                    ["POST"],
                    f"Can only perform a {operation.operation.value} operation from a POST "
                    "request.",
                )
            )
        try:
            result = execute(
                self.schema.graphql_schema,
                document,
                root_value=self.get_root_value(request),
                context_value=self.get_context(request),
                variable_values=variables,
                operation_name=operation_name,
                middleware=self.get_middleware(request),
                hide_suggestions=not limits.suggestions,
            )
        except Exception as error:  # graphene-django's contract: errors become results
            if is_database_unavailable(error):
                raise DatabaseOutage(error) from error
            return ExecutionResult(errors=[error])
        for error in result.errors or ():
            if is_database_unavailable(error.original_error):
                # The whole request is unavailable, not one field: a 503 to retry.
                raise DatabaseOutage(error.original_error)
        return result

    def parse_body(self, request: HttpRequest):
        """A GET's parameters are in its URL: its body is never read, whatever its Content-Type."""
        if request.method == "GET":
            return {}
        try:
            return read_body(request, super().parse_body)
        except RequestError:
            metrics.graphql_refused("malformed")
            raise

    @staticmethod
    def get_graphql_params(request: HttpRequest, data):
        try:
            return graphql_params(request, data)
        except RequestError:
            metrics.graphql_refused("malformed")
            raise

    def get_response(self, request: HttpRequest, data, show_graphiql=False):
        result, status = super().get_response(request, data, show_graphiql)
        if status == 400:  # graphene-django's: errors and no data (a GraphQL request error)
            status = request_error_status(request)
        return result, status

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        reason = csrf_rejection_reason(request)
        if reason is not None:
            logger.warning(
                "csrf_rejected method=%s content_type=%s", request.method, request.content_type
            )
            metrics.graphql_refused("csrf")
            return JsonResponse(
                {"errors": [{"message": reason, "extensions": {"code": "CSRF_REJECTED"}}]},
                status=403,
            )
        media_type = response_media_type(request)
        if media_type is None and request.method in ("GET", "POST"):
            if not (request.method == "GET" and self._shows_graphiql(request)):
                return JsonResponse({"errors": [{"message": NOT_ACCEPTABLE_MESSAGE}]}, status=406)
        authenticate_request(request)
        try:
            # graphene-django's dispatch without its ensure_csrf_cookie decorator: this
            # endpoint does not use Django's CSRF tokens (see schema/csrf.py), and making
            # one on every response costs dozens of random draws.
            response = BaseGraphQLView.dispatch.__wrapped__(self, request, *args, **kwargs)
        except DatabaseOutage as outage:
            return service_unavailable(outage.error)
        if media_type is not None and _is_graphql_answer(response):
            # graphene-django writes application/json; the client may have asked for the
            # spec's own type, and a GET's answer differs by Accept (caches must know).
            response["Content-Type"] = f"{media_type}; charset=utf-8"
            patch_vary_headers(response, ("Accept",))
        apply_cookies(request, response)
        return response

    def _shows_graphiql(self, request: HttpRequest) -> bool:
        return self.graphiql and self.can_display_graphiql(request, {})

    def render_graphiql(self, request: HttpRequest, **data) -> HttpResponse:
        data["graphene_settings"] = {
            "graphiqlHeaderEditorEnabled": data.get("graphiql_header_editor_enabled", True),
            "graphiqlShouldPersistHeaders": data.get("graphiql_should_persist_headers", False),
            "graphiqlInputValueDeprecation": data.get("graphiql_input_value_deprecation", False),
        }
        data["graphiql_tour"] = graphiql_tour(request)
        response = super().render_graphiql(request, **data)
        # Everything the page needs is served from here; GraphiQL sets inline styles.
        response["Content-Security-Policy"] = GRAPHIQL_CSP
        return response

    @staticmethod
    def format_error(error: Exception) -> dict:
        """Our GraphQLErrors as they are; anything else is a bug and says nothing."""
        if isinstance(error, GraphQLError):
            original = error.original_error
            if original is not None and not isinstance(original, GraphQLError):
                # A bug: log it with its traceback, tell the client nothing of it.
                logger.error(
                    "graphql_unexpected_error path=%s",
                    error.path,
                    exc_info=(type(original), original, original.__traceback__),
                )
                formatted = error.formatted
                formatted["message"] = INTERNAL_ERROR_MESSAGE
                formatted["extensions"] = {"code": "INTERNAL_SERVER_ERROR"}
                return formatted
            return error.formatted
        if isinstance(error, HttpError):  # graphene-django's own 4xx: method, body, batch
            return {"message": str(error)}
        logger.error("graphql_unexpected_error", exc_info=error)
        return {"message": INTERNAL_ERROR_MESSAGE, "extensions": {"code": "INTERNAL_SERVER_ERROR"}}


def _is_graphql_answer(response: HttpResponse) -> bool:
    """A GraphQL response of graphene-django's: not GraphiQL's page, not its 405 (kept as is)."""
    return response["Content-Type"] == "application/json" and response.status_code != 405


def refusal_reason(errors: tuple[GraphQLError, ...]) -> str:
    """The ``reason`` label of a document refused by a limit, parsing or validation."""
    code = (errors[0].extensions or {}).get("code")
    if code == QUERY_TOO_LARGE:
        return "too_large"
    if code == QUERY_TOO_COMPLEX:
        return "too_complex"
    if "introspection" in errors[0].message.lower():
        return "introspection"
    return "invalid"
