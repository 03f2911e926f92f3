"""Kakao's consent endpoints: a person's consent items (scopes) and Kakao Sync service terms.

Mixed into ``KakaoClient``, so they share its session, timeouts and body cap.
Each call is made either with the person's Kakao access token (``Bearer``) or
server-side with the admin key (``KakaoAK``) naming the person by Kakao id; the
backend keeps no Kakao tokens, so it uses the second way. Kakao's refusals are
mapped in ``errors.consent_error``.
"""

from __future__ import annotations

import json
from typing import Any

from accounts.kakao.errors import KakaoInvalidClient, consent_error
from accounts.kakao.types import KakaoRevokedServiceTerms, KakaoScopes, KakaoServiceTerms

FORM = "application/x-www-form-urlencoded;charset=utf-8"


class ConsentEndpoints:
    """GET/POST /v2/user/scopes, /v2/user/revoke/scopes, /v2/user/service_terms and its revoke."""

    api_url: str
    admin_key: str

    def _request(self, method: str, url: str, **kwargs: Any) -> tuple[int, dict[str, Any]]:
        raise NotImplementedError  # KakaoClient's

    def scopes(
        self,
        *,
        access_token: str | None = None,
        user_id: str | None = None,
        scope_ids: list[str] | None = None,
    ) -> KakaoScopes:
        """The person's consent items (all of the app's, or only ``scope_ids``)."""
        # Reference: https://developers.kakao.com/docs/latest/ko/kakaologin/rest-api#check-consent
        headers, target, admin = self._consent_auth(access_token, user_id)
        params = dict(target)
        if scope_ids:
            params["scopes"] = json.dumps(list(scope_ids))
        status, body = self._request(
            "GET", f"{self.api_url}/v2/user/scopes", params=params, headers=headers
        )
        if status != 200:
            raise consent_error(status, body, admin=admin)
        return KakaoScopes.from_api(body)

    def revoke_scopes(
        self,
        *,
        scope_ids: list[str],
        access_token: str | None = None,
        user_id: str | None = None,
    ) -> KakaoScopes:
        """Withdraw consent items; Kakao answers the person's items as they now stand."""
        # Reference: https://developers.kakao.com/docs/latest/ko/kakaologin/rest-api#revoke-consent
        headers, target, admin = self._consent_auth(access_token, user_id)
        form = {**target, "scopes": json.dumps(list(scope_ids))}
        status, body = self._request(
            "POST",
            f"{self.api_url}/v2/user/revoke/scopes",
            data=form,
            headers={**headers, "Content-Type": FORM},
        )
        if status != 200:
            raise consent_error(status, body, admin=admin)
        return KakaoScopes.from_api(body)

    def service_terms(
        self,
        *,
        access_token: str | None = None,
        user_id: str | None = None,
        tags: list[str] | None = None,
        all_app_terms: bool = False,
    ) -> KakaoServiceTerms:
        """The person's Kakao Sync terms: the agreed ones, or (``all_app_terms``) every term."""
        # Reference: https://developers.kakao.com/docs/latest/ko/kakaologin/rest-api#check-terms
        headers, target, admin = self._consent_auth(access_token, user_id)
        params = dict(target)
        params["result"] = "app_service_terms" if all_app_terms else "agreed_service_terms"
        if tags:
            params["tags"] = ",".join(tags)
        status, body = self._request(
            "GET", f"{self.api_url}/v2/user/service_terms", params=params, headers=headers
        )
        if status != 200:
            raise consent_error(status, body, admin=admin)
        return KakaoServiceTerms.from_api(body)

    def revoke_service_terms(
        self,
        *,
        tags: list[str],
        access_token: str | None = None,
        user_id: str | None = None,
    ) -> KakaoRevokedServiceTerms:
        """Withdraw revocable service terms (an optional marketing consent, say)."""
        # Reference: https://developers.kakao.com/docs/latest/ko/kakaologin/rest-api#revoke-terms
        headers, target, admin = self._consent_auth(access_token, user_id)
        form = {**target, "tags": ",".join(tags)}
        status, body = self._request(
            "POST",
            f"{self.api_url}/v2/user/revoke/service_terms",
            data=form,
            headers={**headers, "Content-Type": FORM},
        )
        if status != 200:
            raise consent_error(status, body, admin=admin)
        return KakaoRevokedServiceTerms.from_api(body)

    def _consent_auth(
        self, access_token: str | None, user_id: str | None
    ) -> tuple[dict[str, str], dict[str, str], bool]:
        """(headers, target parameters, by admin key?) for exactly one way of authenticating."""
        if (access_token is None) == (user_id is None):
            raise ValueError("Pass exactly one of access_token and user_id.")
        if access_token is not None:
            return {"Authorization": f"Bearer {access_token}"}, {}, False
        if not self.admin_key:
            raise KakaoInvalidClient("The client has no admin key.")
        target = {"target_id_type": "user_id", "target_id": str(user_id)}
        return {"Authorization": f"KakaoAK {self.admin_key}"}, target, True
