"""Kakao-shaped responses (shapes from shared/KAKAO_API.md) and a `responses` helper."""

from __future__ import annotations

import copy
from typing import Any

import responses

AUTH = "https://kauth.kakao.com"
API = "https://kapi.kakao.com"
TOKEN_URL = f"{AUTH}/oauth/token"
ME_URL = f"{API}/v2/user/me"
TOKEN_INFO_URL = f"{API}/v1/user/access_token_info"
APP_ID = 1000001  # the test app's id (settings_test.KAKAO_APP_ID)

KAKAO_ACCESS_TOKEN = "kakao-access-token-SECRET-aaaaaaaaaaaaaaaaaaaa"


def token_response(**overrides: Any) -> dict[str, Any]:
    body = {
        "token_type": "bearer",
        "access_token": KAKAO_ACCESS_TOKEN,
        "expires_in": 21599,
        "refresh_token": "kakao-refresh-token-SECRET-bbbbbbbbbbbbbbbbbb",
        "refresh_token_expires_in": 5183999,
        "scope": "account_email profile_image profile_nickname",
    }
    body.update(overrides)
    return body


def user_response(
    uid: int = 1234567890,
    *,
    nickname: str = "홍길동",
    email: str | None = "sample@sample.com",
    valid: bool = True,
    verified: bool = True,
    image: bool = True,
) -> dict[str, Any]:
    profile: dict[str, Any] = {
        "nickname": nickname,
        "is_default_nickname": False,
        "is_default_image": not image,
        "thumbnail_image_url": "http://k.kakaocdn.net/dn/abc/img_110x110.jpg",
        "profile_image_url": "http://k.kakaocdn.net/dn/abc/img_640x640.jpg",
    }
    account: dict[str, Any] = {
        "profile_nickname_needs_agreement": False,
        "profile_image_needs_agreement": False,
        "profile": profile,
    }
    if email is not None:
        account.update(
            {
                "has_email": True,
                "email_needs_agreement": False,
                "is_email_valid": valid,
                "is_email_verified": verified,
                "email": email,
            }
        )
    return {
        "id": uid,
        "connected_at": "2024-01-02T03:04:05Z",
        "properties": {
            "nickname": nickname,
            "profile_image": profile["profile_image_url"],
            "thumbnail_image": profile["thumbnail_image_url"],
        },
        "kakao_account": copy.deepcopy(account),
    }


def token_info_response(uid: int = 1234567890, *, app_id: int = APP_ID) -> dict[str, Any]:
    return {"id": uid, "expires_in": 7199, "app_id": app_id}


def token_error(error_code: str, error: str = "invalid_grant", code: str = "") -> dict[str, Any]:
    description = {
        "KOE320": f"authorization code not found for code={code}",
        "KOE303": "Redirect URI mismatch.",
        "KOE010": "Bad client credentials",
        "KOE101": "Not exist client_id []",
    }.get(error_code, "error")
    return {"error": error, "error_description": description, "error_code": error_code}


def mock_login(
    rsps: responses.RequestsMock,
    *,
    user: dict[str, Any] | None = None,
    token_status: int = 200,
    token_body: dict[str, Any] | None = None,
    me_status: int = 200,
    me_body: dict[str, Any] | None = None,
) -> None:
    """Register Kakao's two login calls on a `responses` mock."""
    rsps.add(responses.POST, TOKEN_URL, json=token_body or token_response(), status=token_status)
    rsps.add(responses.GET, ME_URL, json=me_body or user or user_response(), status=me_status)


# --- consent: scopes and service terms (KAKAO_API.md §10-11) ---------------------------

SCOPES_URL = f"{API}/v2/user/scopes"
REVOKE_SCOPES_URL = f"{API}/v2/user/revoke/scopes"
SERVICE_TERMS_URL = f"{API}/v2/user/service_terms"
REVOKE_SERVICE_TERMS_URL = f"{API}/v2/user/revoke/service_terms"


def scope(
    sid: str,
    *,
    agreed: bool = True,
    revocable: bool | None = None,
    display_name: str | None = None,
    kind: str = "PRIVACY",
) -> dict[str, Any]:
    """One consent item as Kakao reports it (`revocable` only when agreed)."""
    names = {
        "profile_nickname": "닉네임",
        "profile_image": "프로필 사진",
        "account_email": "카카오계정(이메일)",
        "talk_message": "카카오톡 메시지 전송",
    }
    item: dict[str, Any] = {
        "id": sid,
        "display_name": display_name or names.get(sid, sid),
        "type": kind,
        "using": True,
        "agreed": agreed,
    }
    if agreed:
        item["revocable"] = bool(revocable)
    return item


def scopes_response(*items: dict[str, Any], uid: int = 1234567890) -> dict[str, Any]:
    if not items:
        items = (
            scope("profile_nickname", revocable=False),
            scope("profile_image", revocable=False),
            scope("account_email", revocable=True),
            scope("talk_message", agreed=False),
        )
    return {"id": uid, "scopes": list(items)}


def term(
    tag: str,
    *,
    required: bool = False,
    agreed: bool = True,
    revocable: bool = False,
    agreed_at: str = "2026-11-30T01:02:03Z",
    agreed_by: str = "KAUTH",
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "tag": tag,
        "required": required,
        "agreed": agreed,
        "revocable": revocable,
    }
    if agreed:
        item.update(agreed_at=agreed_at, agreed_by=agreed_by)
    return item


def terms_response(*items: dict[str, Any], uid: int = 1234567890) -> dict[str, Any]:
    if not items:
        items = (
            term("tos", required=True),
            term("privacy", required=True),
            term("marketing", revocable=True),
        )
    return {"id": uid, "service_terms": list(items)}


def revoked_terms_response(*tags: str, uid: int = 1234567890) -> dict[str, Any]:
    return {"id": uid, "revoked_service_terms": [{"tag": t, "agreed": False} for t in tags]}
