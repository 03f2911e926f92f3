#!/usr/bin/env python3
"""Play a mobile app's Kakao login against `make run`: SDK token in, our session out.

A phone app logs in with a Kakao SDK (KakaoTalk or the Kakao account page) and gets
Kakao's tokens on the device. This script stands in for the phone: it asks the local
Kakao stand-in for the tokens an SDK would hand the app (POST /_standin/native-token),
then does what the app does with them, over plain JSON POSTs without cookies:

  1. kakaoLoginWithToken(accessToken, idToken?, nonce?)  -> our token + refresh token
  2. refreshToken(refreshToken: ...)                     -> a new token, the refresh rotates
  3. logout(refreshToken: ...)                           -> the session ends

It names itself as an app would (``X-Client-Name`` / ``X-Client-Version``), so the
person's device list and security events show "Native example 1.0" rather than a
library's User-Agent. Standard library only. Tokens are never printed in full.

    python3 examples/native/native_login.py                 # against `make run`
    python3 examples/native/native_login.py --openid        # with an id_token and nonce
    python3 examples/native/native_login.py --other-app     # a token of another Kakao app

Like `make run`, it finds the backend on PORT (8000) and the stand-in on STANDIN_PORT
(8001); --api and --standin name other URLs.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import urllib.error
import urllib.request
from typing import Any

LOGIN = """
mutation($accessToken: String!, $idToken: String, $nonce: String) {
  kakaoLoginWithToken(accessToken: $accessToken, idToken: $idToken, nonce: $nonce) {
    token refreshToken refreshExpiresIn payload created
    user { id email nickname profileImageUrl thumbnailImageUrl }
    errors { field message code }
  }
}"""

REFRESH = """
mutation($refreshToken: String!) {
  refreshToken(refreshToken: $refreshToken) { token refreshToken errors { code message } }
}"""

LOGOUT = """
mutation($refreshToken: String!) {
  logout(refreshToken: $refreshToken) { ok errors { code } }
}"""

OTHER_APP_ID = 9999999
# How the app names itself in the person's device list ("Native example 1.0 on …").
CLIENT_HEADERS = {"X-Client-Name": "Native example", "X-Client-Version": "1.0"}

# No proxies from the environment and no cookie jar: a phone app sends what it means to.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class StepFailed(Exception):
    """A step did not give what a working backend gives."""


def say(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def short(token: str | None) -> str:
    """Enough of a token to tell two apart, never enough to use it."""
    return f"{token[:6]}…" if token else "(none)"


def post_json(url: str, body: dict[str, Any], *, timeout: float) -> dict[str, Any]:
    """POST a JSON body, return the JSON answer (error statuses included)."""
    request = urllib.request.Request(  # noqa: S310  (the URL is the user's own --api/--standin)
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Accept": "application/json",
            **CLIENT_HEADERS,
        },
    )
    try:
        with _opener.open(request, timeout=timeout) as response:
            raw = response.read()
    except urllib.error.HTTPError as error:
        raw = error.read()
        error.close()
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise StepFailed(f"cannot reach {url}: {error}") from error
    try:
        answer = json.loads(raw or b"null")
    except ValueError as error:
        raise StepFailed(f"{url} did not answer JSON") from error
    if not isinstance(answer, dict):
        raise StepFailed(f"{url} answered {answer!r}")
    return answer


def graphql(api: str, query: str, variables: dict[str, Any], *, timeout: float) -> dict[str, Any]:
    """Run one mutation; its payload (the only field), or StepFailed on a GraphQL error."""
    answer = post_json(api, {"query": query, "variables": variables}, timeout=timeout)
    if answer.get("errors"):
        messages = "; ".join(str(e.get("message")) for e in answer["errors"])
        raise StepFailed(f"GraphQL error: {messages}")
    data = answer.get("data") or {}
    payload = next(iter(data.values()), None) if data else None
    if not isinstance(payload, dict):
        raise StepFailed(f"no payload in {answer!r}")
    return payload


def codes(payload: dict[str, Any]) -> list[str]:
    return [str(e.get("code")) for e in payload.get("errors") or []]


def sdk_login(args: argparse.Namespace) -> tuple[dict[str, Any], str | None]:
    """What the Kakao SDK hands the app: Kakao's tokens (and the nonce the app chose)."""
    nonce = secrets.token_urlsafe(16) if args.openid else None
    body: dict[str, Any] = {"nickname": args.nickname, "email": args.email}
    if args.openid:
        body.update(openid=True, nonce=nonce)
    if args.other_app:
        body["app_id"] = OTHER_APP_ID
    tokens = post_json(
        f"{args.standin.rstrip('/')}/_standin/native-token", body, timeout=args.timeout
    )
    if not tokens.get("access_token"):
        raise StepFailed(f"the stand-in gave no token: {tokens.get('msg') or tokens}")
    return tokens, nonce


def run(args: argparse.Namespace) -> int:
    say(f"1. Kakao SDK login (stand-in {args.standin}) as {args.nickname!r}")
    kakao, nonce = sdk_login(args)
    say(
        f"   Kakao access token {short(kakao['access_token'])} (expires in {kakao['expires_in']} s)"
    )
    if args.other_app:
        say(f"   (issued to another Kakao app, app_id {OTHER_APP_ID})")
    if args.openid:
        say(f"   id_token {short(kakao.get('id_token'))}, nonce {short(nonce)}")

    say(f"2. kakaoLoginWithToken → {args.api}")
    variables = {
        "accessToken": kakao["access_token"],
        "idToken": kakao.get("id_token"),
        "nonce": nonce,
    }
    login = graphql(args.api, LOGIN, variables, timeout=args.timeout)
    if args.other_app:
        if codes(login) == ["KAKAO_APP_MISMATCH"]:
            say("   refused as it should be: KAKAO_APP_MISMATCH (the token belongs to another app)")
            return 0
        raise StepFailed(f"expected KAKAO_APP_MISMATCH, got {codes(login) or 'a login'}")
    if login.get("errors") or not login.get("token") or not login.get("refreshToken"):
        raise StepFailed(f"login failed: {login.get('errors')}")
    user = login.get("user") or {}
    say(f"   logged in ({'new user' if login.get('created') else 'returning user'})")
    say(f"   token {short(login['token'])}, refresh token {short(login['refreshToken'])}")
    say(f"   user id {user.get('id')}, nickname {user.get('nickname')!r}")
    say(f"   email {user.get('email') or '(none)'}")
    say(f"   profile image {user.get('profileImageUrl') or '(none)'}")

    say("3. refreshToken(refreshToken: …)")
    refreshed = graphql(
        args.api, REFRESH, {"refreshToken": login["refreshToken"]}, timeout=args.timeout
    )
    if refreshed.get("errors") or not refreshed.get("token"):
        raise StepFailed(f"refresh failed: {refreshed.get('errors')}")
    if refreshed.get("refreshToken") == login["refreshToken"]:
        raise StepFailed("the refresh token did not rotate")
    new_token, new_refresh = short(refreshed["token"]), short(refreshed["refreshToken"])
    say(f"   new token {new_token}, new refresh token {new_refresh}")

    say("4. logout(refreshToken: …)")
    logout = graphql(
        args.api, LOGOUT, {"refreshToken": refreshed["refreshToken"]}, timeout=args.timeout
    )
    if logout.get("errors") or logout.get("ok") is not True:
        raise StepFailed(f"logout failed: {logout.get('errors')}")
    say("   ok: the session is over")

    say("5. refreshToken after logout")
    after = graphql(
        args.api, REFRESH, {"refreshToken": refreshed["refreshToken"]}, timeout=args.timeout
    )
    if not codes(after):
        raise StepFailed("a logged-out refresh token still works")
    say(f"   refused as it should be: {', '.join(codes(after))}")
    return 0


def port_from_env(variable: str, default: int) -> int:
    """A port from the same variable `make run` reads, or ValueError saying which."""
    value = os.environ.get(variable, "").strip() or str(default)
    if not (value.isascii() and value.isdigit() and 0 < int(value) < 65536):
        raise ValueError(f"{variable}={value!r} is not a port number")
    return int(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    try:
        api_port, standin_port = port_from_env("PORT", 8000), port_from_env("STANDIN_PORT", 8001)
    except ValueError as error:
        parser.error(str(error))
    parser.add_argument(
        "--api",
        default=f"http://localhost:{api_port}/graphql",
        help="the backend's GraphQL URL (default: %(default)s, from PORT)",
    )
    parser.add_argument(
        "--standin",
        # 127.0.0.1, as `make run` starts it (and as the backend's KAKAO_AUTH_URL says).
        default=f"http://127.0.0.1:{standin_port}",
        help="the Kakao stand-in (default: %(default)s, from STANDIN_PORT)",
    )
    parser.add_argument("--nickname", default="모바일 사용자", help="%(default)s")
    parser.add_argument("--email", default="mobile.user@example.com", help="%(default)s")
    parser.add_argument(
        "--openid", action="store_true", help="ask for an id_token with a nonce and pass both"
    )
    parser.add_argument(
        "--other-app",
        action="store_true",
        help=f"use a token of another Kakao app (app_id {OTHER_APP_ID}); "
        "succeeds only if the backend answers KAKAO_APP_MISMATCH",
    )
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per request")
    args = parser.parse_args(argv)
    try:
        return run(args)
    except StepFailed as failure:
        say(f"   FAILED: {failure}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
