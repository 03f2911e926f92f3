"""Issue 15's story end to end over HTTP: this API against the Kakao stand-in, a browser between.

A person signs up agreeing to the required terms, sees what they agreed to and
when, withdraws marketing consent (the stand-in records it, the history keeps
both rows), grants Talk messages later, cannot delete their account from a
session signed in 11 minutes ago until they re-authenticate with Kakao
(prompt=login, the id_token's auth_time), and logs out of Kakao too.
"""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.test import Client
from django.utils import timezone

from accounts.kakao import oidc
from accounts.models import KakaoServiceTermConsent, Session, User
from kakao_standin.consent import parse_service_terms
from kakao_standin.server import start_in_thread
from tests.test_kakao_standin_consent import (
    ADMIN_KEY,
    CLIENT_ID,
    LOGOUT_TO,
    REDIRECT,
    SYNC,
    hidden_fields,
    redirect_query,
    submit,
)

pytestmark = pytest.mark.django_db

ME = """query { me { id kakao {
  scopes { id agreed revocable } serviceTerms { tag required agreed revocable agreedAt agreedBy }
  authenticatedAt stale } } }"""


@pytest.fixture
def standin(settings, monkeypatch):
    """A Kakao Sync app on the stand-in, and this API configured against it."""
    server, base = start_in_thread(
        client_id=CLIENT_ID,
        admin_key=ADMIN_KEY,
        service_terms=parse_service_terms(SYNC),
        logout_redirect_uris=(LOGOUT_TO,),
    )
    settings.KAKAO_AUTH_URL = settings.KAKAO_API_URL = base
    settings.KAKAO_REST_API_KEY = CLIENT_ID
    settings.KAKAO_ADMIN_KEY = ADMIN_KEY
    settings.KAKAO_REDIRECT_URIS = [REDIRECT]
    settings.KAKAO_LOGOUT_REDIRECT_URIS = [LOGOUT_TO]
    settings.KAKAO_REQUIRED_SERVICE_TERMS = ["tos", "privacy"]
    settings.KAKAO_OIDC = True
    settings.KAKAO_CONSENT_MAX_AGE_SECONDS = 0  # me.kakao always asks the stand-in
    monkeypatch.setattr(oidc, "_process_keys", oidc._ProcessKeys())  # another stand-in's keys
    yield base
    server.shutdown()
    server.server_close()


def gql(api: Client, query: str, **variables) -> dict:
    response = api.post(
        "/graphql",
        json.dumps({"query": query, "variables": variables}),
        content_type="application/json",
    )
    body = response.json()
    assert "errors" not in body, body
    return next(iter(body["data"].values()))


def kakao_authorize(api: Client, **variables) -> dict:
    query = """mutation($purpose: AuthorizePurpose, $scope: [String!], $serviceTerms: [String!]) {
      kakaoAuthorize(purpose: $purpose, scope: $scope, serviceTerms: $serviceTerms) {
        url state errors { code } } }"""
    started = gql(api, query, **variables)
    assert started["errors"] == []
    return started


def at_kakao(browser: requests.Session, url: str, **fields) -> dict[str, str]:
    """The browser opens Kakao's URL, presses the page's button, and comes back with a code."""
    page = browser.get(url, allow_redirects=False, timeout=5)
    assert page.status_code == 200, page.text[:300]
    base = url.split("/oauth/")[0]
    return redirect_query(submit(browser, base, page.text, **fields))


def me(api: Client) -> dict:
    return gql(api, ME)["kakao"]


def test_the_story_of_issue_15(standin):
    api, browser = Client(), requests.Session()
    # --- sign-up: the required terms on Kakao's consent page -------------------------------------
    started = kakao_authorize(api)  # a sign-up is shown every term of the app
    back = at_kakao(browser, started["url"], agree_terms=["tos", "privacy", "marketing"])
    login = gql(
        api,
        """mutation($code: String!, $state: String) { kakaoLogin(code: $code, state: $state) {
          created user { id } errors { code message } } }""",
        code=back["code"],
        state=back["state"],
    )
    assert login["errors"] == [] and login["created"] is True
    # --- what they agreed to, and when -----------------------------------------------------------
    shown = me(api)
    assert shown["stale"] is False and shown["authenticatedAt"]
    terms = {t["tag"]: t for t in shown["serviceTerms"]}
    assert terms["tos"]["required"] and terms["tos"]["agreed"] and not terms["tos"]["revocable"]
    assert terms["marketing"]["agreed"] and terms["marketing"]["revocable"]
    assert terms["marketing"]["agreedAt"] and terms["marketing"]["agreedBy"] == "KAUTH"
    assert {"id": "talk_message", "agreed": False, "revocable": False} in shown["scopes"]
    # --- withdrawing marketing consent -----------------------------------------------------------
    revoke = """mutation { revokeKakaoServiceTerms(tags: ["marketing"]) { errors { code } } }"""
    assert gql(api, revoke)["errors"] == []
    at_standin = requests.get(
        f"{standin}/v2/user/service_terms",
        params={
            "target_id_type": "user_id",
            "target_id": _kakao_id(),
            "result": "app_service_terms",
        },
        headers={"Authorization": f"KakaoAK {ADMIN_KEY}"},
        timeout=5,
    ).json()["service_terms"]
    assert {t["tag"]: t["agreed"] for t in at_standin}["marketing"] is False
    history = KakaoServiceTermConsent.objects.filter(tag="marketing").order_by("pk")
    assert [(r.agreed, r.source) for r in history] == [(True, "kakao"), (False, "withdrawal")]
    assert {t["tag"]: t["agreed"] for t in me(api)["serviceTerms"]}["marketing"] is False
    # a required term cannot be withdrawn
    refused = gql(
        api, """mutation { revokeKakaoServiceTerms(tags: ["tos"]) { errors { code } } }"""
    )
    assert refused["errors"] == [{"code": "CONSENT_NOT_REVOCABLE"}]
    # --- granting Talk messages later ------------------------------------------------------------
    started = kakao_authorize(api, purpose="GRANT", scope=["talk_message"])
    back = at_kakao(browser, started["url"], agree_scope=["talk_message"])
    granted = gql(
        api,
        """mutation($code: String!, $state: String) { kakaoGrant(code: $code, state: $state) {
          user { kakao { scopes { id agreed } } } errors { code } } }""",
        code=back["code"],
        state=back["state"],
    )
    assert granted["errors"] == []
    assert {"id": "talk_message", "agreed": True} in granted["user"]["kakao"]["scopes"]
    # --- leaving needs a recent sign-in of this session ------------------------------------------
    Session.objects.update(authenticated_at=timezone.now() - timedelta(minutes=11))
    delete = "mutation { deleteAccount { ok errors { code } } }"
    assert gql(api, delete)["errors"] == [{"code": "REAUTHENTICATION_REQUIRED"}]
    started = kakao_authorize(api, purpose="REAUTHENTICATE")
    assert parse_qs(urlsplit(started["url"]).query)["prompt"] == ["login"]
    back = at_kakao(browser, started["url"], password="pw")  # Kakao asks for the password
    reauth = gql(
        api,
        """mutation($code: String!, $state: String) {
          kakaoReauthenticate(code: $code, state: $state) { ok errors { code } } }""",
        code=back["code"],
        state=back["state"],
    )
    assert reauth == {"ok": True, "errors": []}
    assert gql(api, delete) == {"ok": True, "errors": []}
    assert not User.objects.get().is_active
    # --- logging out of Kakao too ----------------------------------------------------------------
    out = gql(api, "mutation { logout(kakao: true) { ok kakaoLogoutUrl errors { code } } }")
    assert out["ok"] is True and out["errors"] == []
    page = browser.get(out["kakaoLogoutUrl"], allow_redirects=False, timeout=5)
    ended = browser.post(
        f"{standin}/oauth/logout",
        data={**hidden_fields(page.text), "action": "kakao"},
        allow_redirects=False,
        timeout=5,
    )
    state = parse_qs(urlsplit(out["kakaoLogoutUrl"]).query)["state"][0]
    assert ended.status_code == 302 and ended.headers["Location"] == f"{LOGOUT_TO}?state={state}"


def _kakao_id() -> str:
    return User.objects.get().social_accounts.get().uid


def test_terms_required_then_agreed_on_kakaos_page(standin, settings):
    settings.KAKAO_REQUIRED_SERVICE_TERMS = ["tos", "marketing"]  # this service requires more
    api, browser = Client(), requests.Session()
    login = """mutation($code: String!, $state: String) { kakaoLogin(code: $code, state: $state) {
      created errors { field code message } } }"""
    back = at_kakao(browser, kakao_authorize(api)["url"], agree_terms=["tos", "privacy"])
    refused = gql(api, login, code=back["code"], state=back["state"])
    assert refused["errors"] == [
        {
            "field": "serviceTerms",
            "code": "TERMS_REQUIRED",
            "message": "Required service terms not agreed: marketing",
        }
    ]
    assert User.objects.count() == 0 and Session.objects.count() == 0
    # the client sends the person back for the missing term
    started = kakao_authorize(api, serviceTerms=["marketing"])
    back = at_kakao(browser, started["url"], agree_terms=["marketing"])
    signed_up = gql(api, login, code=back["code"], state=back["state"])
    assert signed_up == {"created": True, "errors": []}
    assert KakaoServiceTermConsent.objects.filter(tag="marketing", agreed=True).count() == 1
