"""GraphiQL is served from this server: offline, pinned, and under a strict CSP."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.staticfiles import finders
from django.test import Client, RequestFactory
from graphene_django.views import GraphQLView as GrapheneView

from schema.views import GraphQLView

STATIC = Path(__file__).resolve().parent.parent / "schema" / "static" / "graphiql"
ASSETS = {
    "graphiql.min.js": "graphiql_sri",
    "graphiql.min.css": "graphiql_css_sri",
    "react.production.min.js": "react_sri",
    "react-dom.production.min.js": "react_dom_sri",
    "fetch.umd.js": "whatwg_fetch_sri",
    "graphql-ws.min.js": "subscriptions_transport_ws_sri",
    "graphiql-plugin-explorer.umd.js": "graphiql_plugin_explorer_sri",
    "graphiql-plugin-explorer.css": "graphiql_plugin_explorer_css_sri",
}


@pytest.mark.parametrize(("name", "sri_attribute"), sorted(ASSETS.items()))
def test_vendored_assets_are_exactly_what_graphene_django_pins(name, sri_attribute):
    digest = hashlib.sha256((STATIC / name).read_bytes()).digest()
    assert f"sha256-{base64.b64encode(digest).decode()}" == getattr(GrapheneView, sri_attribute), (
        f"{name} differs from graphene-django's pinned version: run scripts/vendor_graphiql.sh"
    )


def test_licences_are_shipped():
    names = {p.name for p in (STATIC / "licenses").iterdir()}
    assert {
        "graphiql.LICENSE",
        "react.LICENSE",
        "react-dom.LICENSE",
        "whatwg-fetch.LICENSE",
        "graphql-ws.LICENSE",
        "plugin-explorer.LICENSE",
    } <= names


@pytest.mark.django_db
def test_page_loads_nothing_from_elsewhere():
    page = _graphiql_page()
    html = page.content.decode()
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/static/") for s in sources), sources
    for source in sources:
        assert finders.find(source.removeprefix("/static/")), source
    assert "<script>" not in html.replace("<script src=", "")  # no inline script
    csp = page["Content-Security-Policy"]
    assert (
        "script-src 'self'" in csp
        and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    )


def _graphiql_page():
    """The page as a view with GraphiQL on renders it (the suite's URLconf has it off)."""
    request = RequestFactory().get("/graphql", HTTP_ACCEPT="text/html")
    request.user = AnonymousUser()
    return GraphQLView.as_view(graphiql=True)(request)


def test_graphiql_is_off_without_debug():
    page = Client().get("/graphql", HTTP_ACCEPT="text/html")
    assert "graphiql" not in page.content.decode().lower()
