"""PKCE on the code flow: a code is redeemable only by the browser flow that asked for it.

The attack (issue 14): the attacker intercepts a victim's authorization code,
starts a flow of their own (their own state and state cookie) and presents the
victim's code with it. The state check passes, since it is the attacker's own;
PKCE makes Kakao refuse the code, because the attacker's state derives another
verifier than the challenge the victim's code was issued for.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from django.core import signing
from django.test import Client

from accounts.models import RefreshToken, Session, SocialAccount, User
from accounts.services import sessions
from tests.kakao_fixtures import (
    ME_URL,
    TOKEN_URL,
    mock_login,
    token_error,
    token_response,
    user_response,
)
from tests.test_oidc import JWKS_URL, jwks
from tests.test_oidc import id_token as make_id_token

pytestmark = pytest.mark.django_db

AUTHORIZE = """
mutation { kakaoAuthorize { url state nonce errors { code } } }
"""
AUTHORIZE_QUERY = "query { kakaoAuthorizeUrl { url state errors { code } } }"
LOGIN = """
mutation($code: String!, $state: String) {
  kakaoLogin(code: $code, state: $state) {
    token refreshToken created user { id } errors { field code }
  }
}
"""
LINK = """
mutation($code: String!, $state: String) {
  linkKakao(code: $code, state: $state) { user { id } errors { field code } }
}
"""
STATE_COOKIE = "kakao-oauth-state"
REFRESH_COOKIE = "JWT-refresh-token"
VERIFIER_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def s256(verifier: str) -> str:
    return (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )


def post(client: Client, query: str, variables: dict | None = None, **extra):
    return client.post(
        "/graphql",
        json.dumps({"query": query, "variables": variables or {}}),
        content_type="application/json",
        **extra,
    )


def authorize(client: Client) -> dict:
    """A browser starts a flow: the URL, its state, and the state cookie kept in `client`."""
    data = post(client, AUTHORIZE).json()["data"]["kakaoAuthorize"]
    assert data["errors"] == []
    return data


def url_params(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def token_forms(kakao) -> list[dict[str, str]]:
    """The forms our backend posted to Kakao's token endpoint."""
    return [
        {k: v[0] for k, v in parse_qs(call.request.body).items()}
        for call in kakao.calls
        if call.request.url == TOKEN_URL
    ]


class PkceKakao:
    """Kakao's token endpoint enforcing PKCE: each code bound to its authorize URL's challenge."""

    def __init__(self, rsps: responses.RequestsMock) -> None:
        self._challenges: dict[str, str | None] = {}
        rsps.add_callback(responses.POST, TOKEN_URL, callback=self._token)
        rsps.add(responses.GET, ME_URL, json=user_response())

    def consent(self, authorize_url: str) -> str:
        """The person agrees on Kakao's page: a code for that URL's challenge."""
        params = url_params(authorize_url)
        code = "code-" + secrets.token_urlsafe(16)
        challenge = params.get("code_challenge")
        if challenge is not None:
            assert params["code_challenge_method"] == "S256"
        self._challenges[code] = challenge
        return code

    def _token(self, request):
        form = {k: v[0] for k, v in parse_qs(request.body).items()}
        code = form["code"]
        if code not in self._challenges:
            return 400, {}, json.dumps(token_error("KOE320", code=code))
        challenge = self._challenges.pop(code)  # spent, whatever happens next
        verifier = form.get("code_verifier")
        if challenge is not None and (verifier is None or s256(verifier) != challenge):
            return 400, {}, json.dumps(token_error("KOE320", code=code))
        return 200, {}, json.dumps(token_response())


def assert_nothing_created() -> None:
    assert User.objects.count() == 0
    assert SocialAccount.objects.count() == 0
    assert Session.objects.count() == 0
    assert RefreshToken.objects.count() == 0


# --- the attack ------------------------------------------------------------------------------


def test_victims_code_with_the_attackers_own_state_is_invalid_code_and_creates_nothing(kakao):
    kakao_site = PkceKakao(kakao)
    # given: the victim started a login; their code was intercepted on its way back
    victim = Client()
    victims_code = kakao_site.consent(authorize(victim)["url"])
    # and the attacker starts a flow of their own: their own state and state cookie
    attacker = Client()
    attackers_state = authorize(attacker)["state"]
    # when: the attacker presents the victim's code with their own state
    response = post(attacker, LOGIN, {"code": victims_code, "state": attackers_state})
    # then: the state passed (it is the attacker's), Kakao refused the code
    data = response.json()["data"]["kakaoLogin"]
    assert data["errors"] == [{"field": "code", "code": "INVALID_CODE"}]
    assert data["token"] is None and data["refreshToken"] is None and data["user"] is None
    assert REFRESH_COOKIE not in response.cookies
    assert_nothing_created()
    assert len(token_forms(kakao)) == 1 and "code_verifier" in token_forms(kakao)[0]


def test_the_victims_own_flow_still_signs_in(kakao):
    # The refusal above is PKCE, not a Kakao that refuses everything.
    kakao_site = PkceKakao(kakao)
    victim = Client()
    started = authorize(victim)
    code = kakao_site.consent(started["url"])
    data = post(victim, LOGIN, {"code": code, "state": started["state"]}).json()
    assert data["data"]["kakaoLogin"]["errors"] == []
    assert data["data"]["kakaoLogin"]["created"] is True


def test_victims_code_cannot_be_linked_to_the_attackers_account(kakao):
    # The worse outcome of the same attack: the victim's Kakao account attached to the
    # attacker's, so that the victim's next "Login with Kakao" lands in it.
    kakao_site = PkceKakao(kakao)
    victims_code = kakao_site.consent(authorize(Client())["url"])
    owner = User.objects.create_user(username="attacker", password="pw-0123456789")
    attacker = Client()
    state = authorize(attacker)["state"]
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {sessions.start_session(user=owner).token}"}
    data = post(attacker, LINK, {"code": victims_code, "state": state}, **bearer).json()
    assert data["data"]["linkKakao"]["errors"] == [{"field": "code", "code": "INVALID_CODE"}]
    assert SocialAccount.objects.count() == 0


def test_link_kakao_sends_the_verifier_of_its_own_flow(kakao):
    kakao_site = PkceKakao(kakao)
    owner = User.objects.create_user(username="owner", password="pw-0123456789")
    browser = Client()
    started = authorize(browser)
    code = kakao_site.consent(started["url"])
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {sessions.start_session(user=owner).token}"}
    data = post(browser, LINK, {"code": code, "state": started["state"]}, **bearer).json()
    assert data["data"]["linkKakao"]["errors"] == []
    verifier = token_forms(kakao)[0]["code_verifier"]
    assert s256(verifier) == url_params(started["url"])["code_challenge"]
    assert SocialAccount.objects.get().user_id == owner.pk


# --- what goes where -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field"), [(AUTHORIZE, "kakaoAuthorize"), (AUTHORIZE_QUERY, "kakaoAuthorizeUrl")]
)
def test_the_challenge_in_the_url_is_s256_of_what_the_exchange_sends(kakao, query, field):
    mock_login(kakao)
    browser = Client()
    started = post(browser, query).json()["data"][field]
    params = url_params(started["url"])
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) == 43
    assert (
        post(browser, LOGIN, {"code": "c0de", "state": started["state"]}).json()["data"][
            "kakaoLogin"
        ]["errors"]
        == []
    )
    verifier = token_forms(kakao)[0]["code_verifier"]
    assert len(verifier) == 43 and set(verifier) <= VERIFIER_CHARS
    assert s256(verifier) == params["code_challenge"]


def test_every_flow_has_its_own_challenge():
    challenges = {url_params(authorize(Client())["url"])["code_challenge"] for _ in range(5)}
    assert len(challenges) == 5


def test_the_verifier_never_reaches_the_client_nor_a_log_line(kakao, all_logs):
    kakao_site = PkceKakao(kakao)
    browser = Client()
    started_response = post(browser, AUTHORIZE)
    started = started_response.json()["data"]["kakaoAuthorize"]
    cookie = started_response.cookies[STATE_COOKIE].value
    code = kakao_site.consent(started["url"])
    login_response = post(browser, LOGIN, {"code": code, "state": started["state"]})
    assert login_response.json()["data"]["kakaoLogin"]["errors"] == []
    # and an attacker's refused attempt logs nothing more
    attacker = Client()
    refused = post(
        attacker,
        LOGIN,
        {"code": kakao_site.consent(started["url"]), "state": authorize(attacker)["state"]},
    )
    assert refused.json()["data"]["kakaoLogin"]["errors"][0]["code"] == "INVALID_CODE"
    verifiers = [form["code_verifier"] for form in token_forms(kakao)]
    assert len(verifiers) == 2 and all(verifiers)
    for verifier in verifiers:
        for response in (started_response, login_response, refused):
            assert verifier not in response.content.decode()
            assert all(verifier not in value for value in response.headers.values())
            assert all(
                verifier not in morsel.OutputString() for morsel in response.cookies.values()
            )
        # The state cookie is signed, not encrypted: what it holds is readable by the client.
        assert verifier not in json.dumps(signing.loads(cookie, salt="accounts.oauth_state"))
        assert verifier not in all_logs.text
        assert all(verifier not in record.getMessage() for record in all_logs.records)


def test_no_verifier_when_no_state_was_checked(kakao, settings):
    # A front end that builds Kakao's URL itself (KAKAO_REQUIRE_STATE off) sent no challenge.
    settings.KAKAO_REQUIRE_STATE = False
    mock_login(kakao)
    data = post(Client(), LOGIN, {"code": "c0de"}).json()["data"]["kakaoLogin"]
    assert data["errors"] == []
    assert "code_verifier" not in token_forms(kakao)[0]


def test_pkce_off_sends_neither_challenge_nor_verifier(kakao, settings):
    settings.KAKAO_PKCE = False
    mock_login(kakao)
    browser = Client()
    started = authorize(browser)
    params = url_params(started["url"])
    assert "code_challenge" not in params and "code_challenge_method" not in params
    data = post(browser, LOGIN, {"code": "c0de", "state": started["state"]}).json()
    assert data["data"]["kakaoLogin"]["errors"] == []
    assert "code_verifier" not in token_forms(kakao)[0]


@pytest.mark.parametrize(("at_authorize", "at_exchange"), [(True, False), (False, True)])
def test_the_verifier_follows_the_flow_not_a_setting_changed_in_between(
    kakao, settings, at_authorize, at_exchange
):
    # A code issued for a challenge needs its verifier; one issued without must not get one
    # (a server may refuse a verifier it never saw a challenge for, RFC 9700 §2.1.1).
    kakao_site = PkceKakao(kakao)
    settings.KAKAO_PKCE = at_authorize
    browser = Client()
    started = authorize(browser)
    code = kakao_site.consent(started["url"])
    settings.KAKAO_PKCE = at_exchange
    data = post(browser, LOGIN, {"code": code, "state": started["state"]}).json()
    assert data["data"]["kakaoLogin"]["errors"] == []
    assert ("code_verifier" in token_forms(kakao)[0]) is at_authorize


def test_a_refused_state_sends_nothing_to_kakao(kakao):
    # The verifier is derived only from a state this browser's cookie vouches for.
    authorize(Client())
    attacker = Client()
    authorize(attacker)
    data = post(attacker, LOGIN, {"code": "c0de", "state": "victims-state"}).json()
    assert data["data"]["kakaoLogin"]["errors"][0]["code"] == "INVALID_STATE"
    assert token_forms(kakao) == []


def test_kakao_refusing_pkce_without_a_known_koe_code_is_invalid_code(kakao):
    # KAKAO_API.md §8: a wrong verifier is an invalid_grant; its KOE code is not documented.
    kakao.add(
        responses.POST,
        TOKEN_URL,
        json={"error": "invalid_grant", "error_description": "PKCE verification failed."},
        status=400,
    )
    browser = Client()
    state = authorize(browser)["state"]
    data = post(browser, LOGIN, {"code": "c0de", "state": state}).json()
    assert data["data"]["kakaoLogin"]["errors"] == [{"field": "code", "code": "INVALID_CODE"}]
    assert_nothing_created()


# --- when Kakao does not enforce PKCE --------------------------------------------------------


def mock_kakao_ignoring_pkce(kakao, *, nonce: str | None) -> None:
    """A Kakao that answers any code with the victim's tokens, verifier or not."""
    id_token = make_id_token(nonce) if nonce else None
    kakao.add(responses.POST, TOKEN_URL, json=token_response(id_token=id_token))
    kakao.add(responses.GET, JWKS_URL, json=jwks())
    kakao.add(responses.GET, ME_URL, json=user_response())


def test_with_oidc_a_code_from_another_flow_is_refused_locally_by_the_nonce(kakao, settings):
    # given: OpenID Connect on, and a Kakao that does not check the verifier
    settings.KAKAO_OIDC = True
    victim = Client()
    victims_flow = authorize(victim)
    mock_kakao_ignoring_pkce(
        kakao, nonce=victims_flow["nonce"]
    )  # the id_token of the victim's flow
    attacker = Client()
    attackers_state = authorize(attacker)["state"]
    # when
    data = post(attacker, LOGIN, {"code": "victims-code", "state": attackers_state}).json()
    # then: the id_token's nonce is the victim's flow's, not the attacker's
    assert data["data"]["kakaoLogin"]["errors"] == [{"field": None, "code": "INVALID_ID_TOKEN"}]
    assert_nothing_created()
    # and the same answer from Kakao signs the victim in through their own flow
    data = post(victim, LOGIN, {"code": "victims-code", "state": victims_flow["state"]}).json()
    assert data["data"]["kakaoLogin"]["errors"] == []


def test_what_remains_without_oidc_when_kakao_ignores_the_verifier(kakao):
    # SECURITY.md's residual risk, kept honest: with OIDC off the backend has nothing of
    # its own to tell the victim's code from the attacker's; only Kakao's PKCE check does.
    # If this ever fails, a local defence was added: update SECURITY.md.
    mock_kakao_ignoring_pkce(kakao, nonce=None)
    authorize(Client())
    attacker = Client()
    state = authorize(attacker)["state"]
    data = post(attacker, LOGIN, {"code": "victims-code", "state": state}).json()
    assert data["data"]["kakaoLogin"]["errors"] == []
    assert "code_verifier" in token_forms(kakao)[0]  # sent; Kakao is who must check it
