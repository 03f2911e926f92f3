"""The GraphQL endpoint: CSRF rule, authentication, cookies, and safe errors."""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from graphene.validation import depth_limit_validator
from graphene_django.views import GraphQLView as BaseGraphQLView
from graphene_django.views import HttpError
from graphql import ExecutionResult, GraphQLError, parse
from graphql.validation import NoSchemaIntrospectionCustomRule

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


class GraphQLView(BaseGraphQLView):
    """graphene-django's view, with our CSRF rule, JWT authentication, cookies and limits."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        rules = [depth_limit_validator(max_depth=settings.GRAPHQL_MAX_DEPTH)]
        if not settings.GRAPHQL_INTROSPECTION:
            rules.append(NoSchemaIntrospectionCustomRule)
        self.validation_rules = tuple(rules)

    def execute_graphql_request(
        self, request, data, query, variables, operation_name, show_graphiql=False
    ):
        if query:
            too_big = _size_error(query)
            if too_big is not None:
                return ExecutionResult(errors=[too_big])
        return super().execute_graphql_request(
            request, data, query, variables, operation_name, show_graphiql
        )

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        reason = csrf_rejection_reason(request)
        if reason is not None:
            logger.warning(
                "csrf_rejected method=%s content_type=%s", request.method, request.content_type
            )
            return JsonResponse(
                {"errors": [{"message": reason, "extensions": {"code": "CSRF_REJECTED"}}]},
                status=403,
            )
        authenticate_request(request)
        response = super().dispatch(request, *args, **kwargs)
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


def _size_error(query: str) -> GraphQLError | None:
    """Refuse queries longer or with more tokens than configured, before any real work."""
    if not isinstance(query, str):
        return GraphQLError("The query must be a string.", extensions={"code": "BAD_REQUEST"})
    if len(query.encode("utf-8", "surrogatepass")) > settings.GRAPHQL_MAX_QUERY_BYTES:
        return GraphQLError(
            f"The query is longer than {settings.GRAPHQL_MAX_QUERY_BYTES} bytes.",
            extensions={"code": "QUERY_TOO_LARGE"},
        )
    try:
        parse(query, no_location=True, max_tokens=settings.GRAPHQL_MAX_TOKENS)
    except GraphQLError as error:
        if "tokens" in error.message:
            return GraphQLError(
                f"The query has more than {settings.GRAPHQL_MAX_TOKENS} tokens.",
                extensions={"code": "QUERY_TOO_LARGE"},
            )
        # A syntax error: graphene-django's own parse reports it as usual.
    return None
