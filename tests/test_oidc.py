"""OpenID Connect: Kakao's id_token verified locally; one call to Kakao instead of two."""

from __future__ import annotations

import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.cache import cache
from django.test import Client
from jwt.algorithms import RSAAlgorithm

from accounts.models import SocialAccount, User
from tests.kakao_fixtures import ME_URL, TOKEN_URL, token_response, user_response

pytestmark = pytest.mark.django_db

JWKS_URL = "https://kauth.kakao.com/.well-known/jwks.json"
AUTHORIZE = "query { kakaoAuthorizeUrl { state nonce } }"
LOGIN = """
mutation Login($code: String!, $state: String) {
  kakaoLogin(code: $code, state: $state) {
    created user { email nickname } errors { code }
  }
}
"""


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


KAKAO_KEY = _key()
OTHER_KEY = _key()


def jwks(key: rsa.RSAPrivateKey = KAKAO_KEY, kid: str = "kakao-kid-1") -> dict[str, Any]:
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    return {"keys": [{**jwk, "kid": kid, "alg": "RS256", "use": "sig"}]}


def id_token(nonce: str | None, *, key=KAKAO_KEY, kid="kakao-kid-1", alg="RS256", **claims):
    now = int(time.time())
    body = {
        "iss": "https://kauth.kakao.com",
        "aud": "test-rest-api-key",
        "sub": "1234567890",
        "iat": now,
        "exp": now + 7200,
        "auth_time": now,
        "nickname": "홍길동",
        "picture": "http://k.kakaocdn.net/dn/abc/img_640x640.jpg",
        **({"nonce": nonce} if nonce else {}),
        **claims,
    }
    body = {k: v for k, v in body.items() if v is not None}
    return jwt.encode(body, key, algorithm=alg, headers={"kid": kid})


@pytest.fixture(autouse=True)
def _oidc(settings):
    settings.KAKAO_OIDC = True
    cache.clear()


def start(client: Client) -> tuple[str, str]:
    data = client.post(
        "/graphql", json.dumps({"query": AUTHORIZE}), content_type="application/json"
    ).json()["data"]["kakaoAuthorizeUrl"]
    return data["state"], data["nonce"]


def login(client: Client, state: str) -> dict:
    response = client.post(
        "/graphql",
        json.dumps({"query": LOGIN, "variables": {"code": "c0de", "state": state}}),
        content_type="application/json",
    )
    return response.json()["data"]["kakaoLogin"]


def mock(kakao, token: str | None, keys: dict | None = None) -> None:
    kakao.add("POST", TOKEN_URL, json=token_response(id_token=token) if token else token_response())
    kakao.add("GET", JWKS_URL, json=keys or jwks())
    kakao.add("GET", ME_URL, json=user_response())


def kakao_calls(kakao) -> list[str]:
    return [call.request.url.split("?")[0] for call in kakao.calls]


def test_first_login_without_email_claim_skips_profile_call(kakao):
    client = Client()
    state, nonce = start(client)
    mock(kakao, id_token(nonce))
    data = login(client, state)
    assert data["errors"] == [] and data["created"] is True
    assert data["user"]["nickname"] == "홍길동"
    assert User.objects.get().profile_image_url.endswith("img_640x640.jpg")
    assert ME_URL not in kakao_calls(kakao)
    assert SocialAccount.objects.get().uid == "1234567890"


def test_returning_login_costs_one_call_once_keys_are_cached(kakao):
    client = Client()
    state, nonce = start(client)
    mock(kakao, id_token(nonce, email="sample@sample.com"))
    assert login(client, state)["errors"] == []  # first: email claim → profile call
    calls_before = len(kakao.calls)
    state, nonce = start(client)
    kakao.replace("POST", TOKEN_URL, json=token_response(id_token=id_token(nonce)))
    assert login(client, state)["errors"] == []
    assert kakao_calls(kakao)[calls_before:] == [TOKEN_URL]


def test_email_claim_is_not_trusted_without_profile_flags(kakao):
    # The id_token has no verification flags: a first login with an email asks /v2/user/me.
    client = Client()
    state, nonce = start(client)
    mock(kakao, id_token(nonce, email="sample@sample.com"))
    data = login(client, state)
    assert ME_URL in kakao_calls(kakao)
    assert data["user"]["email"] == "sample@sample.com"  # verified per /v2/user/me


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(lambda n: id_token(n, key=OTHER_KEY), id="wrong-key"),
        pytest.param(lambda n: id_token(n, aud="another-app"), id="wrong-aud"),
        pytest.param(lambda n: id_token(n, iss="https://evil.example"), id="wrong-iss"),
        pytest.param(
            lambda n: id_token(n, exp=int(time.time()) - 3600, iat=int(time.time()) - 7200),
            id="expired",
        ),
        pytest.param(lambda n: id_token("another-nonce"), id="wrong-nonce"),
        pytest.param(lambda n: id_token(None), id="missing-nonce"),
        pytest.param(lambda n: id_token(n, kid="unknown-kid"), id="unknown-kid"),
        pytest.param(lambda n: id_token(n, sub=None), id="no-sub"),
        pytest.param(
            lambda n: jwt.encode({"sub": "1", "nonce": n}, None, algorithm="none"), id="alg-none"
        ),
        pytest.param(
            lambda n: jwt.encode(
                {
                    "sub": "1234567890",
                    "nonce": n,
                    "aud": "test-rest-api-key",
                    "iss": "https://kauth.kakao.com",
                    "iat": int(time.time()),
                    "exp": int(time.time()) + 60,
                },
                "test-rest-api-key",
                algorithm="HS256",
                headers={"kid": "kakao-kid-1"},
            ),
            id="hs256-with-public-secret",
        ),
        pytest.param(lambda n: "not.a.jwt", id="garbage"),
    ],
)
def test_bad_id_token_is_refused_and_creates_nothing(kakao, make_token):
    client = Client()
    state, nonce = start(client)
    mock(kakao, make_token(nonce))
    data = login(client, state)
    assert [e["code"] for e in data["errors"]] == ["INVALID_ID_TOKEN"]
    assert User.objects.count() == 0


def test_profile_of_another_user_than_the_id_token_is_refused(kakao):
    client = Client()
    state, nonce = start(client)
    kakao.add("POST", TOKEN_URL, json=token_response(id_token=id_token(nonce, email="a@b.c")))
    kakao.add("GET", JWKS_URL, json=jwks())
    kakao.add("GET", ME_URL, json=user_response(uid=999))
    assert [e["code"] for e in login(client, state)["errors"]] == ["INVALID_ID_TOKEN"]


def test_unknown_kid_refetches_keys_once_for_rotation(kakao):
    # given: keys cached before Kakao rotated
    cache.set("kakao-oidc-jwks", jwks(OTHER_KEY, kid="old-kid"))
    client = Client()
    state, nonce = start(client)
    mock(kakao, id_token(nonce, kid="new-kid"), keys=jwks(kid="new-kid"))
    # then: one refetch finds the new key
    assert login(client, state)["errors"] == []
    assert kakao_calls(kakao).count(JWKS_URL) == 1


def test_forged_kids_cannot_make_us_hammer_kakao(kakao):
    for _ in range(3):
        client = Client()
        state, nonce = start(client)
        mock(kakao, id_token(nonce, kid="forged"))
        assert [e["code"] for e in login(client, state)["errors"]] == ["INVALID_ID_TOKEN"]
    # one fetch to fill the cache, then at most one refetch per minute
    assert kakao_calls(kakao).count(JWKS_URL) <= 2


def test_no_id_token_falls_back_to_profile_call(kakao):
    client = Client()
    state, _ = start(client)
    mock(kakao, None)
    assert login(client, state)["errors"] == []
    assert ME_URL in kakao_calls(kakao)


def test_jwks_unavailable_is_kakao_unavailable(kakao):
    client = Client()
    state, nonce = start(client)
    kakao.add("POST", TOKEN_URL, json=token_response(id_token=id_token(nonce)))
    kakao.add("GET", JWKS_URL, status=503)
    assert [e["code"] for e in login(client, state)["errors"]] == ["KAKAO_UNAVAILABLE"]
