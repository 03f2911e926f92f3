"""The Kakao client's consent endpoints: Kakao's shapes in, typed results and exceptions out."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from accounts.kakao import (
    KakaoAccountRestricted,
    KakaoClient,
    KakaoError,
    KakaoInvalidArgument,
    KakaoInvalidClient,
    KakaoInvalidToken,
    KakaoNotConnected,
    KakaoNotRevocable,
    KakaoUnavailable,
)
from tests.kakao_fixtures import (
    KAKAO_ACCESS_TOKEN,
    REVOKE_SCOPES_URL,
    REVOKE_SERVICE_TERMS_URL,
    SCOPES_URL,
    SERVICE_TERMS_URL,
    revoked_terms_response,
    scope,
    scopes_response,
    term,
    terms_response,
)

ADMIN_KEY = "admin-key-SECRET-0123456789"
UID = "1234567890"


def make_client(**options) -> KakaoClient:
    defaults = {
        "auth_url": "https://kauth.kakao.com",
        "api_url": "https://kapi.kakao.com",
        "client_id": "rest-key",
        "admin_key": ADMIN_KEY,
        "timeout": 2.0,
    }
    return KakaoClient(**{**defaults, **options})


def query(request) -> dict[str, list[str]]:
    return parse_qs(urlsplit(request.url).query)


# --- GET /v2/user/scopes --------------------------------------------------------------------


def test_scopes_by_admin_key_names_the_person(kakao):
    kakao.add(responses.GET, SCOPES_URL, json=scopes_response())
    # when
    result = make_client().scopes(user_id=UID)
    # then
    request = kakao.calls[0].request
    assert request.headers["Authorization"] == f"KakaoAK {ADMIN_KEY}"
    assert query(request) == {"target_id_type": ["user_id"], "target_id": [UID]}
    assert result.user_id == UID
    assert [(s.id, s.agreed, s.revocable) for s in result.scopes] == [
        ("profile_nickname", True, False),
        ("profile_image", True, False),
        ("account_email", True, True),
        ("talk_message", False, False),
    ]
    assert result.scopes[0].display_name == "닉네임" and result.scopes[0].type == "PRIVACY"


def test_scopes_by_the_persons_token_and_some_ids_only(kakao):
    kakao.add(responses.GET, SCOPES_URL, json=scopes_response(scope("talk_message")))
    make_client(admin_key="").scopes(
        access_token=KAKAO_ACCESS_TOKEN, scope_ids=["talk_message", "account_email"]
    )
    request = kakao.calls[0].request
    assert request.headers["Authorization"] == f"Bearer {KAKAO_ACCESS_TOKEN}"
    assert json.loads(query(request)["scopes"][0]) == ["talk_message", "account_email"]
    assert "target_id" not in query(request)


def test_malformed_items_are_skipped_and_a_malformed_answer_is_an_error(kakao):
    body = scopes_response(
        scope("talk_message"),
        {"id": "bad id with spaces", "agreed": True},
        {"id": 5},
        "not an object",
    )
    kakao.add(responses.GET, SCOPES_URL, json=body)
    assert [s.id for s in make_client().scopes(user_id=UID).scopes] == ["talk_message"]
    kakao.add(responses.GET, SCOPES_URL, json={"id": True, "scopes": []})
    with pytest.raises(KakaoError):
        make_client().scopes(user_id=UID)


def test_exactly_one_way_to_authenticate():
    client = make_client()
    with pytest.raises(ValueError):
        client.scopes()
    with pytest.raises(ValueError):
        client.scopes(access_token=KAKAO_ACCESS_TOKEN, user_id=UID)


def test_no_admin_key_calls_nobody(kakao):
    with pytest.raises(KakaoInvalidClient):
        make_client(admin_key="").service_terms(user_id=UID)
    assert len(kakao.calls) == 0


# --- POST /v2/user/revoke/scopes ------------------------------------------------------------


def test_revoke_scopes_sends_a_json_array_and_answers_the_updated_items(kakao):
    kakao.add(
        responses.POST,
        REVOKE_SCOPES_URL,
        json=scopes_response(scope("talk_message", agreed=False)),
    )
    result = make_client().revoke_scopes(scope_ids=["talk_message"], user_id=UID)
    request = kakao.calls[0].request
    assert request.headers["Authorization"] == f"KakaoAK {ADMIN_KEY}"
    assert parse_qs(request.body) == {
        "target_id_type": ["user_id"],
        "target_id": [UID],
        "scopes": ['["talk_message"]'],
    }
    assert [(s.id, s.agreed) for s in result.scopes] == [("talk_message", False)]


# --- GET /v2/user/service_terms -------------------------------------------------------------


def test_service_terms_of_the_app_with_dates(kakao):
    kakao.add(
        responses.GET,
        SERVICE_TERMS_URL,
        json=terms_response(
            term("tos", required=True),
            term("marketing", agreed=False, revocable=True),
            term("privacy", required=True, agreed_at="2026-11-30T01:02:03+09:00", agreed_by="KAPI"),
        ),
    )
    result = make_client().service_terms(user_id=UID, all_app_terms=True, tags=["tos", "privacy"])
    request = kakao.calls[0].request
    assert query(request) == {
        "target_id_type": ["user_id"],
        "target_id": [UID],
        "result": ["app_service_terms"],
        "tags": ["tos,privacy"],
    }
    tos, marketing, privacy = result.terms
    assert (tos.tag, tos.required, tos.agreed, tos.agreed_by) == ("tos", True, True, "KAUTH")
    assert tos.agreed_at == datetime(2026, 11, 30, 1, 2, 3, tzinfo=UTC)
    assert (marketing.agreed, marketing.agreed_at, marketing.agreed_by) == (False, None, "")
    assert privacy.agreed_at == datetime(2026, 11, 29, 16, 2, 3, tzinfo=UTC)


def test_agreed_terms_is_the_default_and_an_app_without_kakao_sync_has_none(kakao):
    kakao.add(responses.GET, SERVICE_TERMS_URL, json={"id": int(UID), "service_terms": []})
    result = make_client().service_terms(access_token=KAKAO_ACCESS_TOKEN)
    assert query(kakao.calls[0].request) == {"result": ["agreed_service_terms"]}
    assert result.terms == ()


def test_a_garbled_agreed_at_is_unknown_not_an_error(kakao):
    kakao.add(
        responses.GET,
        SERVICE_TERMS_URL,
        json=terms_response(term("tos", agreed_at="yesterday"), term("x" * 65)),
    )
    (tos,) = make_client().service_terms(user_id=UID).terms
    assert tos.agreed and tos.agreed_at is None


# --- POST /v2/user/revoke/service_terms -----------------------------------------------------


def test_revoke_service_terms_sends_tags_and_answers_the_withdrawn_ones(kakao):
    kakao.add(responses.POST, REVOKE_SERVICE_TERMS_URL, json=revoked_terms_response("marketing"))
    result = make_client().revoke_service_terms(tags=["marketing"], user_id=UID)
    assert parse_qs(kakao.calls[0].request.body) == {
        "target_id_type": ["user_id"],
        "target_id": [UID],
        "tags": ["marketing"],
    }
    assert result.tags == ("marketing",)


# --- errors, mapped in one place ------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "admin", "error"),
    [
        (403, {"msg": "not revocable", "code": -3}, True, KakaoNotRevocable),
        (400, {"msg": "invalid scopes", "code": -2}, True, KakaoInvalidArgument),
        (401, {"msg": "wrong admin key", "code": -401}, True, KakaoInvalidClient),
        (401, {"msg": "this access token does not exist", "code": -401}, False, KakaoInvalidToken),
        (400, {"msg": "not registered user", "code": -101}, True, KakaoNotConnected),
        (400, {"msg": "not registered user", "code": -101}, False, KakaoAccountRestricted),
        (400, {"msg": "internal error", "code": -1}, True, KakaoUnavailable),
        (502, {}, True, KakaoUnavailable),
        (418, {"msg": "?"}, False, KakaoError),
    ],
)
@pytest.mark.parametrize(
    ("method", "url", "call"),
    [
        (responses.GET, SCOPES_URL, lambda c, **a: c.scopes(**a)),
        (responses.POST, REVOKE_SCOPES_URL, lambda c, **a: c.revoke_scopes(scope_ids=["x"], **a)),
        (responses.GET, SERVICE_TERMS_URL, lambda c, **a: c.service_terms(**a)),
        (
            responses.POST,
            REVOKE_SERVICE_TERMS_URL,
            lambda c, **a: c.revoke_service_terms(tags=["x"], **a),
        ),
    ],
)
def test_errors_are_typed(kakao, method, url, call, status, body, admin, error):
    kakao.add(method, url, json=body, status=status)
    auth = {"user_id": UID} if admin else {"access_token": KAKAO_ACCESS_TOKEN}
    with pytest.raises(error) as raised:
        call(make_client(), **auth)
    assert type(raised.value) is error


def test_timeout_is_unavailable(kakao):
    kakao.add(responses.GET, SERVICE_TERMS_URL, body=requests.exceptions.ReadTimeout("slow"))
    with pytest.raises(KakaoUnavailable):
        make_client().service_terms(user_id=UID)


def test_nothing_secret_is_logged(kakao, all_logs):
    kakao.add(responses.GET, SCOPES_URL, json={"msg": "bad", "code": -401}, status=401)
    kakao.add(responses.POST, REVOKE_SCOPES_URL, json={"code": -3}, status=403)
    kakao.add(responses.GET, SERVICE_TERMS_URL, body=requests.exceptions.ConnectTimeout("x"))
    client = make_client()
    for call in (
        lambda: client.scopes(access_token=KAKAO_ACCESS_TOKEN),
        lambda: client.revoke_scopes(scope_ids=["x"], user_id=UID),
        lambda: client.service_terms(user_id=UID),
    ):
        with pytest.raises(KakaoError):
            call()
    assert "kakao_consent_error status=403 kakao_code=-3" in all_logs.text
    assert ADMIN_KEY not in all_logs.text and KAKAO_ACCESS_TOKEN not in all_logs.text
