"""The GraphQL endpoint: CSRF rule, authentication, cookies, and safe errors."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from graphene_django.views import GraphQLView as BaseGraphQLView
from graphql import GraphQLError

from schema.auth import authenticate_request
from schema.cookies import apply_cookies
from schema.csrf import csrf_rejection_reason

logger = logging.getLogger(__name__)

INTERNAL_ERROR_MESSAGE = "Internal server error."


class GraphQLView(BaseGraphQLView):
    """graphene-django's view, with our CSRF rule, JWT authentication and cookie writing."""

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

    @staticmethod
    def format_error(error: Exception) -> dict:
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
        logger.error("graphql_unexpected_error", exc_info=error)
        return {"message": INTERNAL_ERROR_MESSAGE, "extensions": {"code": "INTERNAL_SERVER_ERROR"}}
