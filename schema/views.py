"""The GraphQL endpoint: CSRF rule, authentication, cookies, and safe errors."""

from __future__ import annotations

import logging
from functools import lru_cache

from django.conf import settings
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseNotAllowed,
    JsonResponse,
)
from graphene.validation import depth_limit_validator
from graphene_django.settings import graphene_settings
from graphene_django.views import GraphQLView as BaseGraphQLView
from graphene_django.views import HttpError
from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    OperationType,
    execute,
    get_operation_ast,
    parse,
    specified_rules,
    validate,
)
from graphql.validation import NoSchemaIntrospectionCustomRule

from accounts import metrics
from backend.outages import is_database_unavailable, service_unavailable
from schema.auth import authenticate_request
from schema.cookies import apply_cookies
from schema.csrf import csrf_rejection_reason

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
            raise HttpError(HttpResponseBadRequest("Must provide query string."))
        if not isinstance(query, str):
            metrics.graphql_refused("malformed")
            return ExecutionResult(errors=[GraphQLError("The query must be a string.")])
        document, errors = _checked_document(
            query,
            settings.GRAPHQL_MAX_QUERY_BYTES,
            settings.GRAPHQL_MAX_TOKENS,
            settings.GRAPHQL_MAX_DEPTH,
            settings.GRAPHQL_INTROSPECTION,
        )
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

    @staticmethod
    def get_graphql_params(request: HttpRequest, data: dict):
        try:
            return BaseGraphQLView.get_graphql_params(request, data)
        except HttpError:  # variables that are not JSON
            metrics.graphql_refused("malformed")
            raise

    def parse_body(self, request: HttpRequest):
        """A GET's parameters are in its URL: its body is never read, whatever its Content-Type."""
        if request.method == "GET":
            return {}
        try:
            return super().parse_body(request)
        except HttpError:
            metrics.graphql_refused("malformed")
            raise

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
        authenticate_request(request)
        try:
            # graphene-django's dispatch without its ensure_csrf_cookie decorator: this
            # endpoint does not use Django's CSRF tokens (see schema/csrf.py), and making
            # one on every response costs dozens of random draws.
            response = BaseGraphQLView.dispatch.__wrapped__(self, request, *args, **kwargs)
        except DatabaseOutage as outage:
            return service_unavailable(outage.error)
        apply_cookies(request, response)
        return response

    def render_graphiql(self, request: HttpRequest, **data) -> HttpResponse:
        data["graphene_settings"] = {
            "graphiqlHeaderEditorEnabled": data.get("graphiql_header_editor_enabled", True),
            "graphiqlShouldPersistHeaders": data.get("graphiql_should_persist_headers", False),
            "graphiqlInputValueDeprecation": data.get("graphiql_input_value_deprecation", False),
        }
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


def refusal_reason(errors: tuple[GraphQLError, ...]) -> str:
    """The ``reason`` label of a document refused by parsing, validation or a limit."""
    first = errors[0]
    if (first.extensions or {}).get("code") == "QUERY_TOO_LARGE":
        return "too_large"
    if "exceeds maximum operation depth" in first.message:
        return "too_deep"
    if "introspection" in first.message.lower():
        return "introspection"
    return "invalid"


@lru_cache(maxsize=512)
def _checked_document(
    query: str, max_bytes: int, max_tokens: int, max_depth: int, introspection: bool
) -> tuple[DocumentNode | None, tuple[GraphQLError, ...]]:
    """Parse and validate once per distinct query string and configuration."""
    if len(query.encode("utf-8", "surrogatepass")) > max_bytes:
        return None, (
            GraphQLError(
                f"The query is longer than {max_bytes} bytes.",
                extensions={"code": "QUERY_TOO_LARGE"},
            ),
        )
    try:
        document = parse(query, max_tokens=max_tokens)
    except GraphQLError as error:
        if "tokens" in error.message:
            error = GraphQLError(
                f"The query has more than {max_tokens} tokens.",
                extensions={"code": "QUERY_TOO_LARGE"},
            )
        return None, (error,)
    rules = [*specified_rules, depth_limit_validator(max_depth=max_depth)]
    if not introspection:
        rules.append(NoSchemaIntrospectionCustomRule)
    schema = graphene_settings.SCHEMA.graphql_schema
    errors = validate(schema, document, rules, max_errors=graphene_settings.MAX_VALIDATION_ERRORS)
    return document, tuple(errors)
