"""Kakao's consent APIs: a person's consent items and service terms, and withdrawing them.

``/v2/user/scopes``, ``/v2/user/revoke/scopes`` (§10), ``/v2/user/service_terms`` and
``/v2/user/revoke/service_terms`` (§11), with the person's token (``Bearer``) or the
app's admin key (``KakaoAK``) and ``target_id_type=user_id&target_id=…``.
"""

from __future__ import annotations

import json
import logging

from kakao_standin.account_routes import NOT_A_TOKEN, WRONG_ADMIN_KEY
from kakao_standin.authorize import split_list
from kakao_standin.consent import TAG, ConsentError
from kakao_standin.http_base import StandInRequestHandler, kakao_id_from

logger = logging.getLogger("kakao_standin.server")

MAX_LISTED = 50
RESULTS = ("agreed_service_terms", "app_service_terms")


def _bad(msg: str) -> ConsentError:
    return ConsentError(400, -2, msg)


def _scope_ids(value: str | None, *, required: bool) -> list[str] | None:
    """``scopes=["a","b"]``: a JSON array of ids (None when absent and allowed)."""
    if not value:
        if required:
            raise _bad('scopes is required: a JSON array such as ["talk_message"]')
        return None
    try:
        ids = json.loads(value)
    except ValueError:
        raise _bad('scopes must be a JSON array such as ["talk_message"]') from None
    if (
        not isinstance(ids, list)
        or not 0 < len(ids) <= MAX_LISTED
        or not all(isinstance(i, str) and TAG.fullmatch(i) for i in ids)
    ):
        raise _bad('scopes must be a JSON array of consent item ids such as ["talk_message"]')
    return ids


def _tags(value: str | None, *, required: bool) -> list[str] | None:
    """``tags=tos,marketing``: comma-separated service-term tags."""
    tags = list(split_list(value or ""))
    if not tags:
        if required:
            raise _bad("tags is required: comma-separated service-term tags")
        return None
    if len(tags) > MAX_LISTED or not all(TAG.fullmatch(t) for t in tags):
        raise _bad("tags must be comma-separated service-term tags")
    return tags


class ConsentRoutes(StandInRequestHandler):
    """The four consent endpoints; every refusal in Kakao's ``{"msg", "code"}`` shape."""

    def _consent_api(self, path: str, params: dict[str, str]) -> None:
        # Reference: https://developers.kakao.com/docs/latest/ko/kakaologin/rest-api (§10, §11)
        self._delay()
        subject = self._consent_subject(params)
        if subject is None:
            return
        app_id, kakao_id = subject
        book = self.server.standin.consent
        try:
            if path == "/v2/user/scopes":
                ids = _scope_ids(params.get("scopes"), required=False)
                body = {"id": kakao_id, "scopes": book.scopes_json(app_id, kakao_id, ids)}
            elif path == "/v2/user/revoke/scopes":
                ids = _scope_ids(params.get("scopes"), required=True) or []
                book.revoke_scopes(app_id, kakao_id, ids)
                logger.info("standin revoke scopes user=%s scopes=%s", kakao_id, ",".join(ids))
                body = {"id": kakao_id, "scopes": book.scopes_json(app_id, kakao_id)}
            elif path == "/v2/user/service_terms":
                result = params.get("result") or RESULTS[0]
                if result not in RESULTS:
                    raise _bad(f"result must be {' or '.join(RESULTS)}")
                tags = _tags(params.get("tags"), required=False)
                every = result == "app_service_terms"
                body = {
                    "id": kakao_id,
                    "service_terms": book.terms_json(app_id, kakao_id, tags=tags, every=every),
                }
            else:  # /v2/user/revoke/service_terms
                tags = _tags(params.get("tags"), required=True) or []
                revoked = book.revoke_terms(app_id, kakao_id, tags)
                logger.info("standin revoke terms user=%s tags=%s", kakao_id, ",".join(tags))
                body = {"id": kakao_id, "revoked_service_terms": revoked}
        except ConsentError as error:
            self._json(error.status, error.body())
            return
        self._json(200, body)

    def _consent_subject(self, params: dict[str, str]) -> tuple[int, int] | None:
        """(app id, Kakao id) of the person asked about, or None once refused."""
        standin, authorization = self.server.standin, self.headers.get("Authorization") or ""
        if authorization.startswith("Bearer "):
            info = standin.token_info(authorization)
            if info is None:
                self._json(401, NOT_A_TOKEN)
                return None
            return info["app_id"], info["id"]
        if not standin.is_admin_key(authorization):
            logger.info("standin consent refused: wrong or missing admin key")
            self._json(401, WRONG_ADMIN_KEY)
            return None
        kakao_id = kakao_id_from(params.get("target_id"))
        if params.get("target_id_type") != "user_id" or kakao_id is None:
            self._json(400, {"msg": "target_id_type=user_id and target_id required", "code": -2})
            return None
        if not standin.consent.knows(standin.app_id, kakao_id):
            self._json(400, {"msg": "NotRegisteredUserException", "code": -101})
            return None
        return standin.app_id, kakao_id
