"""kakaoAuthorize's options (prompt, loginHint, serviceTerms, purpose), checked at the boundary."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts.errors import AccountErrorCode
from accounts.models import User
from tests.test_account_api import bearer
from tests.test_account_service import kakao_user
from tests.test_graphql_api import gql

pytestmark = pytest.mark.django_db

AUTHORIZE = """
mutation($prompt: [KakaoPrompt!], $loginHint: String, $serviceTerms: [String!],
         $purpose: AuthorizePurpose) {
  kakaoAuthorize(prompt: $prompt, loginHint: $loginHint, serviceTerms: $serviceTerms,
                 purpose: $purpose) { url state errors { field code } }
}"""

AUTHORIZE_ALL = """
mutation($loginHint: String, $serviceTerms: [String!], $scope: [String!],
         $purpose: AuthorizePurpose) {
  kakaoAuthorize(loginHint: $loginHint, serviceTerms: $serviceTerms, scope: $scope,
                 purpose: $purpose) { url errors { field code } }
}"""
CODES = {code.name for code in AccountErrorCode}


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


@hypothesis_settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    login_hint=st.none() | st.text(max_size=300),
    service_terms=st.none() | st.lists(st.text(max_size=70), max_size=32),
    scope=st.none() | st.lists(st.text(max_size=70), max_size=3),
    purpose=st.sampled_from(["SIGN_IN", "GRANT", "REAUTHENTICATE"]),
    tags=st.lists(st.text(max_size=70), max_size=32),
)
def test_any_options_of_a_signed_in_caller_give_a_typed_answer(
    kakao, login_hint, service_terms, scope, purpose, tags
):
    user = User.objects.first() or kakao_user()
    headers = bearer(user)
    variables = {
        "loginHint": login_hint,
        "serviceTerms": service_terms,
        "scope": scope,
        "purpose": purpose,
    }
    body = gql(Client(), AUTHORIZE_ALL, variables, **headers).json()
    assert "errors" not in body, body
    for error in body["data"]["kakaoAuthorize"]["errors"]:
        assert error["code"] in CODES
    revoke = "mutation($t: [String!]!) { revokeKakaoServiceTerms(tags: $t) { errors { code } } }"
    body = gql(Client(), revoke, {"t": tags}, **headers).json()
    assert {e["code"] for e in body["data"]["revokeKakaoServiceTerms"]["errors"]} <= CODES
    assert len(kakao.calls) == 0  # no admin key in the suite: nothing reaches Kakao
