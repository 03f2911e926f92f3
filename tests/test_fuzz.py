"""Property-based pass over the GraphQL endpoint: arbitrary input never breaks it.

Whatever documents, arguments, headers and bodies arrive, the answer is JSON (never an
HTML page), never a 500, never shows a stack trace, comes within a time bound, and every
payload error code is one of ours.
"""

from __future__ import annotations

import json
import logging
import time

import pytest
import responses
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts.errors import AccountErrorCode
from bench.validation import aliases, directives, fan_out, repeated
from tests.kakao_fixtures import ME_URL, TOKEN_URL, token_error, token_response, user_response

pytestmark = pytest.mark.django_db

FUZZ = hypothesis_settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
CODES = {code.name for code in AccountErrorCode}
LEAKS = ("Traceback", 'File "', "Error(", "Exception", "django.", "psycopg", "sqlite")
# GraphQL answers in the media type negotiated; our own 403, 405, 406 and 503 as before.
JSON_TYPES = (
    "application/json; charset=utf-8",
    "application/graphql-response+json; charset=utf-8",
    "application/json",
)

anything = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(), children, max_size=3)
    ),
    max_leaves=8,
)
header_texts = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters=";,"),
    max_size=300,
)
texts = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x1F)),
    st.text(min_size=1000, max_size=3000),
    st.sampled_from(["", " ", "\x00", "null", "' OR 1=1 --", "${jndi:x}", "../../etc/passwd"]),
)

OPERATIONS = {
    "kakaoLogin": """mutation($code: String!, $redirectUri: String, $state: String) {
        kakaoLogin(code: $code, redirectUri: $redirectUri, state: $state) {
          token user { id } errors { code } } }""",
    "refreshToken": """mutation($refreshToken: String) {
        refreshToken(refreshToken: $refreshToken) { token errors { code } } }""",
    "revokeToken": """mutation($refreshToken: String) {
        revokeToken(refreshToken: $refreshToken) { revoked errors { code } } }""",
    "logout": """mutation($refreshToken: String) {
        logout(refreshToken: $refreshToken) { ok errors { code } } }""",
    "kakaoAuthorizeUrl": """query($redirectUri: String, $scope: [String!]) {
        kakaoAuthorizeUrl(redirectUri: $redirectUri, scope: $scope) { url errors { code } } }""",
    "kakaoAuthorize": """mutation($redirectUri: String, $scope: [String!], $prompt: [KakaoPrompt!],
        $loginHint: String, $serviceTerms: [String!], $purpose: AuthorizePurpose) {
        kakaoAuthorize(redirectUri: $redirectUri, scope: $scope, prompt: $prompt,
          loginHint: $loginHint, serviceTerms: $serviceTerms, purpose: $purpose) {
          url errors { code } } }""",
    "kakaoGrant": """mutation($code: String!, $redirectUri: String, $state: String) {
        kakaoGrant(code: $code, redirectUri: $redirectUri, state: $state) {
          user { id } errors { code } } }""",
    "kakaoReauthenticate": """mutation($code: String!, $redirectUri: String, $state: String) {
        kakaoReauthenticate(code: $code, redirectUri: $redirectUri, state: $state) {
          ok errors { code } } }""",
    "revokeKakaoScopes": """mutation($scopes: [String!]!) {
        revokeKakaoScopes(scopes: $scopes) { user { id } errors { code } } }""",
    "revokeKakaoServiceTerms": """mutation($tags: [String!]!) {
        revokeKakaoServiceTerms(tags: $tags) { user { id } errors { code } } }""",
    "logoutKakao": """mutation($kakao: Boolean, $kakaoLogoutRedirectUri: String) {
        logout(kakao: $kakao, kakaoLogoutRedirectUri: $kakaoLogoutRedirectUri) {
          ok kakaoLogoutUrl errors { code } } }""",
}
ARGUMENTS = [
    "code",
    "redirectUri",
    "state",
    "refreshToken",
    "scope",
    "prompt",
    "loginHint",
    "serviceTerms",
    "purpose",
    "scopes",
    "tags",
    "kakao",
    "kakaoLogoutRedirectUri",
    "x",
]


@pytest.fixture
def kakao_any():
    """Kakao answers either a valid login or KOE320, whatever is sent."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add(responses.POST, TOKEN_URL, json=token_response())
        rsps.add(responses.POST, TOKEN_URL, status=400, json=token_error("KOE320"))
        rsps.add(responses.GET, ME_URL, json=user_response())
        yield rsps


def check(response) -> None:
    assert response.status_code != 500, response.content[:300]
    text = response.content.decode("utf-8", "replace")
    if text:
        assert response["Content-Type"] in JSON_TYPES, text[:300]
    for leak in LEAKS:
        assert leak not in text, (leak, text[:300])
    if text:
        body = json.loads(text)
        data = body.get("data") if isinstance(body, dict) else None
        for payload in (data or {}).values():
            if not isinstance(payload, dict):
                continue  # __typename, a list of sessions
            for error in payload.get("errors") or []:
                assert error["code"] in CODES


@FUZZ
@given(
    operation=st.sampled_from(sorted(OPERATIONS)),
    variables=st.dictionaries(
        st.sampled_from(ARGUMENTS),
        st.one_of(texts, anything, st.lists(texts, max_size=3)),
        max_size=4,
    ),
)
@pytest.mark.parametrize("require_state", [True, False])
def test_any_arguments(kakao_any, settings, require_state, operation, variables):
    # Without the state requirement, arbitrary codes reach the (faked) Kakao.
    settings.KAKAO_REQUIRE_STATE = require_state
    response = Client().post(
        "/graphql",
        json.dumps({"query": OPERATIONS[operation], "variables": variables}),
        content_type="application/json",
    )
    check(response)


@FUZZ
@given(
    authorization=st.one_of(st.none(), header_texts.map(lambda t: "Bearer " + t), header_texts),
    access_cookie=st.one_of(st.none(), header_texts),
    refresh_cookie=st.one_of(st.none(), header_texts),
    state_cookie=st.one_of(st.none(), header_texts),
    origin=st.one_of(st.none(), header_texts, st.just("https://evil.example")),
    accept=st.one_of(
        st.none(),
        st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=300),
        st.sampled_from(
            [
                "application/graphql-response+json",
                "application/graphql-response+json,application/json;q=0.9",
                "application/json;q=2, */*;q=-1",
                "text/html",
                ";;,,q=;",
            ]
        ),
    ),
)
def test_any_headers_and_cookies(
    kakao_any, authorization, access_cookie, refresh_cookie, state_cookie, origin, accept
):
    client = Client()
    for name, value in (
        ("JWT", access_cookie),
        ("JWT-refresh-token", refresh_cookie),
        ("kakao-oauth-state", state_cookie),
    ):
        if value is not None:
            client.cookies[name] = value
    extra = {}
    if authorization is not None:
        extra["HTTP_AUTHORIZATION"] = authorization
    if origin is not None:
        extra["HTTP_ORIGIN"] = origin
    if accept is not None:
        extra["HTTP_ACCEPT"] = accept
    query = "{ me { id } } mutation R { refreshToken { token errors { code } } }"
    for operation in (None, "R"):
        body = {"query": query if operation else "{ me { id email } }", "operationName": operation}
        check(client.post("/graphql", json.dumps(body), content_type="application/json", **extra))


@FUZZ
@given(
    content_type=st.sampled_from(
        [
            "application/json",
            "application/graphql",
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=b",
            "",
            "x/y",
        ]
    ),
    body=st.one_of(
        st.binary(max_size=500),
        texts,
        anything.map(json.dumps),
        st.integers(min_value=1, max_value=200).map(lambda n: "[" * n + "]" * n),
        st.integers(min_value=1, max_value=200).map(lambda n: '{"query":' * n),
    ),
    method=st.sampled_from(["POST", "GET", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"]),
)
def test_any_raw_request(kakao_any, content_type, body, method):
    client = Client()
    if isinstance(body, str):
        body = body.encode("utf-8", "surrogatepass")
    check(client.generic(method, "/graphql", body, content_type=content_type))


# --- Documents and request bodies -------------------------------------------------------

FIELDS = ["me", "id", "email", "sessions", "__typename", "nickname", "nope", "kakaoAuthorizeUrl"]
DIRECTIVES = ["", " @include(if: true)", " @skip(if: $v)", " @nope", " @skip(if: 1)"]
FRAGMENTS = ["F0", "F1", "F2", "Missing"]
ANSWER_SECONDS = 2.0

field_heads = st.builds(
    lambda alias, name, arguments, directive: f"{alias}{name}{arguments}{directive}",
    st.sampled_from(["", "a: ", "b: ", "__typename: "]),
    st.sampled_from(FIELDS),
    st.sampled_from(["", '(redirectUri: "x")', "(id: $v)", "(scope: [[[]]])"]),
    st.sampled_from(DIRECTIVES),
)
selections = st.recursive(
    field_heads,
    lambda inner: st.one_of(
        st.builds(
            lambda head, body: f"{head} {{ {' '.join(body)} }}",
            field_heads,
            st.lists(inner, min_size=1, max_size=4),
        ),
        st.builds(
            lambda name, directive: f"...{name}{directive}",
            st.sampled_from(FRAGMENTS),
            st.sampled_from(DIRECTIVES),
        ),
        st.builds(
            lambda condition, body: f"... {condition}{{ {' '.join(body)} }}",
            st.sampled_from(["", "on User ", "on Query ", "on Nope "]),
            st.lists(inner, min_size=1, max_size=3),
        ),
        st.builds(lambda body, times: " ".join([body] * times), inner, st.integers(2, 300)),
    ),
    max_leaves=12,
)
grammar_documents = st.builds(
    lambda kind, body, fragments: (
        f"{kind} {{ {' '.join(body)} }} "
        + " ".join(
            f"fragment F{i} on {on} {{ {' '.join(b)} }}" for i, (on, b) in enumerate(fragments)
        )
    ),
    st.sampled_from(["", "query", "query($v: Boolean)", "mutation", "subscription", "query Q"]),
    st.lists(selections, min_size=1, max_size=4),
    st.lists(
        st.tuples(
            st.sampled_from(["Query", "User", "Session"]),
            st.lists(selections, min_size=1, max_size=3),
        ),
        max_size=3,
    ),
)
documents = st.one_of(
    grammar_documents,
    st.integers(1, 30).map(fan_out),
    st.integers(1, 600).map(repeated),
    st.integers(1, 200).map(aliases),
    st.integers(1, 200).map(directives),
    texts,
)


def answered_in_time(client: Client, caplog, *args, **kwargs):
    caplog.clear()
    started = time.perf_counter()
    response = client.post(*args, **kwargs)
    assert time.perf_counter() - started < ANSWER_SECONDS
    check(response)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text[:500]
    return response


@FUZZ
@given(document=documents, comment=st.text(max_size=20))
def test_any_document(kakao_any, caplog, document, comment):
    # A comment of its own each time: the document cache never answers for the check.
    body = {"query": f"{document}\n#{comment}", "variables": {"v": True}}
    response = answered_in_time(
        Client(), caplog, "/graphql", json.dumps(body), content_type="application/json"
    )
    assert response.status_code in (200, 400)


@FUZZ
@given(
    body=st.fixed_dictionaries(
        {},
        optional={
            "query": st.one_of(
                st.sampled_from(["{ me { id } }", "query Q { __typename }"]), anything
            ),
            "variables": anything,
            "operationName": anything,
            "extensions": anything,
        },
    ),
    url=st.sampled_from(
        ["", "?query=%7B__typename%7D", "?variables=%7B%7D", "?raw", "?operationName=Q"]
    ),
    nesting=st.sampled_from([0, 10, 50_000]),
)
def test_any_json_body(kakao_any, caplog, body, url, nesting):
    text = json.dumps(body)
    if nesting and text.startswith("{"):
        # a key nested past the JSON parser's recursion limit
        text = (
            '{"deep": ' + "[" * nesting + "]" * nesting + ", " + text[1:] if len(text) > 2 else text
        )
    response = answered_in_time(
        Client(), caplog, f"/graphql{url}", text, content_type="application/json"
    )
    if response.status_code == 200:
        assert not url.startswith(("?query", "?variables", "?operationName"))
