"""Consent over GraphQL: what a sign-in records, required terms, me.kakao, granting, withdrawing."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from django.test import Client
from django.utils import timezone
from freezegun import freeze_time

from accounts.models import (
    KakaoScopeConsent,
    KakaoServiceTermConsent,
    RefreshToken,
    Session,
    SocialAccount,
    User,
)
from accounts.services.consent import records
from tests.kakao_fixtures import (
    KAKAO_ACCESS_TOKEN,
    ME_URL,
    REVOKE_SCOPES_URL,
    REVOKE_SERVICE_TERMS_URL,
    SCOPES_URL,
    SERVICE_TERMS_URL,
    TOKEN_INFO_URL,
    mock_login,
    revoked_terms_response,
    scope,
    scopes_response,
    term,
    terms_response,
    token_info_response,
    token_response,
    user_response,
)
from tests.test_graphql_api import CODE, REFRESH_COOKIE, authorize, errors_of, gql, login

pytestmark = pytest.mark.django_db

ADMIN_KEY = "admin-key-SECRET-0123456789abcdef"
UID = "1234567890"
ME_KAKAO = """query { me { id kakao {
  scopes { id displayName type agreed revocable }
  serviceTerms { tag required agreed revocable agreedAt agreedBy }
  authenticatedAt checkedAt stale } } }"""
AUTHORIZE = """
mutation($purpose: AuthorizePurpose, $scope: [String!], $serviceTerms: [String!]) {
  kakaoAuthorize(purpose: $purpose, scope: $scope, serviceTerms: $serviceTerms) {
    url state errors { field message code }
  }
}"""
GRANT = """mutation($code: String!, $state: String, $redirectUri: String) {
  kakaoGrant(code: $code, state: $state, redirectUri: $redirectUri) {
    user { id kakao { scopes { id agreed } } } errors { field message code } } }"""
REVOKE_SCOPES = """mutation($scopes: [String!]!) {
  revokeKakaoScopes(scopes: $scopes) { user { id } errors { field message code } } }"""
REVOKE_TERMS = """mutation($tags: [String!]!) {
  revokeKakaoServiceTerms(tags: $tags) { user { id } errors { field message code } } }"""
LOGIN_WITH_TOKEN = """mutation($accessToken: String!) {
  kakaoLoginWithToken(accessToken: $accessToken) { token user { id } errors { field message code } }
}"""
LOGOUT = """mutation($uri: String) {
  logout(kakao: true, kakaoLogoutRedirectUri: $uri) { ok kakaoLogoutUrl errors { field code } } }"""


@pytest.fixture(autouse=True)
def _kakao_sync(settings):
    settings.KAKAO_ADMIN_KEY = ADMIN_KEY


def urls(kakao) -> list[str]:
    return [call.request.url.split("?")[0] for call in kakao.calls]


def codes(response, field: str) -> list[tuple[str, str | None]]:
    return [(e["code"], e["field"]) for e in errors_of(response, field)]


def sign_up(kakao, client: Client | None = None, **terms_args) -> tuple[Client, dict]:
    """A browser signs up with Kakao (Kakao Sync terms agreed on its consent screen)."""
    client = client or Client()
    kakao.add(responses.GET, SERVICE_TERMS_URL, json=terms_response(**terms_args))
    data = login(client, kakao).json()["data"]["kakaoLogin"]
    assert data["errors"] == []
    return client, data


def mock_consent(kakao, scopes: dict | None = None, terms: dict | None = None) -> None:
    """Kakao's answers when me.kakao reads the record again."""
    kakao.add(responses.GET, SCOPES_URL, json=scopes or scopes_response())
    kakao.add(responses.GET, SERVICE_TERMS_URL, json=terms or terms_response())


def me_kakao(client: Client) -> dict:
    body = gql(client, ME_KAKAO).json()
    assert "errors" not in body, body
    return body["data"]["me"]["kakao"]


# --- what a sign-in records ------------------------------------------------------------------


def test_sign_up_records_the_granted_items_and_reads_the_terms_once(kakao):
    # when
    sign_up(kakao)
    # then: the token response's scope, with no call for it; the terms read by admin key
    assert urls(kakao)[-1] == SERVICE_TERMS_URL
    terms_call = kakao.calls[-1].request
    assert terms_call.headers["Authorization"] == f"KakaoAK {ADMIN_KEY}"
    assert parse_qs(urlsplit(terms_call.url).query) == {
        "target_id_type": ["user_id"],
        "target_id": [UID],
        "result": ["app_service_terms"],
    }
    scopes = KakaoScopeConsent.objects.order_by("pk")
    assert [(s.scope, s.agreed, s.source) for s in scopes] == [
        ("account_email", True, "login"),
        ("profile_image", True, "login"),
        ("profile_nickname", True, "login"),
    ]
    assert list(KakaoServiceTermConsent.objects.values_list("tag", "agreed")) == [
        ("tos", True),
        ("privacy", True),
        ("marketing", True),
    ]


def test_a_returning_login_costs_no_consent_call_and_writes_only_changes(kakao):
    sign_up(kakao)
    calls = len(kakao.calls)
    # when: the same person signs in again, now having granted talk_message too
    login(
        Client(),
        kakao,
        mock={"token_body": token_response(scope="account_email profile_nickname talk_message")},
    )
    # then: token and profile only
    assert urls(kakao)[calls:] == ["https://kauth.kakao.com/oauth/token", ME_URL]
    assert KakaoScopeConsent.objects.count() == 4
    assert KakaoScopeConsent.objects.get(scope="talk_message").source == "login"


def test_kakao_down_at_sign_up_does_not_fail_it(kakao):
    kakao.add(responses.GET, SERVICE_TERMS_URL, body=requests.exceptions.ConnectTimeout("down"))
    data = login(Client(), kakao).json()["data"]["kakaoLogin"]
    assert data["errors"] == [] and data["created"] is True
    assert KakaoServiceTermConsent.objects.count() == 0  # me.kakao reads them later


# --- required service terms ---------------------------------------------------------------------


@pytest.fixture
def required_terms(settings):
    settings.KAKAO_REQUIRED_SERVICE_TERMS = ["tos", "privacy"]


def test_terms_required_creates_no_user_and_no_session(kakao, required_terms):
    kakao.add(
        responses.GET,
        SERVICE_TERMS_URL,
        json=terms_response(term("tos", required=True), term("privacy", agreed=False)),
    )
    # when
    response = login(Client(), kakao)
    # then
    data = response.json()["data"]["kakaoLogin"]
    assert [(e["code"], e["field"]) for e in data["errors"]] == [("TERMS_REQUIRED", "serviceTerms")]
    assert data["errors"][0]["message"] == "Required service terms not agreed: privacy"
    assert data["token"] is None and data["user"] is None
    assert REFRESH_COOKIE not in response.cookies
    assert User.objects.count() == 0 and Session.objects.count() == 0
    assert RefreshToken.objects.count() == 0 and KakaoServiceTermConsent.objects.count() == 0
    # Kakao was asked before anything was written
    assert urls(kakao)[-1] == SERVICE_TERMS_URL


def test_terms_required_for_a_returning_person_starts_no_session(kakao, settings):
    sign_up(kakao)
    sessions_before = Session.objects.count()
    settings.KAKAO_REQUIRED_SERVICE_TERMS = ["tos", "privacy"]
    kakao.add(
        responses.GET,
        SERVICE_TERMS_URL,
        json=terms_response(term("tos", agreed=False), term("privacy")),
    )
    response = login(Client(), kakao)
    assert codes(response, "kakaoLogin") == [("TERMS_REQUIRED", "serviceTerms")]
    assert Session.objects.count() == sessions_before


def test_terms_required_for_a_mobile_app_too(kakao, required_terms):
    kakao.add(responses.GET, TOKEN_INFO_URL, json=token_info_response())
    kakao.add(responses.GET, ME_URL, json=user_response())
    kakao.add(
        responses.GET,
        SERVICE_TERMS_URL,
        json=terms_response(term("tos"), term("privacy", agreed=False)),
    )
    response = gql(Client(), LOGIN_WITH_TOKEN, {"accessToken": KAKAO_ACCESS_TOKEN})
    assert codes(response, "kakaoLoginWithToken") == [("TERMS_REQUIRED", "serviceTerms")]
    assert User.objects.count() == 0 and Session.objects.count() == 0


def test_agreed_required_terms_sign_in_and_are_recorded_in_the_login(kakao, required_terms):
    kakao.add(responses.GET, SERVICE_TERMS_URL, json=terms_response())
    data = login(Client(), kakao).json()["data"]["kakaoLogin"]
    assert data["errors"] == [] and data["created"] is True
    assert urls(kakao).count(SERVICE_TERMS_URL) == 1  # not read again after the sign-up
    assert KakaoServiceTermConsent.objects.count() == 3


@pytest.mark.parametrize(
    "terms",
    [
        terms_response(uid=int(UID)) | {"service_terms": []},  # an app without Kakao Sync
        terms_response(term("tos"), term("marketing")),  # a typo: privacy is not the app's
    ],
    ids=["no-kakao-sync", "unknown-tag"],
)
def test_tags_kakao_does_not_know_are_misconfigured_not_terms_required(
    kakao, required_terms, terms
):
    kakao.add(responses.GET, SERVICE_TERMS_URL, json=terms)
    response = login(Client(), kakao)
    (error,) = errors_of(response, "kakaoLogin")
    assert error["code"] == "KAKAO_MISCONFIGURED"
    assert "KAKAO_REQUIRED_SERVICE_TERMS" in error["message"]
    assert User.objects.count() == 0


@pytest.mark.parametrize("failure", ["503", "timeout"])
def test_required_terms_with_kakao_down_fail_closed(kakao, required_terms, failure):
    if failure == "timeout":
        kakao.add(responses.GET, SERVICE_TERMS_URL, body=requests.exceptions.ReadTimeout("slow"))
    else:
        kakao.add(responses.GET, SERVICE_TERMS_URL, json={}, status=503)
    response = login(Client(), kakao)
    assert codes(response, "kakaoLogin") == [("KAKAO_UNAVAILABLE", None)]
    assert User.objects.count() == 0 and Session.objects.count() == 0


def test_kakao_authorize_passes_service_terms_on(kakao):
    body = gql(Client(), AUTHORIZE, {"serviceTerms": ["tos", "privacy"]}).json()
    url = body["data"]["kakaoAuthorize"]["url"]
    assert parse_qs(urlsplit(url).query)["service_terms"] == ["tos,privacy"]


# --- me.kakao ----------------------------------------------------------------------------------


def test_me_kakao_reads_kakao_when_the_record_is_old_and_not_before(kakao, settings):
    client, _ = sign_up(kakao)
    mock_consent(kakao)
    calls = len(kakao.calls)
    # when: no whole list was read yet
    shown = me_kakao(client)
    # then
    assert urls(kakao)[calls:] == [SCOPES_URL, SERVICE_TERMS_URL]
    assert all(
        c.request.headers["Authorization"] == f"KakaoAK {ADMIN_KEY}" for c in kakao.calls[calls:]
    )
    assert shown["stale"] is False and shown["checkedAt"] is not None
    assert shown["authenticatedAt"] is not None
    assert shown["scopes"][0] == {
        "id": "account_email",
        "displayName": "카카오계정(이메일)",
        "type": "PRIVACY",
        "agreed": True,
        "revocable": True,
    }
    assert {
        "id": "talk_message",
        "displayName": "카카오톡 메시지 전송",
        "type": "PRIVACY",
        "agreed": False,
        "revocable": False,
    } in shown["scopes"]
    assert shown["serviceTerms"][0] == {
        "tag": "tos",
        "required": True,
        "agreed": True,
        "revocable": False,
        "agreedAt": "2026-11-30T01:02:03+00:00",
        "agreedBy": "KAUTH",
    }
    # fresh: no call
    me_kakao(client)
    assert len(kakao.calls) == calls + 2
    # older than KAKAO_CONSENT_MAX_AGE_SECONDS: read again
    with freeze_time(timedelta(seconds=settings.KAKAO_CONSENT_MAX_AGE_SECONDS + 1)):
        gql(client, "mutation { refreshToken { errors { code } } }")
        mock_consent(kakao)
        me_kakao(client)
    assert len(kakao.calls) == calls + 4


@pytest.mark.parametrize("failure", ["503", "timeout", "no-admin-key"])
def test_kakao_down_shows_the_stored_record_marked_stale(kakao, settings, failure):
    client, _ = sign_up(kakao)
    calls = len(kakao.calls)
    if failure == "no-admin-key":
        settings.KAKAO_ADMIN_KEY = ""
    elif failure == "timeout":
        kakao.add(responses.GET, SCOPES_URL, body=requests.exceptions.ConnectTimeout("down"))
    else:
        kakao.add(responses.GET, SCOPES_URL, json={"msg": "internal", "code": -1}, status=503)
    # when
    shown = me_kakao(client)
    # then: never an error, the stored record
    assert shown["stale"] is True and shown["checkedAt"] is None
    assert [s["id"] for s in shown["scopes"]] == [
        "account_email",
        "profile_image",
        "profile_nickname",
    ]
    assert [t["tag"] for t in shown["serviceTerms"]] == ["tos", "privacy", "marketing"]
    # and a failure is not retried at every query
    me_kakao(client)
    assert len(kakao.calls) == calls + (0 if failure == "no-admin-key" else 1)


def test_me_kakao_is_null_without_a_kakao_link(kakao):
    from tests.test_account_api import bearer
    from tests.test_account_service import kakao_user

    user = kakao_user(None, password="pw-0123456789")
    body = gql(Client(), ME_KAKAO, **bearer(user)).json()
    assert body == {"data": {"me": {"id": str(user.pk), "kakao": None}}}
    assert len(kakao.calls) == 0


def test_our_required_terms_are_shown_required_and_not_revocable(kakao, settings):
    client, _ = sign_up(kakao)
    settings.KAKAO_REQUIRED_SERVICE_TERMS = ["marketing"]
    mock_consent(kakao)
    marketing = me_kakao(client)["serviceTerms"][2]
    assert (marketing["tag"], marketing["required"], marketing["revocable"]) == (
        "marketing",
        True,
        False,
    )


# --- asking for more: purpose GRANT and kakaoGrant ------------------------------------------------


def grant_state(client: Client, scope: list[str] | None = None) -> dict:
    body = gql(client, AUTHORIZE, {"purpose": "GRANT", "scope": scope or ["talk_message"]}).json()
    return body["data"]["kakaoAuthorize"]


def test_grant_records_the_new_items_and_starts_no_session(kakao):
    client, data = sign_up(kakao)
    started = grant_state(client)
    assert started["errors"] == []
    assert parse_qs(urlsplit(started["url"]).query)["scope"] == ["talk_message"]
    sessions_before = Session.objects.count()
    mock_login(
        kakao, token_body=token_response(scope="account_email profile_nickname talk_message")
    )
    mock_consent(kakao, scopes=scopes_response(scope("talk_message", revocable=True)))
    # when
    response = gql(client, GRANT, {"code": CODE, "state": started["state"]})
    # then
    payload = response.json()["data"]["kakaoGrant"]
    assert payload["errors"] == []
    assert payload["user"]["id"] == data["user"]["id"]
    assert {"id": "talk_message", "agreed": True} in payload["user"]["kakao"]["scopes"]
    assert KakaoScopeConsent.objects.filter(scope="talk_message", source="grant").count() == 1
    assert Session.objects.count() == sessions_before
    assert "JWT" not in response.cookies and REFRESH_COOKIE not in response.cookies


def test_after_a_grant_kakao_is_asked_whether_the_new_item_can_be_withdrawn(kakao):
    client, _ = sign_up(kakao)
    mock_consent(kakao)
    me_kakao(client)  # the whole record read from Kakao: fresh for an hour
    started = grant_state(client)
    mock_login(
        kakao, token_body=token_response(scope="account_email profile_nickname talk_message")
    )
    talk = scope("talk_message", revocable=True)
    mock_consent(kakao, scopes=scopes_response(scope("profile_nickname", revocable=False), talk))
    # when
    granted = gql(client, GRANT, {"code": CODE, "state": started["state"]}).json()
    calls = len(kakao.calls)
    shown = me_kakao(client)
    # then: the token response says the item is agreed, not whether it may be withdrawn;
    # the next read asks Kakao, which says it may (the person can take it back at once)
    assert granted["data"]["kakaoGrant"]["errors"] == []
    assert urls(kakao)[calls:] == []  # the grant's own answer already asked
    assert {
        "id": "talk_message",
        "displayName": "카카오톡 메시지 전송",
        "type": "PRIVACY",
        "agreed": True,
        "revocable": True,
    } in shown["scopes"]


def test_grant_keeps_openid_with_oidc(kakao, settings):
    settings.KAKAO_OIDC = True
    client, _ = sign_up(kakao)
    url = grant_state(client)["url"]
    assert parse_qs(urlsplit(url).query)["scope"] == ["talk_message,openid"]


def test_another_persons_code_at_kakao_grant_changes_nothing(kakao):
    client, _ = sign_up(kakao)
    state = grant_state(client)["state"]
    rows = KakaoScopeConsent.objects.count()
    mock_login(kakao, user=user_response(99), token_body=token_response(scope="talk_message"))
    # when: the code is for someone else's Kakao account
    response = gql(client, GRANT, {"code": CODE, "state": state})
    # then
    assert codes(response, "kakaoGrant") == [("KAKAO_ACCOUNT_MISMATCH", None)]
    assert KakaoScopeConsent.objects.count() == rows
    assert list(SocialAccount.objects.values_list("uid", flat=True)) == [UID]


def test_a_sign_in_state_cannot_finish_a_grant(kakao):
    client, _ = sign_up(kakao)
    state = authorize(client)  # issued to sign in
    calls = len(kakao.calls)
    response = gql(client, GRANT, {"code": CODE, "state": state})
    assert codes(response, "kakaoGrant") == [("INVALID_STATE", "state")]
    assert len(kakao.calls) == calls


def test_a_grant_state_is_bound_to_the_person_it_was_issued_to(kakao):
    from tests.test_account_api import bearer
    from tests.test_account_service import kakao_user

    victim, _ = sign_up(kakao)
    state = grant_state(victim)["state"]
    other = kakao_user("99", email="other@example.com")
    # the other person's token, in the browser holding the victim's state cookie
    calls = len(kakao.calls)
    response = gql(victim, GRANT, {"code": CODE, "state": state}, **bearer(other))
    assert codes(response, "kakaoGrant") == [("INVALID_STATE", "state")]
    assert len(kakao.calls) == calls


def test_a_grant_needs_a_signed_in_caller_and_scope(kakao):
    body = gql(Client(), AUTHORIZE, {"purpose": "GRANT", "scope": ["talk_message"]}).json()
    assert body["data"]["kakaoAuthorize"]["errors"][0]["code"] == "UNAUTHENTICATED"
    client, _ = sign_up(kakao)
    body = gql(client, AUTHORIZE, {"purpose": "GRANT"}).json()
    assert [(e["code"], e["field"]) for e in body["data"]["kakaoAuthorize"]["errors"]] == [
        ("INVALID_INPUT", "scope")
    ]
    response = gql(Client(), GRANT, {"code": CODE, "state": "s"})
    assert codes(response, "kakaoGrant") == [("UNAUTHENTICATED", None)]


# --- withdrawing -----------------------------------------------------------------------------


def test_withdrawing_marketing_keeps_the_agreement_beside_the_withdrawal(kakao):
    client, _ = sign_up(kakao)
    signed_up = records.consent_on(user=User.objects.get(), at=timezone.now())
    kakao.add(responses.POST, REVOKE_SERVICE_TERMS_URL, json=revoked_terms_response("marketing"))
    # when
    response = gql(client, REVOKE_TERMS, {"tags": ["marketing"]})
    # then
    assert response.json()["data"]["revokeKakaoServiceTerms"]["errors"] == []
    request = kakao.calls[-1].request
    assert request.headers["Authorization"] == f"KakaoAK {ADMIN_KEY}"
    assert parse_qs(request.body) == {
        "target_id_type": ["user_id"],
        "target_id": [UID],
        "tags": ["marketing"],
    }
    history = KakaoServiceTermConsent.objects.filter(tag="marketing").order_by("pk")
    assert [(r.agreed, r.source) for r in history] == [(True, "kakao"), (False, "withdrawal")]
    mock_consent(
        kakao,
        terms=terms_response(
            term("tos", required=True),
            term("privacy", required=True),
            term("marketing", agreed=False, revocable=True),
        ),
    )
    marketing = me_kakao(client)["serviceTerms"][2]
    assert (marketing["agreed"], marketing["agreedAt"]) == (False, None)
    # what was agreed at sign-up is still answered for that date
    assert signed_up.term("marketing").agreed is True
    assert KakaoServiceTermConsent.objects.filter(tag="marketing").count() == 2


@pytest.mark.parametrize("tag", ["tos", "privacy"])
def test_revoking_a_required_term_is_refused_without_calling_kakao(kakao, settings, tag):
    settings.KAKAO_REQUIRED_SERVICE_TERMS = ["privacy"]
    client, _ = sign_up(kakao)
    calls, rows = len(kakao.calls), KakaoServiceTermConsent.objects.count()
    # tos: required by Kakao's record; privacy: by this service's setting
    response = gql(client, REVOKE_TERMS, {"tags": ["marketing", tag]})
    assert codes(response, "revokeKakaoServiceTerms") == [("CONSENT_NOT_REVOCABLE", "tags")]
    assert tag in errors_of(response, "revokeKakaoServiceTerms")[0]["message"]
    assert len(kakao.calls) == calls and KakaoServiceTermConsent.objects.count() == rows


def test_withdrawing_a_consent_item(kakao):
    client, _ = sign_up(kakao)
    kakao.add(
        responses.POST,
        REVOKE_SCOPES_URL,
        json=scopes_response(scope("account_email", agreed=False)),
    )
    response = gql(client, REVOKE_SCOPES, {"scopes": ["account_email"]})
    assert response.json()["data"]["revokeKakaoScopes"]["errors"] == []
    assert parse_qs(kakao.calls[-1].request.body)["scopes"] == ['["account_email"]']
    latest = records.consent_record(link_id=SocialAccount.objects.get().pk).scope("account_email")
    assert latest.agreed is False
    assert KakaoScopeConsent.objects.filter(scope="account_email").count() == 2


@pytest.mark.parametrize(
    ("mutation", "field", "url", "status", "body", "expected"),
    [
        (
            REVOKE_SCOPES,
            "scopes",
            REVOKE_SCOPES_URL,
            403,
            {"msg": "x", "code": -3},
            "CONSENT_NOT_REVOCABLE",
        ),
        (
            REVOKE_SCOPES,
            "scopes",
            REVOKE_SCOPES_URL,
            400,
            {"msg": "x", "code": -2},
            "INVALID_INPUT",
        ),
        (
            REVOKE_TERMS,
            "tags",
            REVOKE_SERVICE_TERMS_URL,
            403,
            {"msg": "x", "code": -3},
            "CONSENT_NOT_REVOCABLE",
        ),
        (
            REVOKE_TERMS,
            "tags",
            REVOKE_SERVICE_TERMS_URL,
            400,
            {"msg": "x", "code": -2},
            "INVALID_INPUT",
        ),
    ],
)
def test_kakaos_refusals_are_typed_and_record_nothing(
    kakao, mutation, field, url, status, body, expected
):
    client, _ = sign_up(kakao)
    rows = KakaoScopeConsent.objects.count() + KakaoServiceTermConsent.objects.count()
    kakao.add(responses.POST, url, json=body, status=status)
    name = "revokeKakaoScopes" if field == "scopes" else "revokeKakaoServiceTerms"
    response = gql(client, mutation, {field: ["unknown_item"]})
    assert codes(response, name) == [(expected, field)]
    assert KakaoScopeConsent.objects.count() + KakaoServiceTermConsent.objects.count() == rows


@pytest.mark.parametrize("failure", ["503", "timeout"])
def test_withdrawing_with_kakao_down_records_nothing(kakao, failure):
    client, _ = sign_up(kakao)
    rows = KakaoServiceTermConsent.objects.count()
    if failure == "timeout":
        kakao.add(
            responses.POST, REVOKE_SERVICE_TERMS_URL, body=requests.exceptions.ReadTimeout("x")
        )
    else:
        kakao.add(responses.POST, REVOKE_SERVICE_TERMS_URL, json={}, status=503)
    response = gql(client, REVOKE_TERMS, {"tags": ["marketing"]})
    assert codes(response, "revokeKakaoServiceTerms") == [("KAKAO_UNAVAILABLE", None)]
    assert KakaoServiceTermConsent.objects.count() == rows


@pytest.mark.parametrize(
    ("mutation", "variables", "name", "expected"),
    [
        (REVOKE_SCOPES, {"scopes": []}, "revokeKakaoScopes", ("INVALID_INPUT", "scopes")),
        (REVOKE_SCOPES, {"scopes": ["a b"]}, "revokeKakaoScopes", ("INVALID_INPUT", "scopes")),
        (REVOKE_TERMS, {"tags": ["x" * 65]}, "revokeKakaoServiceTerms", ("INVALID_INPUT", "tags")),
        (REVOKE_TERMS, {"tags": ["t"] * 31}, "revokeKakaoServiceTerms", ("INVALID_INPUT", "tags")),
    ],
)
def test_bad_withdrawal_input_is_refused_before_kakao(kakao, mutation, variables, name, expected):
    client, _ = sign_up(kakao)
    calls = len(kakao.calls)
    assert codes(gql(client, mutation, variables), name) == [expected]
    assert len(kakao.calls) == calls


def test_anonymous_withdrawals_are_unauthenticated(kakao):
    response = gql(Client(), REVOKE_TERMS, {"tags": ["marketing"]})
    assert codes(response, "revokeKakaoServiceTerms") == [("UNAUTHENTICATED", None)]
    assert len(kakao.calls) == 0


# --- logging out of Kakao too -----------------------------------------------------------------


def test_logout_of_kakao_too_answers_kakaos_logout_url(kakao, settings):
    settings.KAKAO_LOGOUT_REDIRECT_URIS = ["http://localhost:3000/", "http://localhost:3000/bye"]
    client, _ = sign_up(kakao)
    # when
    response = gql(client, LOGOUT, {"uri": "http://localhost:3000/bye"})
    # then
    payload = response.json()["data"]["logout"]
    assert payload["ok"] is True and payload["errors"] == []
    url = urlsplit(payload["kakaoLogoutUrl"])
    assert (url.scheme, url.netloc, url.path) == ("https", "kauth.kakao.com", "/oauth/logout")
    params = parse_qs(url.query)
    assert params["client_id"] == ["test-rest-api-key"]
    assert params["logout_redirect_uri"] == ["http://localhost:3000/bye"]
    assert len(params["state"][0]) >= 20
    assert response.cookies[REFRESH_COOKIE]["max-age"] == 0
    assert RefreshToken.objects.filter(revoked__isnull=True).count() == 0
    # the default is the first allowed URI, with a new state each time
    again = gql(Client(), LOGOUT).json()["data"]["logout"]["kakaoLogoutUrl"]
    assert parse_qs(urlsplit(again).query)["logout_redirect_uri"] == ["http://localhost:3000/"]
    assert parse_qs(urlsplit(again).query)["state"] != params["state"]


@pytest.mark.parametrize(
    ("allowed", "uri", "expected"),
    [
        (
            ["http://localhost:3000/"],
            "https://evil.example/",
            ("REDIRECT_URI_NOT_ALLOWED", "kakaoLogoutRedirectUri"),
        ),
        (["http://localhost:3000/"], "bad\nuri", ("INVALID_INPUT", "kakaoLogoutRedirectUri")),
        ([], None, ("KAKAO_MISCONFIGURED", None)),
    ],
)
def test_a_refused_kakao_logout_still_ends_the_session(kakao, settings, allowed, uri, expected):
    settings.KAKAO_LOGOUT_REDIRECT_URIS = allowed
    client, _ = sign_up(kakao)
    response = gql(client, LOGOUT, {"uri": uri})
    payload = response.json()["data"]["logout"]
    assert payload["ok"] is True and payload["kakaoLogoutUrl"] is None
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [expected]
    assert RefreshToken.objects.filter(revoked__isnull=True).count() == 0
    assert response.cookies[REFRESH_COOKIE]["max-age"] == 0


# --- nothing secret in the logs -----------------------------------------------------------------


def test_nothing_secret_is_logged(kakao, settings, all_logs):
    settings.KAKAO_LOGOUT_REDIRECT_URIS = ["http://localhost:3000/"]
    client, data = sign_up(kakao)
    refresh_token = client.cookies[REFRESH_COOKIE].value
    mock_consent(kakao)
    me_kakao(client)
    kakao.add(responses.POST, REVOKE_SCOPES_URL, json={"msg": "x", "code": -3}, status=403)
    gql(client, REVOKE_SCOPES, {"scopes": ["profile_nickname"]})
    kakao.add(responses.POST, REVOKE_SERVICE_TERMS_URL, json=revoked_terms_response("marketing"))
    gql(client, REVOKE_TERMS, {"tags": ["marketing"]})
    state = grant_state(client)["state"]
    mock_login(kakao, user=user_response(99), token_body=token_response(scope="talk_message"))
    gql(client, GRANT, {"code": "grant-code-SECRET-1", "state": state})
    settings.KAKAO_REQUIRED_SERVICE_TERMS = ["tos", "privacy"]
    kakao.add(
        responses.GET,
        SERVICE_TERMS_URL,
        json=terms_response(term("tos"), term("privacy", agreed=False)),
    )
    login(Client(), kakao, code="login-code-SECRET-2")
    logout = gql(client, LOGOUT).json()["data"]["logout"]["kakaoLogoutUrl"]
    text = all_logs.text
    for secret in (
        ADMIN_KEY,
        CODE,
        "grant-code-SECRET",
        "login-code-SECRET",
        KAKAO_ACCESS_TOKEN,
        "kakao-refresh-token-SECRET",
        data["token"],
        refresh_token,
        parse_qs(urlsplit(logout).query)["state"][0],
    ):
        assert secret not in text
    for story in (
        "kakao_consent_refreshed user=",
        "kakao_consent_error status=403 kakao_code=-3",
        "kakao_terms_revoked user=",
        "kakao_account_mismatch user=",
        "kakao_terms_required missing=privacy",
    ):
        assert story in text
