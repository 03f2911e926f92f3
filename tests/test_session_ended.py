"""An ended session has no power, immediately: the lost phone, once signed out, is a stranger.

Device A and device B are the same person. However A's session ends (A logs out, B
ends it, B logs out everywhere, the account is deleted, Kakao's unlink notice, a
replayed refresh token), A's access token — still unexpired — reads nothing and
changes nothing: every attempt answers the top-level SESSION_ENDED, and B, the
account and its Kakao link are exactly as they were.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from freezegun import freeze_time
from graphql_jwt.settings import jwt_settings

from accounts.models import RefreshToken, SocialAccount, User
from tests.kakao_fixtures import mock_login
from tests.test_account_service import ADMIN_KEY, UID, mock_unlink
from tests.test_unlink_notice import APP_ID
from tests.test_unlink_notice import send as send_notice

pytestmark = pytest.mark.django_db

LOGIN = """mutation($code: String!) { kakaoLogin(code: $code, delivery: BODY) {
  token refreshToken payload errors { code } } }"""
ME = "query { me { id } }"
SESSIONS = "query { me { sessions { id } } }"
REFRESH = """mutation($t: String) { refreshToken(refreshToken: $t) {
  token refreshToken errors { code } } }"""

# Every mutation that needs the caller, as device A would try it after being signed out.
ACCOUNT_MUTATIONS = {
    "revokeSession": "mutation($id: ID!) { revokeSession(id: $id) { ok errors { code } } }",
    "logoutEverywhere": "mutation { logout(everywhere: true) { ok errors { code } } }",
    "deleteAccount": "mutation { deleteAccount { ok errors { code } } }",
    "unlinkKakao": "mutation { unlinkKakao { ok errors { code } } }",
    "linkKakao": 'mutation { linkKakao(code: "attacker-code") { user { id } errors { code } } }',
}


def gql(query: str, variables: dict | None = None, *, token: str | None = None) -> dict:
    extra = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    response = Client().post(
        "/graphql",
        json.dumps({"query": query, "variables": variables or {}}),
        content_type="application/json",
        **extra,
    )
    return response.json()


def top_level_codes(body: dict) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors", [])]


@pytest.fixture
def devices(kakao, settings):
    """The same person signed in on device A and device B (tokens as an app holds them)."""
    settings.KAKAO_REQUIRE_STATE = False
    settings.KAKAO_ADMIN_KEY = ADMIN_KEY
    settings.KAKAO_APP_ID = APP_ID

    def sign_in() -> dict:
        mock_login(kakao)
        data = gql(LOGIN, {"code": "c0de"})["data"]["kakaoLogin"]
        assert data["errors"] == []
        return data

    return sign_in(), sign_in()


def end_by_logout(a, b, kakao):
    gql("mutation($t: String) { logout(refreshToken: $t) { ok } }", {"t": a["refreshToken"]})


def end_by_other_device(a, b, kakao):
    body = gql(ACCOUNT_MUTATIONS["revokeSession"], {"id": a["payload"]["sid"]}, token=b["token"])
    assert body["data"]["revokeSession"]["ok"] is True


def end_by_everywhere(a, b, kakao):
    body = gql(ACCOUNT_MUTATIONS["logoutEverywhere"], token=b["token"])
    assert body["data"]["logout"]["ok"] is True


def end_by_deletion(a, b, kakao):
    mock_unlink(kakao)
    body = gql(ACCOUNT_MUTATIONS["deleteAccount"], token=b["token"])
    assert body["data"]["deleteAccount"]["ok"] is True


def end_by_unlink_notice(a, b, kakao):
    assert send_notice("POST").status_code == 200


def end_by_replay(a, b, kakao):
    first = gql(REFRESH, {"t": a["refreshToken"]})["data"]["refreshToken"]
    assert first["errors"] == []
    with freeze_time(timedelta(seconds=30)):  # past the reuse window: a replay
        replay = gql(REFRESH, {"t": a["refreshToken"]})["data"]["refreshToken"]
    assert [e["code"] for e in replay["errors"]] == ["INVALID_REFRESH_TOKEN"]


ENDINGS = [
    end_by_logout,
    end_by_other_device,
    end_by_everywhere,
    end_by_deletion,
    end_by_unlink_notice,
    end_by_replay,
]
ONLY_A_ENDS = {end_by_logout, end_by_other_device, end_by_replay}


@pytest.mark.parametrize("end", ENDINGS, ids=lambda f: f.__name__)
def test_an_ended_session_reads_nothing(devices, kakao, end):
    a, b = devices
    assert gql(ME, token=a["token"])["data"]["me"] is not None
    end(a, b, kakao)
    body = gql(ME, token=a["token"])
    assert body["data"]["me"] is None
    assert top_level_codes(body) == ["SESSION_ENDED"]
    assert "sign in again" in body["errors"][0]["message"]
    if end in ONLY_A_ENDS:  # the other device is untouched
        assert gql(ME, token=b["token"])["data"]["me"] is not None


@pytest.mark.parametrize("end", ENDINGS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("mutation", sorted(ACCOUNT_MUTATIONS))
def test_an_ended_session_changes_nothing(devices, kakao, end, mutation):
    a, b = devices
    end(a, b, kakao)
    before = snapshot()
    calls = len(kakao.calls)
    variables = {"id": b["payload"]["sid"]} if mutation == "revokeSession" else None
    body = gql(ACCOUNT_MUTATIONS[mutation], variables, token=a["token"])
    assert top_level_codes(body) == ["SESSION_ENDED"], body
    assert snapshot() == before
    assert len(kakao.calls) == calls  # Kakao was not asked for anything either


def snapshot() -> tuple:
    return (
        list(User.objects.order_by("pk").values_list("pk", "username", "is_active", "email")),
        list(SocialAccount.objects.order_by("pk").values_list("pk", "user_id", "uid")),
        list(RefreshToken.objects.order_by("pk").values_list("pk", "revoked", "rotated")),
    )


def test_a_lost_phone_cannot_swap_the_kakao_link_of_a_password_account(devices, kakao):
    """The takeover: unlink the owner's Kakao, link the attacker's. Both refused once signed out."""
    a, b = devices
    user = User.objects.get()
    user.set_password("a-password-the-owner-also-has")
    user.save()
    end_by_other_device(a, b, kakao)
    unlink = gql(ACCOUNT_MUTATIONS["unlinkKakao"], token=a["token"])
    link = gql(ACCOUNT_MUTATIONS["linkKakao"], token=a["token"])
    assert top_level_codes(unlink) == top_level_codes(link) == ["SESSION_ENDED"]
    assert SocialAccount.objects.get().uid == UID


def test_a_live_session_keeps_working(devices):
    a, b = devices
    end_by_other_device(b, a, None)  # A ends B; A itself is fine
    assert gql(ME, token=a["token"])["data"]["me"] is not None
    assert gql(SESSIONS, token=a["token"])["data"]["me"]["sessions"][0]["id"] == a["payload"]["sid"]


def test_a_refreshed_session_stays_live_with_its_older_access_token(devices):
    """Rotation is not an ending: the access token issued before a refresh still works."""
    a, _ = devices
    assert gql(REFRESH, {"t": a["refreshToken"]})["data"]["refreshToken"]["errors"] == []
    assert gql(ME, token=a["token"])["data"]["me"] is not None


def test_a_token_without_a_session_reads_but_changes_nothing(devices):
    """Tokens from before sessions existed: `me` still answers, no account mutation runs."""
    user = User.objects.get()
    token = jwt_settings.JWT_ENCODE_HANDLER(jwt_settings.JWT_PAYLOAD_HANDLER(user, None), None)
    assert gql(ME, token=token)["data"]["me"] == {"id": str(user.pk)}
    before = snapshot()
    for mutation, query in ACCOUNT_MUTATIONS.items():
        variables = {"id": devices[1]["payload"]["sid"]} if mutation == "revokeSession" else None
        assert top_level_codes(gql(query, variables, token=token)) == ["SESSION_ENDED"], mutation
    assert snapshot() == before


def test_a_forged_or_foreign_sid_is_an_ended_session(devices):
    """A sid that is not this user's live session (another person's, garbage) has no power."""
    a, _ = devices
    other = User.objects.create_user(username="someone-else")
    for sid in (a["payload"]["sid"], "not-a-uuid"):
        payload = {**jwt_settings.JWT_PAYLOAD_HANDLER(other, None), "sid": sid}
        token = jwt_settings.JWT_ENCODE_HANDLER(payload, None)
        assert top_level_codes(gql(ME, token=token)) == ["SESSION_ENDED"], sid


def test_the_check_costs_one_query(devices):
    a, _ = devices
    with CaptureQueriesContext(connection) as queries:
        assert gql(ME, token=a["token"])["data"]["me"] is not None
    assert len(queries) == 1, [q["sql"] for q in queries]
