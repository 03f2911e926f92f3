"""The stand-in enforces PKCE like Kakao's SDK flow expects (shared/KAKAO_API.md §8).

And, with our backend pointed at it, a code redeemed under another browser's
state fails with INVALID_CODE and creates nothing.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import secrets
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.test import Client

from accounts.kakao import KakaoClient, KakaoInvalidCode
from accounts.models import RefreshToken, Session, SocialAccount, User
from kakao_standin.server import start_in_thread

CLIENT_ID = "test-rest-api-key"  # settings_test's KAKAO_REST_API_KEY
REDIRECT = "http://localhost:3000/oauth/kakao/callback"  # settings_test's first redirect URI


def s256(verifier: str) -> str:
    return (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )


VERIFIER = secrets.token_urlsafe(32)
CHALLENGE = s256(VERIFIER)
S256 = {"code_challenge": CHALLENGE, "code_challenge_method": "S256"}


@pytest.fixture
def standin():
    server, base = start_in_thread(client_id=CLIENT_ID)
    yield base
    server.shutdown()
    server.server_close()


def consent_page(base: str, **params) -> requests.Response:
    query = {"client_id": CLIENT_ID, "redirect_uri": REDIRECT, "response_type": "code", **params}
    return requests.get(f"{base}/oauth/authorize", params=query, timeout=5)


def hidden_fields(page: str) -> dict[str, str]:
    found = re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page)
    return {name: html.unescape(value) for name, value in found}


def agree(base: str, page: requests.Response) -> str:
    """The person agrees on the consent page: the form posts back what it carries."""
    form = {**hidden_fields(page.text), "action": "agree", "nickname": "테스터"}
    answer = requests.post(f"{base}/oauth/authorize", data=form, allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    return parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]


def exchange(base: str, code: str, **extra) -> requests.Response:
    form = {
        "grant_type": "authorization_code",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT,
        "code": code,
        **extra,
    }
    return requests.post(f"{base}/oauth/token", data=form, timeout=5)


def assert_refused_like_a_spent_code(answer: requests.Response) -> None:
    assert answer.status_code == 400
    body = answer.json()
    assert body["error"] == "invalid_grant" and body["error_code"] == "KOE320"
    assert set(body) == {"error", "error_description", "error_code"}


# --- the stand-in alone ------------------------------------------------------------------------


def test_the_consent_page_binds_the_code_to_the_challenge(standin):
    page = consent_page(standin, state="st4te", **S256)
    assert page.status_code == 200
    assert {k: hidden_fields(page.text)[k] for k in S256} == S256
    answer = exchange(standin, agree(standin, page), code_verifier=VERIFIER)
    assert answer.status_code == 200 and answer.json()["access_token"]


@pytest.mark.parametrize(
    "verifier",
    [
        None,  # missing
        secrets.token_urlsafe(32),  # another flow's
        CHALLENGE,  # the challenge itself, as if it were plain
        VERIFIER[:-1],  # too short to be a verifier
        VERIFIER + "!",  # not a verifier's alphabet
    ],
    ids=["missing", "another-flows", "the-challenge", "too-short", "bad-alphabet"],
)
def test_a_wrong_or_missing_verifier_is_refused_and_spends_the_code(standin, verifier):
    code = agree(standin, consent_page(standin, **S256))
    extra = {"code_verifier": verifier} if verifier is not None else {}
    assert_refused_like_a_spent_code(exchange(standin, code, **extra))
    # No second try: the right verifier now finds no code either.
    assert_refused_like_a_spent_code(exchange(standin, code, code_verifier=VERIFIER))


def test_a_verifier_for_a_code_issued_without_challenge_is_refused(standin):
    # RFC 9700 §2.1.1: else a challenge stripped from the URL would go unnoticed.
    code = agree(standin, consent_page(standin))
    assert_refused_like_a_spent_code(exchange(standin, code, code_verifier=VERIFIER))
    # Without a challenge and without a verifier, the flow is the plain code flow.
    assert exchange(standin, agree(standin, consent_page(standin))).status_code == 200


@pytest.mark.parametrize(
    "params",
    [
        {"code_challenge": VERIFIER, "code_challenge_method": "plain"},
        {"code_challenge": CHALLENGE},  # no method means plain
        {"code_challenge_method": "S256"},  # no challenge
        {"code_challenge": CHALLENGE[:-1], "code_challenge_method": "S256"},
        {"code_challenge": CHALLENGE, "code_challenge_method": "s256"},
    ],
    ids=["plain", "no-method", "no-challenge", "short-challenge", "lowercase-method"],
)
def test_anything_but_a_well_formed_s256_challenge_is_refused_at_authorize(standin, params):
    page = consent_page(standin, **params)
    assert page.status_code == 400 and "invalid_request" in page.text
    # and the consent form cannot be posted with it either
    form = {"client_id": CLIENT_ID, "redirect_uri": REDIRECT, "action": "agree", **params}
    answer = requests.post(f"{standin}/oauth/authorize", data=form, allow_redirects=False)
    assert answer.status_code == 400


def test_the_shortcut_code_takes_a_challenge_too(standin):
    def shortcut(**extra) -> requests.Response:
        body = {"client_id": CLIENT_ID, "redirect_uri": REDIRECT, "nickname": "bot", **extra}
        return requests.post(f"{standin}/_standin/code", json=body, timeout=5)

    code = shortcut(**S256).json()["code"]
    assert_refused_like_a_spent_code(exchange(standin, code))
    assert exchange(standin, shortcut(**S256).json()["code"], code_verifier=VERIFIER).ok
    refused = shortcut(code_challenge=VERIFIER, code_challenge_method="plain")
    assert refused.status_code == 400 and refused.json()["code"] == -2


def test_our_client_gets_invalid_code_for_a_wrong_verifier(standin):
    client = KakaoClient(auth_url=standin, api_url=standin, client_id=CLIENT_ID, timeout=2)
    code = agree(standin, consent_page(standin, **S256))
    with pytest.raises(KakaoInvalidCode):
        client.exchange_code(code=code, redirect_uri=REDIRECT, code_verifier=s256("other"))
    code = agree(standin, consent_page(standin, **S256))
    tokens = client.exchange_code(code=code, redirect_uri=REDIRECT, code_verifier=VERIFIER)
    assert client.fetch_profile(access_token=tokens.access_token).nickname == "테스터"


# --- our backend against the stand-in --------------------------------------------------------

AUTHORIZE = "mutation { kakaoAuthorize { url state errors { code } } }"
LOGIN = """
mutation($code: String!, $state: String) {
  kakaoLogin(code: $code, state: $state) { token created errors { field code } }
}
"""


@pytest.fixture
def backend_on_standin(standin, settings):
    settings.KAKAO_AUTH_URL = standin
    settings.KAKAO_API_URL = standin
    return standin


def post(client: Client, query: str, variables: dict | None = None) -> dict:
    response = client.post(
        "/graphql",
        json.dumps({"query": query, "variables": variables or {}}),
        content_type="application/json",
    )
    return next(iter(response.json()["data"].values()))


def consent_to(base: str, authorize_url: str) -> str:
    """The browser follows kakaoAuthorize's URL to the consent page and agrees."""
    page = requests.get(authorize_url, timeout=5)
    assert page.status_code == 200
    return agree(base, page)


@pytest.mark.django_db
def test_a_code_redeemed_under_another_browsers_state_fails_and_creates_nothing(
    backend_on_standin,
):
    # given: the victim's code, issued at Kakao for the victim's flow
    victim = Client()
    victims_code = consent_to(backend_on_standin, post(victim, AUTHORIZE)["url"])
    # and an attacker with a flow of their own
    attacker = Client()
    attackers_state = post(attacker, AUTHORIZE)["state"]
    # when
    data = post(attacker, LOGIN, {"code": victims_code, "state": attackers_state})
    # then
    assert data == {
        "token": None,
        "created": None,
        "errors": [{"field": "code", "code": "INVALID_CODE"}],
    }
    assert User.objects.count() == SocialAccount.objects.count() == 0
    assert Session.objects.count() == RefreshToken.objects.count() == 0


@pytest.mark.django_db
def test_the_code_flow_through_the_standin_signs_in(backend_on_standin):
    browser = Client()
    started = post(browser, AUTHORIZE)
    assert "code_challenge_method=S256" in started["url"]
    code = consent_to(backend_on_standin, started["url"])
    data = post(browser, LOGIN, {"code": code, "state": started["state"]})
    assert data["errors"] == [] and data["created"] is True and data["token"]
