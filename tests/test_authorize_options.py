"""kakaoAuthorize's options (prompt, loginHint, serviceTerms, purpose), checked at the boundary."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from tests.test_graphql_api import gql

pytestmark = pytest.mark.django_db

AUTHORIZE = """
mutation($prompt: [KakaoPrompt!], $loginHint: String, $serviceTerms: [String!],
         $purpose: AuthorizePurpose) {
  kakaoAuthorize(prompt: $prompt, loginHint: $loginHint, serviceTerms: $serviceTerms,
                 purpose: $purpose) { url state errors { field code } }
}"""


def authorize(**variables) -> tuple[dict, object]:
    response = gql(Client(), AUTHORIZE, variables)
    return response.json()["data"]["kakaoAuthorize"], response


def test_options_pass_through_to_kakaos_url():
    data, response = authorize(
        prompt=["SELECT_ACCOUNT", "CREATE", "SELECT_ACCOUNT"],
        loginHint="홍길동@example.com",
        serviceTerms=["tos", "privacy"],
    )
    assert data["errors"] == []
    params = parse_qs(urlsplit(data["url"]).query)
    assert params["prompt"] == ["select_account,create"]
    assert params["login_hint"] == ["홍길동@example.com"]
    assert params["service_terms"] == ["tos,privacy"]
    assert "kakao-oauth-state" in response.cookies


def test_sign_in_is_the_default_and_adds_nothing():
    data, _ = authorize()
    params = parse_qs(urlsplit(data["url"]).query)
    assert not {"prompt", "login_hint", "service_terms", "scope"} & params.keys()


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ({"loginHint": "a" * 255}, "loginHint"),
        ({"loginHint": "me @example.com"}, "loginHint"),
        ({"loginHint": "me@example.com\n"}, "loginHint"),
        ({"loginHint": "\u200bme"}, "loginHint"),  # an invisible character
        ({"prompt": ["NONE", "LOGIN"]}, "prompt"),
        ({"serviceTerms": ["tos", "no spaces"]}, "serviceTerms"),
        ({"serviceTerms": ["t" * 65]}, "serviceTerms"),
        ({"serviceTerms": [f"t{i}" for i in range(31)]}, "serviceTerms"),
    ],
)
def test_bad_options_are_invalid_input_and_issue_no_state(variables, field):
    data, response = authorize(**variables)
    assert data == {
        "url": None,
        "state": None,
        "errors": [{"field": field, "code": "INVALID_INPUT"}],
    }
    assert "kakao-oauth-state" not in response.cookies


def test_a_254_character_hint_is_fine():
    data, _ = authorize(loginHint="a" * 254)
    assert data["errors"] == []


def test_unknown_enum_values_are_refused_by_graphql():
    body = gql(Client(), AUTHORIZE, {"prompt": ["consent"]}).json()
    assert "data" not in body or body["data"] is None
    assert body["errors"]


@pytest.mark.parametrize("purpose", ["GRANT", "REAUTHENTICATE"])
def test_granting_and_reauthenticating_need_a_signed_in_caller(purpose):
    data, response = authorize(purpose=purpose)
    assert data["errors"] == [{"field": None, "code": "UNAUTHENTICATED"}]
    assert "kakao-oauth-state" not in response.cookies
