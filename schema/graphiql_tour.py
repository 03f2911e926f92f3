"""GraphiQL's first document: a runnable, commented tour of this API's operations.

GraphiQL opens on it until a person's own edits take its place (GraphiQL keeps
them in the browser); the page's tour button brings it back. In DEBUG it offers
``/graphiql/callback`` (schema/graphiql_callback.py) as the redirect URI, so a
sign-in through the Kakao stand-in comes back into GraphiQL.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.http import HttpRequest
from django.template.loader import render_to_string

from kakao_standin.checks import is_loopback

CALLBACK_PATH = "/graphiql/callback"
# Arguments go in Variables, not in the document: the explorer plugin takes the
# keyboard focus for every string literal it shows.
PASTE_HERE = "paste the Kakao access_token here"


def graphiql_callback_uri(request: HttpRequest) -> str:
    """The callback's absolute URI, as this browser reaches this server."""
    return request.build_absolute_uri(CALLBACK_PATH)


def graphiql_tour(request: HttpRequest) -> dict[str, str]:
    """The tour's document and variables, for this configuration and this page's origin."""
    callback_uri = graphiql_callback_uri(request) if settings.DEBUG else None
    standin = (
        settings.KAKAO_AUTH_URL if settings.DEBUG and is_loopback(settings.KAKAO_AUTH_URL) else None
    )
    document = render_to_string(
        "graphiql/tour.graphql",
        {
            "callback_uri": callback_uri,
            "callback_registered": callback_uri in settings.KAKAO_REDIRECT_URIS,
            "standin_url": standin,
        },
    )
    variables = {"redirectUri": callback_uri, "kakaoToken": PASTE_HERE}
    return {"query": document.strip() + "\n", "variables": json.dumps(variables, indent=2)}
