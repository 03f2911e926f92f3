"""Consent and re-authentication in the security trail: each change with its event, in its
transaction; a refused one with none. (The flows themselves: test_consent_api.py and
test_reauthentication.py, whose helpers these tests reuse.)"""

from __future__ import annotations

import pytest
import responses
from django.test import Client

from accounts.models import SecurityEvent, Session
from tests.kakao_fixtures import (
    REVOKE_SCOPES_URL,
    REVOKE_SERVICE_TERMS_URL,
    SERVICE_TERMS_URL,
    mock_login,
    revoked_terms_response,
    scope,
    scopes_response,
    term,
    terms_response,
    token_response,
    user_response,
)
from tests.test_account_api import signed_in
from tests.test_consent_api import (
    GRANT,
    REVOKE_SCOPES,
    REVOKE_TERMS,
    grant_state,
    mock_consent,
    sign_up,
)
from tests.test_graphql_api import CODE, gql, login
from tests.test_reauthentication import REAUTH, start

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _kakao_app(settings):
    settings.KAKAO_ADMIN_KEY = "admin-key-SECRET-0123456789abcdef"
    settings.KAKAO_CONSENT_MAX_AGE_SECONDS = 10**6


def trail(type_: str) -> list[tuple[dict, object]]:
    rows = SecurityEvent.objects.filter(type=type_).order_by("at")
    return [(e.details, e.session_id) for e in rows]


def test_granting_and_withdrawing_consent_are_in_the_trail(kakao):
    client, _ = sign_up(kakao)
    session = Session.objects.get()
    started = grant_state(client)
    mock_login(
        kakao, token_body=token_response(scope="account_email profile_nickname talk_message")
    )
    mock_consent(kakao, scopes=scopes_response(scope("talk_message", revocable=True)))
    assert (
        gql(client, GRANT, {"code": CODE, "state": started["state"]}).json()["data"]["kakaoGrant"][
            "errors"
        ]
        == []
    )
    granted = trail("consent_granted")
    assert len(granted) == 1 and "talk_message" in granted[0][0]["scopes"]
    assert granted[0][1] == session.pk
    kakao.add(
        responses.POST,
        REVOKE_SCOPES_URL,
        json=scopes_response(scope("account_email", agreed=False)),
    )
    gql(client, REVOKE_SCOPES, {"scopes": ["account_email"]})
    kakao.add(responses.POST, REVOKE_SERVICE_TERMS_URL, json=revoked_terms_response("marketing"))
    gql(client, REVOKE_TERMS, {"tags": ["marketing"]})
    assert trail("consent_withdrawn") == [
        ({"scopes": ["account_email"]}, session.pk),
        ({"terms": ["marketing"]}, session.pk),
    ]


def test_a_refused_withdrawal_is_not_in_the_trail(kakao, settings):
    settings.KAKAO_REQUIRED_SERVICE_TERMS = ["privacy"]
    client, _ = sign_up(kakao)
    gql(client, REVOKE_TERMS, {"tags": ["privacy"]})  # CONSENT_NOT_REVOCABLE, Kakao not called
    assert trail("consent_withdrawn") == []


def test_reauthentication_is_in_the_trail_of_its_session(kakao):
    client, _ = signed_in(kakao)
    session = Session.objects.get()
    started = start(client)
    mock_login(kakao)
    answer = gql(client, REAUTH, {"code": CODE, "state": started["state"]}).json()
    assert answer["data"]["kakaoReauthenticate"]["ok"] is True
    assert trail("reauthenticated") == [({"method": "code"}, session.pk)]


def test_a_reauthentication_with_someone_elses_code_is_not_in_the_trail(kakao):
    client, _ = signed_in(kakao)
    started = start(client)
    mock_login(kakao, user=user_response(uid=42))
    answer = gql(client, REAUTH, {"code": CODE, "state": started["state"]}).json()
    assert answer["data"]["kakaoReauthenticate"]["ok"] is None
    assert trail("reauthenticated") == []


def test_required_terms_not_agreed_is_a_refused_sign_in(kakao, settings):
    settings.KAKAO_REQUIRED_SERVICE_TERMS = ["tos", "privacy"]
    kakao.add(
        responses.GET,
        SERVICE_TERMS_URL,
        json=terms_response(term("tos", required=True), term("privacy", agreed=False)),
    )
    login(Client(), kakao)
    assert trail("sign_in_refused") == [
        ({"method": "code", "error": "TERMS_REQUIRED", "kakao_id": "1234567890"}, None)
    ]


def test_kakao_failing_at_the_terms_check_is_no_refusal(kakao, settings):
    settings.KAKAO_REQUIRED_SERVICE_TERMS = ["tos"]
    kakao.add(responses.GET, SERVICE_TERMS_URL, json={"msg": "internal", "code": -1}, status=500)
    login(Client(), kakao)
    assert not SecurityEvent.objects.exists()
