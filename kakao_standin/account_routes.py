"""The account's life on Kakao's side: SDK tokens and their app, unlinks, disconnecting.

``/v1/user/access_token_info`` and ``/v1/user/unlink`` as Kakao answers them
(shared/KAKAO_API.md §5, §7), and the stand-in's own ``/_standin/native-token``,
``/_standin/connections`` and ``/_standin/disconnect`` for what happens on a phone
or in the person's Kakao account settings.
"""

from __future__ import annotations

import logging

from kakao_standin.http_base import StandInRequestHandler, kakao_id_from
from kakao_standin.identity import identity_from_form, identity_from_json
from kakao_standin.notice import send_unlink_notice
from kakao_standin.pages import connections_html, error_page, native_token_html
from kakao_standin.shortcuts import terms_from_json

logger = logging.getLogger("kakao_standin.server")

NOT_A_TOKEN = {"msg": "this access token does not exist", "code": -401}
# Never the key itself in an answer or a log line: it can do anything to the app.
WRONG_ADMIN_KEY = {"msg": "wrong or missing admin key (KakaoAK)", "code": -401}


class AccountRoutes(StandInRequestHandler):
    """Token info, unlink, native tokens and the connections page."""

    def _token_info(self) -> None:
        # Reference: https://developers.kakao.com/docs/latest/ko/kakaologin/rest-api#get-token-info
        self._delay()
        info = self.server.standin.token_info(self.headers.get("Authorization"))
        if info is None:
            self._json(401, NOT_A_TOKEN)
        else:
            self._json(200, info)

    def _unlink(self, form: dict[str, str]) -> None:
        """The person's token unlinks them; the admin key unlinks anyone by id."""
        # Reference: https://developers.kakao.com/docs/latest/ko/kakaologin/rest-api#unlink
        standin, authorization = self.server.standin, self.headers.get("Authorization") or ""
        if authorization.startswith("Bearer "):
            kakao_id = standin.unlink_by_token(authorization)
            if kakao_id is None:
                self._json(401, NOT_A_TOKEN)
            else:
                logger.info("standin unlink user=%s by=user_token", kakao_id)
                self._json(200, {"id": kakao_id})
            return
        if not standin.is_admin_key(authorization):
            logger.info("standin unlink refused: wrong or missing admin key")
            self._json(401, WRONG_ADMIN_KEY)
            return
        target = form.get("target_id", "")
        if form.get("target_id_type") != "user_id" or not target.isascii() or not target.isdigit():
            self._json(400, {"msg": "target_id_type=user_id and target_id required", "code": -2})
            return
        if not standin.unlink_by_admin(int(target)):
            self._json(400, {"msg": "NotRegisteredUserException", "code": -101})
            return
        logger.info("standin unlink user=%s by=admin_key", target)
        self._json(200, {"id": int(target)})

    def _native_token_page(self) -> None:
        """The same for a person at a browser (GraphiQL's tour sends them here): a form."""
        self._html(200, native_token_html(self.server.standin.app_id))

    def _native_token(self) -> None:
        """What a Kakao SDK gives a mobile app after login, without the phone."""
        if self.headers.get_content_type() == "application/x-www-form-urlencoded":
            tokens = self.server.standin.native_tokens(identity=identity_from_form(self._form()))
            self._html(200, native_token_html(self.server.standin.app_id, tokens=tokens))
            return
        body = self._json_body()
        try:
            if body is None:
                raise ValueError("a JSON object is required")
            identity = identity_from_json(body)
            app_id, openid = body.get("app_id"), body.get("openid", False)
            aud, nonce = body.get("aud"), body.get("nonce")
            if app_id is not None and (type(app_id) is not int or app_id <= 0):
                raise ValueError("app_id must be a positive integer")
            if type(openid) is not bool:
                raise ValueError("openid must be a boolean")
            for name, value in (("aud", aud), ("nonce", nonce)):
                if value is not None and type(value) is not str:
                    raise ValueError(f"{name} must be a string")
            terms = terms_from_json(body, self.server.standin.consent)
        except ValueError as error:
            self._json(400, {"msg": str(error), "code": -2})
            return
        tokens = self.server.standin.native_tokens(
            identity=identity,
            app_id=app_id,
            openid=openid,
            aud=aud or None,
            nonce=nonce or None,
            terms=terms,
        )
        self._json(200, tokens)

    def _connections_page(self, user_id: str | None = None) -> None:
        """Kakao's account page, where a person disconnects an app (GET lists, POST acts)."""
        standin, result = self.server.standin, ""
        if user_id is not None:
            kakao_id = kakao_id_from(user_id)
            if kakao_id is None:
                self._html(400, error_page("-2", "user_id must be a Kakao id."))
                return
            result = self._disconnect(kakao_id)[1]
        self._html(
            200,
            connections_html(
                people=standin.connections(),
                callback_url=standin.unlink_callback_url,
                result=result,
            ),
        )

    def _disconnect_json(self) -> None:
        body = self._json_body()
        kakao_id = kakao_id_from(body.get("user_id")) if body is not None else None
        if kakao_id is None:
            self._json(400, {"msg": "user_id (a Kakao id) is required", "code": -2})
            return
        status, _ = self._disconnect(kakao_id)
        self._json(200, {"notified": status is not None, "status": status})

    def _disconnect(self, kakao_id: int) -> tuple[int | None, str]:
        """Forget the connection and notify the backend; its status and a line for people."""
        standin = self.server.standin
        # Unknown people are notified too: the stand-in forgets on restart, the backend not.
        who = standin.disconnect_from_kakao(kakao_id)
        name = f"{who.nickname} ({kakao_id})" if who else f"{kakao_id} (not connected here)"
        if not standin.unlink_callback_url:
            return None, f"Disconnected {name}. No unlink callback URL: no notice sent."
        status = send_unlink_notice(
            callback_url=standin.unlink_callback_url,
            app_id=standin.app_id,
            user_id=kakao_id,
            admin_key=standin.admin_key,
        )
        answer = "no answer" if status is None else f"HTTP {status}"
        return status, f"Disconnected {name}. Unlink notice sent; the backend answered {answer}."
