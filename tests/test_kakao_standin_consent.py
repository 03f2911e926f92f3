"""The stand-in's consent story: items, Kakao Sync terms, their APIs, prompts and Kakao logout.

The shapes are shared/KAKAO_API.md §9-12, which the backend's consent features are
written against.
"""

from __future__ import annotations

import html
import io
import logging
import re
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests
from django.core.management import CommandError, call_command

from kakao_standin.consent import ServiceTerm, parse_service_terms
from kakao_standin.identity import PRESETS, preset_identity
from kakao_standin.server import StandInServer, start_in_thread

CLIENT_ID = "consent-test-key"
REDIRECT = "http://localhost:5173/oauth/kakao/callback"
LOGOUT_TO = "http://localhost:5173/"
ADMIN_KEY = "consent-admin-key-51"
SYNC = "tos:required,privacy:required,marketing:optional"
T0 = 1_700_000_000.0  # 2023-11-14T22:13:20Z
TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


@pytest.fixture
def make_standin():
    """A factory: a Kakao Sync stand-in with a clock the test moves, stopped afterwards."""
    servers = []

    def make(**options):
        options.setdefault("client_id", CLIENT_ID)
        options.setdefault("admin_key", ADMIN_KEY)
        options.setdefault("service_terms", parse_service_terms(SYNC))
        options.setdefault("logout_redirect_uris", (LOGOUT_TO,))
        server, base = start_in_thread(**options)
        servers.append(server)
        return base

    yield make
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def clock():
    return [T0]


@pytest.fixture
def base(make_standin, clock):
    return make_standin(clock=lambda: clock[0])


# --- a browser, as the person ------------------------------------------------------------


def authorize(browser: requests.Session, base: str, **params) -> requests.Response:
    query = {"client_id": CLIENT_ID, "redirect_uri": REDIRECT, "response_type": "code"}
    query["state"] = "st-1"
    url = f"{base}/oauth/authorize"
    return browser.get(url, params={**query, **params}, allow_redirects=False, timeout=5)


def hidden_fields(page: str) -> dict[str, str]:
    found = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page)
    return {name: html.unescape(value) for name, value in found}


def ticked(page: str) -> list[str]:
    """The optional consent items the page ticks (a browser sends them unless unticked)."""
    return re.findall(r'name="agree_scope" value="(\w+)" checked>', page)


def submit(browser: requests.Session, base: str, page: str, **fields) -> requests.Response:
    """Press a button of the page: its hidden fields, what is typed, what is ticked."""
    form = {
        **hidden_fields(page),
        "agree_scope": ticked(page),
        "nickname": "동의자",
        "email": "consent@example.com",
        "email_verified": "on",
        "action": "agree",
        **fields,
    }
    return browser.post(f"{base}/oauth/authorize", data=form, allow_redirects=False, timeout=5)


def redirect_query(response: requests.Response) -> dict[str, str]:
    assert response.status_code == 302, response.text[:500]
    location = response.headers["Location"]
    assert location.startswith(REDIRECT + "?")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def sign_up(browser, base, *, terms=("tos", "privacy"), **fields) -> dict:
    """The first consent, through the page; the token response."""
    page = authorize(browser, base, **fields.pop("params", {})).text
    answer = submit(
        browser, base, page, agree_terms=list(terms), agree_scope=["profile_image"], **fields
    )
    return exchange(base, redirect_query(answer)["code"])


def exchange(base: str, code: str) -> dict:
    form = {"grant_type": "authorization_code", "client_id": CLIENT_ID}
    form.update(redirect_uri=REDIRECT, code=code)
    answer = requests.post(f"{base}/oauth/token", data=form, timeout=5)
    assert answer.status_code == 200, answer.text
    return answer.json()


def bearer(tokens: dict) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def admin(key: str = ADMIN_KEY) -> dict[str, str]:
    return {"Authorization": f"KakaoAK {key}"}


def claims(base: str, tokens: dict) -> dict:
    jwks = requests.get(f"{base}/.well-known/jwks.json", timeout=5).json()
    key = jwt.PyJWK(jwks["keys"][0]).key
    # The stand-in's clock is the test's, so the times are checked by the tests themselves.
    options = {"verify_exp": False, "verify_iat": False}
    return jwt.decode(
        tokens["id_token"], key, algorithms=["RS256"], audience=CLIENT_ID, options=options
    )


def user_id(base: str, tokens: dict) -> int:
    return requests.get(f"{base}/v2/user/me", headers=bearer(tokens), timeout=5).json()["id"]


# --- the consent page ---------------------------------------------------------------------


def test_sign_up_shows_the_apps_items_and_terms_and_a_required_term_cannot_be_refused(base):
    browser = requests.Session()
    page = authorize(browser, base).text
    # the app's sign-up items: the required one ticked and fixed, optional ones ticked
    assert re.search(r'id="scope_profile_nickname"[^>]*checked disabled', page)
    assert re.search(r'id="scope_account_email"[^>]*checked>', page)
    assert 'id="scope_talk_message"' not in page and 'id="scope_openid"' not in page
    # every term of the app, none ticked: agreeing is the person's act
    for tag, label in (("tos", "[필수]"), ("privacy", "[필수]"), ("marketing", "[선택]")):
        assert re.search(rf'id="term_{tag}"[^>]*data-required="[01]">', page)
        assert re.search(rf'<label for="term_{tag}"[^>]*>{re.escape(label)}', page)
    assert 'id="agree_all"' in page
    # refusing privacy: the page again, with the reason, and no code
    refused = submit(browser, base, page, agree_terms=["tos", "marketing"])
    assert refused.status_code == 400 and "Location" not in refused.headers
    assert 'id="error"' in refused.text and "privacy" in refused.text
    assert 'id="term_privacy"' in refused.text
    assert "standin_kakao_session" not in refused.headers.get("Set-Cookie", "")
    # both required terms: a code; the state comes back
    agreed = redirect_query(submit(browser, base, page, agree_terms=["tos", "privacy"]))
    assert agreed["state"] == "st-1" and agreed["code"]


def test_what_was_agreed_at_sign_up_is_what_the_apis_and_the_token_say(base, clock):
    browser = requests.Session()
    # given a sign-up without marketing, and without sharing the email
    tokens = sign_up(browser, base, params={"scope": "openid"})
    assert tokens["scope"].split() == ["profile_nickname", "profile_image", "openid"]
    me = requests.get(f"{base}/v2/user/me", headers=bearer(tokens), timeout=5).json()
    assert "email" not in me["kakao_account"]
    assert me["kakao_account"]["email_needs_agreement"] is True
    assert "email" not in claims(base, tokens) and claims(base, tokens)["picture"]
    # then the service terms: what was agreed, when, and how
    terms = requests.get(f"{base}/v2/user/service_terms", headers=bearer(tokens), timeout=5)
    assert terms.status_code == 200
    assert terms.json() == {
        "id": me["id"],
        "service_terms": [
            {
                "tag": tag,
                "required": True,
                "agreed": True,
                "revocable": False,
                "agreed_at": "2023-11-14T22:13:20Z",
                "agreed_by": "KAUTH",
            }
            for tag in ("tos", "privacy")
        ],
    }
    every = requests.get(
        f"{base}/v2/user/service_terms",
        params={"result": "app_service_terms", "tags": "marketing,tos"},
        headers=bearer(tokens),
        timeout=5,
    ).json()["service_terms"]
    assert [(t["tag"], t["agreed"], t["revocable"]) for t in every] == [
        ("tos", True, False),
        ("marketing", False, True),
    ]
    assert "agreed_at" not in every[1] and "agreed_by" not in every[1]
    # and the consent items, in Kakao's shape: `revocable` only for agreed ones
    scopes = requests.get(f"{base}/v2/user/scopes", headers=bearer(tokens), timeout=5).json()
    assert scopes["id"] == me["id"]
    by_id = {s["id"]: s for s in scopes["scopes"]}
    assert by_id["profile_nickname"] == {
        "id": "profile_nickname",
        "display_name": "닉네임",
        "type": "PRIVACY",
        "using": True,
        "agreed": True,
        "revocable": False,
    }
    assert by_id["profile_image"]["revocable"] is True
    assert by_id["account_email"]["agreed"] is False and "revocable" not in by_id["account_email"]
    assert by_id["talk_message"]["type"] == "SERVICE" and by_id["talk_message"]["agreed"] is False
    only = requests.get(
        f"{base}/v2/user/scopes",
        params={"scopes": '["talk_message","openid"]'},
        headers=bearer(tokens),
        timeout=5,
    ).json()["scopes"]
    assert [(s["id"], s["agreed"]) for s in only] == [("openid", True), ("talk_message", False)]


def test_additional_consent_shows_only_the_new_items_and_terms(base, clock):
    browser = requests.Session()
    sign_up(browser, base)
    clock[0] += 3600
    # a returning person asked for Talk messages sees that item alone, and no terms
    page = authorize(browser, base, scope="talk_message,profile_nickname").text
    assert "추가 동의" in page and 'id="scope_talk_message"' in page
    assert re.findall(r'id="scope_(\w+)"', page) == ["talk_message"]
    assert 'id="terms"' not in page
    tokens = exchange(base, redirect_query(submit(browser, base, page))["code"])
    assert "talk_message" in tokens["scope"].split()
    talk = requests.get(
        f"{base}/v2/user/scopes",
        params={"scopes": '["talk_message"]'},
        headers=bearer(tokens),
        timeout=5,
    ).json()["scopes"]
    assert talk == [
        {
            "id": "talk_message",
            "display_name": "카카오톡 메시지 전송",
            "type": "SERVICE",
            "using": True,
            "agreed": True,
            "revocable": True,
        }
    ]
    # the optional term asked for again: that term alone, and it is recorded with its time
    page = authorize(browser, base, service_terms="marketing").text
    assert re.findall(r'id="term_(\w+)"', page) == ["marketing"]
    assert 'id="nothing-new"' in page
    tokens = exchange(
        base, redirect_query(submit(browser, base, page, agree_terms=["marketing"]))["code"]
    )
    terms = requests.get(f"{base}/v2/user/service_terms", headers=bearer(tokens), timeout=5)
    marketing = [t for t in terms.json()["service_terms"] if t["tag"] == "marketing"]
    assert marketing[0]["agreed_at"] == "2023-11-14T23:13:20Z"
    # nothing new at all: the page says so, and Agree still answers with a code
    page = authorize(browser, base).text
    assert 'id="nothing-new"' in page and 'id="terms"' not in page
    assert redirect_query(submit(browser, base, page))["code"]


def test_another_person_than_the_page_was_made_for_is_asked_first(base):
    browser = requests.Session()
    sign_up(browser, base)
    page = authorize(browser, base).text  # made for the Kakao session's person
    assert 'id="nothing-new"' in page
    # someone new typed instead: their sign-up screen, not a code without their consent
    other = submit(browser, base, page, nickname="다른사람", email="other@example.com")
    assert other.status_code == 200 and 'id="term_tos"' in other.text
    assert 'value="다른사람"' in other.text
    done = submit(browser, base, other.text, nickname="다른사람", email="other@example.com")
    assert done.status_code == 400  # the required terms, still not ticked
    done = submit(
        browser,
        base,
        other.text,
        nickname="다른사람",
        email="other@example.com",
        agree_terms=["tos", "privacy"],
    )
    tokens = exchange(base, redirect_query(done)["code"])
    me = requests.get(f"{base}/v2/user/me", headers=bearer(tokens), timeout=5).json()
    assert me["kakao_account"]["profile"]["nickname"] == "다른사람"


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"scope": "gender"}, "KOE205"),
        ({"scope": "talk_message,nope"}, "KOE205"),
        ({"service_terms": "tos,unknown"}, "KOE205"),
        ({"prompt": "bogus"}, "invalid_request"),
        ({"prompt": "none,login"}, "invalid_request"),
        ({"login_hint": "a" * 255}, "invalid_request"),
    ],
)
def test_unknown_items_terms_and_prompts_are_refused_on_the_page(base, params, code):
    page = authorize(requests.Session(), base, **params)
    assert page.status_code == 400 and code in page.text and 'id="agree"' not in page.text


def test_an_app_without_kakao_sync_shows_no_terms(make_standin):
    base = make_standin(service_terms=())
    page = authorize(requests.Session(), base)
    assert page.status_code == 200 and 'id="terms"' not in page.text
    assert authorize(requests.Session(), base, service_terms="tos").status_code == 400


# --- prompt and login_hint --------------------------------------------------------------


def test_prompt_login_asks_the_password_again_and_moves_auth_time(base, clock):
    browser = requests.Session()
    first = sign_up(browser, base, params={"scope": "openid", "nonce": "n-1"})
    assert claims(base, first)["auth_time"] == int(T0) and claims(base, first)["nonce"] == "n-1"
    session_cookie = browser.cookies.get("standin_kakao_session")
    assert session_cookie
    # eleven minutes later, a plain login rides on the Kakao session: no password
    clock[0] += 660
    page = authorize(browser, base, scope="openid").text
    assert 'id="session"' in page and 'id="password"' not in page
    again = exchange(base, redirect_query(submit(browser, base, page))["code"])
    assert claims(base, again)["auth_time"] == int(T0)
    # prompt=login asks for the password even so, and refuses without it
    page = authorize(browser, base, scope="openid", prompt="login").text
    assert 'id="password"' in page and 'id="reauth"' in page
    refused = submit(browser, base, page)
    assert refused.status_code == 400 and 'id="error"' in refused.text
    assert "Location" not in refused.headers
    fresh = exchange(base, redirect_query(submit(browser, base, page, password="pw"))["code"])
    assert claims(base, fresh)["auth_time"] == int(T0) + 660
    # the Kakao session now remembers the new login
    assert browser.cookies.get("standin_kakao_session") != session_cookie
    clock[0] += 60
    page = authorize(browser, base, scope="openid").text
    later = exchange(base, redirect_query(submit(browser, base, page))["code"])
    assert claims(base, later)["auth_time"] == int(T0) + 660


def test_the_kakao_session_cookie_is_httponly_and_never_on_the_page(base):
    browser = requests.Session()
    page = authorize(browser, base).text
    answer = submit(browser, base, page, agree_terms=["tos", "privacy"])
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith("standin_kakao_session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    value = browser.cookies.get("standin_kakao_session")
    assert len(value) >= 40 and value not in authorize(browser, base).text
    # a made-up cookie is no session
    stranger = requests.Session()
    stranger.cookies.set("standin_kakao_session", "made-up")
    assert 'id="session"' not in authorize(stranger, base).text


def test_select_account_offers_the_test_people(base):
    browser = requests.Session()
    sign_up(browser, base)  # the Kakao session's person is not one of the presets
    page = authorize(browser, base, prompt="select_account").text
    offered = re.findall(r'name="account" value="([^"]+)" class="account"><b>([^<]+)</b>', page)
    assert offered == [("session", "동의자")] + [
        (str(i), html.escape(p["nickname"])) for i, p in enumerate(PRESETS)
    ]
    # choosing 최미인증 (the chooser's own form: its hidden fields and the button's value)
    chooser = page.split('id="accounts">')[1].split("</form>")[0]
    assert 'name="action" value="agree"' in chooser

    def choose(account: str) -> requests.Response:
        form = {**hidden_fields(chooser), "account": account}
        url = f"{base}/oauth/authorize"
        return browser.post(url, data=form, allow_redirects=False, timeout=5)

    # a new person for the app: their sign-up screen next, pre-filled with them
    chosen = choose("1")
    assert chosen.status_code == 200 and 'value="최미인증"' in chosen.text
    assert 'id="term_tos"' in chosen.text
    done = submit(browser, base, chosen.text, account="1", agree_terms=["tos", "privacy"])
    tokens = exchange(base, redirect_query(done)["code"])
    me = requests.get(f"{base}/v2/user/me", headers=bearer(tokens), timeout=5).json()
    assert me["id"] == preset_identity(PRESETS[1]).kakao_id
    assert me["kakao_account"]["is_email_verified"] is False
    # the Kakao session is now theirs; an account that does not exist is refused
    assert "최미인증" in authorize(browser, base).text.split('id="session"')[1][:200]
    assert choose("7").status_code == 400 and choose("-1").status_code == 400
    # a returning person chosen: nothing to agree to, so a code at once
    assert redirect_query(choose("session"))["code"]


def test_prompt_none_answers_without_a_screen_or_says_why_not(base):
    browser = requests.Session()
    # no Kakao session: login_required, with the state
    answer = authorize(browser, base, prompt="none")
    assert redirect_query(answer) == {
        "error": "login_required",
        "error_description": "user authentication required",
        "state": "st-1",
    }
    tokens = sign_up(browser, base)
    # something new to agree to: consent_required
    answer = authorize(browser, base, prompt="none", scope="talk_message")
    assert redirect_query(answer)["error"] == "consent_required"
    answer = authorize(browser, base, prompt="none", service_terms="marketing")
    assert redirect_query(answer)["error"] == "consent_required"
    # nothing new: a code at once, for the Kakao session's person
    answer = authorize(browser, base, prompt="none")
    silent = exchange(base, redirect_query(answer)["code"])
    assert user_id(base, silent) == user_id(base, tokens)
    assert redirect_query(answer)["state"] == "st-1"


def test_prompt_create_starts_an_empty_account(base, clock):
    browser = requests.Session()
    sign_up(browser, base)
    clock[0] += 100
    page = authorize(browser, base, prompt="create", scope="openid").text
    assert 'id="create"' in page and 'id="nickname" name="nickname" maxlength="40" value=""' in page
    done = submit(
        browser,
        base,
        page,
        nickname="새계정",
        email="new@example.com",
        agree_terms=["tos", "privacy"],
    )
    tokens = exchange(base, redirect_query(done)["code"])
    assert claims(base, tokens)["nickname"] == "새계정"
    assert claims(base, tokens)["auth_time"] == int(T0) + 100


def test_login_hint_prefills_the_account(base):
    page = authorize(requests.Session(), base, login_hint="unverified.choi@example.com").text
    assert 'value="최미인증"' in page and 'value="unverified.choi@example.com"' in page
    page = authorize(requests.Session(), base, login_hint="someone@example.com").text
    assert 'value="someone"' in page and 'value="someone@example.com"' in page
    page = authorize(requests.Session(), base, login_hint='"><script>x()</script>').text
    assert "<script>x()" not in page and "&lt;script&gt;" in page


# --- the APIs: errors, the admin key, withdrawing ---------------------------------------


def test_revoking_consent_items(base):
    browser = requests.Session()
    sign_up(browser, base)
    page = authorize(browser, base, scope="talk_message").text
    tokens = exchange(base, redirect_query(submit(browser, base, page))["code"])

    def revoke(scopes: str) -> requests.Response:
        url = f"{base}/v2/user/revoke/scopes"
        return requests.post(url, data={"scopes": scopes}, headers=bearer(tokens), timeout=5)

    # a required item, an item never agreed, one of them with a revocable one: nothing changes
    for scopes in ('["profile_nickname"]', '["phone_number"]', '["talk_message","openid"]'):
        refused = revoke(scopes)
        assert refused.status_code == 403 and refused.json()["code"] == -3
    assert "talk_message" in exchange_again(browser, base)["scope"].split()
    # unknown or malformed: -2
    for scopes in ('["gender"]', "talk_message", "[]", '{"a":1}', "[1]", ""):
        refused = revoke(scopes)
        assert refused.status_code == 400 and refused.json()["code"] == -2
    # the revocable one: the same shape as the GET, updated
    done = revoke('["talk_message"]')
    assert done.status_code == 200 and done.json()["id"] == user_id(base, tokens)
    talk = [s for s in done.json()["scopes"] if s["id"] == "talk_message"]
    assert talk == [
        {
            "id": "talk_message",
            "display_name": "카카오톡 메시지 전송",
            "type": "SERVICE",
            "using": True,
            "agreed": False,
        }
    ]
    assert "talk_message" not in exchange_again(browser, base)["scope"].split()


def exchange_again(browser: requests.Session, base: str) -> dict:
    """A plain login in the same browser: the token response says what is agreed now."""
    page = authorize(browser, base).text
    return exchange(base, redirect_query(submit(browser, base, page))["code"])


def test_revoking_service_terms(base):
    browser = requests.Session()
    tokens = sign_up(browser, base, terms=("tos", "privacy", "marketing"))
    url = f"{base}/v2/user/revoke/service_terms"

    def revoke(tags: str, headers=None) -> requests.Response:
        return requests.post(url, data={"tags": tags}, headers=headers or bearer(tokens), timeout=5)

    for tags in ("tos", "marketing,privacy"):
        refused = revoke(tags)
        assert refused.status_code == 403 and refused.json()["code"] == -3
    for tags in ("nope", "marketing,nope", "", "bad tag!"):
        refused = revoke(tags)
        assert refused.status_code == 400 and refused.json()["code"] == -2
    done = revoke("marketing")
    assert done.json() == {
        "id": user_id(base, tokens),
        "revoked_service_terms": [{"tag": "marketing", "agreed": False}],
    }
    terms = requests.get(
        f"{base}/v2/user/service_terms",
        params={"result": "app_service_terms"},
        headers=bearer(tokens),
        timeout=5,
    ).json()["service_terms"]
    assert [(t["tag"], t["agreed"]) for t in terms] == [
        ("tos", True),
        ("privacy", True),
        ("marketing", False),
    ]
    # again, now with the admin key: nothing to withdraw, the same answer
    again = revoke(
        "marketing",
        headers=admin(),
    )
    assert again.status_code == 400  # the admin key needs its target
    again = requests.post(
        url,
        data={"tags": "marketing", "target_id_type": "user_id", "target_id": user_id(base, tokens)},
        headers=admin(),
        timeout=5,
    )
    assert again.json()["revoked_service_terms"] == [{"tag": "marketing", "agreed": False}]
    bad_result = requests.get(
        f"{base}/v2/user/service_terms", params={"result": "all"}, headers=bearer(tokens)
    )
    assert bad_result.status_code == 400 and bad_result.json()["code"] == -2


def test_the_apis_with_the_admin_key_and_their_refusals(base, caplog):
    caplog.set_level(logging.DEBUG)
    tokens = sign_up(requests.Session(), base)
    kakao_id = user_id(base, tokens)
    target = {"target_id_type": "user_id", "target_id": str(kakao_id)}
    for path in ("/v2/user/scopes", "/v2/user/service_terms"):
        # the admin key answers what the person's token answers
        by_admin = requests.get(f"{base}{path}", params=target, headers=admin(), timeout=5)
        by_token = requests.get(f"{base}{path}", headers=bearer(tokens), timeout=5)
        assert by_admin.status_code == 200 and by_admin.json() == by_token.json()
        # a wrong or missing key, a bad token: -401, the key never echoed
        for headers in (admin("wrong"), admin(ADMIN_KEY + "x"), {}, {"Authorization": ADMIN_KEY}):
            refused = requests.get(f"{base}{path}", params=target, headers=headers, timeout=5)
            assert refused.status_code == 401 and refused.json()["code"] == -401
            assert ADMIN_KEY not in refused.text
        refused = requests.get(f"{base}{path}", headers={"Authorization": "Bearer nope"})
        assert refused.json() == {"msg": "this access token does not exist", "code": -401}
        # a bad target: -2; somebody not connected to the app: -101
        for params in (
            {},
            {**target, "target_id_type": "app_user_id"},
            {**target, "target_id": "x"},
        ):
            refused = requests.get(f"{base}{path}", params=params, headers=admin(), timeout=5)
            assert refused.status_code == 400 and refused.json()["code"] == -2
        stranger = {**target, "target_id": "123456789"}
        refused = requests.get(f"{base}{path}", params=stranger, headers=admin(), timeout=5)
        assert refused.status_code == 400 and refused.json()["code"] == -101
    revoked = requests.post(
        f"{base}/v2/user/revoke/scopes",
        data={**target, "scopes": '["profile_image"]'},
        headers=admin(),
        timeout=5,
    )
    assert revoked.status_code == 200
    assert ADMIN_KEY not in caplog.text and "standin revoke scopes" in caplog.text


def test_an_unlink_forgets_the_consent(base):
    browser = requests.Session()
    tokens = sign_up(browser, base)
    kakao_id = user_id(base, tokens)
    unlinked = requests.post(
        f"{base}/v1/user/unlink",
        data={"target_id_type": "user_id", "target_id": str(kakao_id)},
        headers=admin(),
        timeout=5,
    )
    assert unlinked.status_code == 200
    target = {"target_id_type": "user_id", "target_id": str(kakao_id)}
    gone = requests.get(f"{base}/v2/user/service_terms", params=target, headers=admin())
    assert gone.json()["code"] == -101
    # the next login is a sign-up again, with the terms, even from the same Kakao session
    page = authorize(browser, base).text
    assert 'id="session"' in page and 'id="term_tos"' in page and "추가 동의" not in page


# --- logging out of Kakao -----------------------------------------------------------------


def logout(browser, base, uri=LOGOUT_TO, **params) -> requests.Response:
    query = {"client_id": CLIENT_ID, "logout_redirect_uri": uri, "state": "bye-1", **params}
    return browser.get(f"{base}/oauth/logout", params=query, allow_redirects=False, timeout=5)


def test_logout_asks_then_ends_the_kakao_session_and_returns_with_the_state(base):
    browser = requests.Session()
    sign_up(browser, base)
    page = logout(browser, base)
    assert page.status_code == 200 and 'id="logout-kakao"' in page.text
    assert "동의자" in page.text and 'id="logout-service"' in page.text
    # "this service only": back, still logged in to Kakao
    kept = browser.post(
        f"{base}/oauth/logout",
        data={**hidden_fields(page.text), "action": "service"},
        allow_redirects=False,
        timeout=5,
    )
    assert kept.status_code == 302 and kept.headers["Location"] == f"{LOGOUT_TO}?state=bye-1"
    assert 'id="session"' in authorize(browser, base).text
    # "Kakao too": the session ends, its cookie is deleted, back with the state
    ended = browser.post(
        f"{base}/oauth/logout",
        data={**hidden_fields(page.text), "action": "kakao"},
        allow_redirects=False,
        timeout=5,
    )
    assert ended.status_code == 302 and ended.headers["Location"] == f"{LOGOUT_TO}?state=bye-1"
    assert "Max-Age=0" in ended.headers["Set-Cookie"]
    assert 'id="session"' not in authorize(browser, base).text
    assert redirect_query(authorize(browser, base, prompt="none"))["error"] == "login_required"
    # without a Kakao session there is nothing to ask: straight back
    direct = logout(browser, base, state="")
    assert direct.status_code == 302 and direct.headers["Location"] == LOGOUT_TO


def test_the_old_session_id_is_dead_after_logout(base):
    browser = requests.Session()
    sign_up(browser, base)
    stolen = browser.cookies.get("standin_kakao_session")
    page = logout(browser, base)
    browser.post(
        f"{base}/oauth/logout",
        data={**hidden_fields(page.text), "action": "kakao"},
        allow_redirects=False,
    )
    replay = requests.Session()
    replay.cookies.set("standin_kakao_session", stolen)
    assert redirect_query(authorize(replay, base, prompt="none"))["error"] == "login_required"


@pytest.mark.parametrize(
    "params",
    [
        {"logout_redirect_uri": "https://evil.example/"},
        {"logout_redirect_uri": LOGOUT_TO + "x"},
        {"logout_redirect_uri": ""},
        {"client_id": "someone-else"},
    ],
)
def test_logout_refuses_an_unregistered_redirect_or_app(base, params):
    browser = requests.Session()
    sign_up(browser, base)
    for method in ("get", "post"):
        query = {"client_id": CLIENT_ID, "logout_redirect_uri": LOGOUT_TO, "state": "s", **params}
        if method == "get":
            answer = browser.get(f"{base}/oauth/logout", params=query, allow_redirects=False)
        else:
            query["action"] = "kakao"
            answer = browser.post(f"{base}/oauth/logout", data=query, allow_redirects=False)
        assert answer.status_code == 400 and "Location" not in answer.headers
        assert "Set-Cookie" not in answer.headers
    assert 'id="session"' in authorize(browser, base).text  # still logged in to Kakao


def test_no_logout_redirect_uri_is_registered_unless_configured(make_standin):
    base = make_standin(logout_redirect_uris=())
    assert logout(requests.Session(), base).status_code == 400


# --- automation, SDK tokens, configuration ----------------------------------------------


def test_the_code_shortcut_agrees_like_a_ticked_page(base, clock):
    def code(**body) -> requests.Response:
        body = {"client_id": CLIENT_ID, "redirect_uri": REDIRECT, "nickname": "자동", **body}
        return requests.post(f"{base}/_standin/code", json=body, timeout=5)

    tokens = exchange(
        base, code(scope="openid,talk_message", auth_time=int(T0) - 900).json()["code"]
    )
    assert tokens["scope"].split() == [
        "profile_nickname",
        "profile_image",
        "account_email",
        "openid",
        "talk_message",
    ]
    assert claims(base, tokens)["auth_time"] == int(T0) - 900
    terms = requests.get(f"{base}/v2/user/service_terms", headers=bearer(tokens)).json()
    assert [t["tag"] for t in terms["service_terms"]] == ["tos", "privacy"]
    # a person without the required terms, for the backend's TERMS_REQUIRED
    lacking = exchange(base, code(nickname="약관없음", service_terms=[]).json()["code"])
    assert (
        requests.get(f"{base}/v2/user/service_terms", headers=bearer(lacking)).json()[
            "service_terms"
        ]
        == []
    )
    for bad in (
        {"scope": "gender"},
        {"scope": ["openid"]},
        {"service_terms": "tos"},
        {"service_terms": ["nope"]},
        {"auth_time": "1"},
        {"auth_time": -5},
    ):
        refused = code(**bad)
        assert refused.status_code == 400 and refused.json()["code"] == -2


def test_sdk_tokens_carry_their_consent(base):
    body = {"nickname": "모바일동의", "email": "m@example.com", "openid": True}
    tokens = requests.post(f"{base}/_standin/native-token", json=body, timeout=5).json()
    scopes = requests.get(f"{base}/v2/user/scopes", headers=bearer(tokens)).json()["scopes"]
    assert {s["id"] for s in scopes if s["agreed"]} == {
        "profile_nickname",
        "profile_image",
        "account_email",
        "openid",
    }
    terms = requests.get(f"{base}/v2/user/service_terms", headers=bearer(tokens)).json()
    assert [t["tag"] for t in terms["service_terms"]] == ["tos", "privacy"]
    body = {"nickname": "모바일2", "service_terms": ["tos", "marketing"]}
    tokens = requests.post(f"{base}/_standin/native-token", json=body, timeout=5).json()
    terms = requests.get(f"{base}/v2/user/service_terms", headers=bearer(tokens)).json()
    assert [t["tag"] for t in terms["service_terms"]] == ["tos", "marketing"]
    refused = requests.post(f"{base}/_standin/native-token", json={"service_terms": [1]}, timeout=5)
    assert refused.status_code == 400


def test_phone_number_only_with_its_consent(base):
    browser = requests.Session()
    tokens = sign_up(browser, base)
    account = requests.get(f"{base}/v2/user/me", headers=bearer(tokens)).json()["kakao_account"]
    assert "phone_number" not in account
    page = authorize(browser, base, scope="phone_number").text
    tokens = exchange(base, redirect_query(submit(browser, base, page, agree_scope=[]))["code"])
    account = requests.get(f"{base}/v2/user/me", headers=bearer(tokens)).json()["kakao_account"]
    assert "phone_number" not in account  # the optional item was unticked
    page = authorize(browser, base, scope="phone_number").text
    page_scope = submit(browser, base, page, agree_scope=["phone_number"])
    tokens = exchange(base, redirect_query(page_scope)["code"])
    account = requests.get(f"{base}/v2/user/me", headers=bearer(tokens)).json()["kakao_account"]
    assert re.fullmatch(r"\+82 10-\d{4}-\d{4}", account["phone_number"])


def test_parse_service_terms():
    assert parse_service_terms(" tos:required , marketing:optional,ads:optional:irrevocable ") == (
        ServiceTerm("tos", required=True, revocable=False),
        ServiceTerm("marketing", required=False, revocable=True),
        ServiceTerm("ads", required=False, revocable=False),
    )
    assert parse_service_terms("") == ()
    for bad in ("tos", "tos:maybe", "tos:required,tos:optional", "t o s:required", "x:optional:y"):
        with pytest.raises(ValueError):
            parse_service_terms(bad)


def test_the_index_lists_the_consent_endpoints_and_the_apps_configuration(base):
    page = requests.get(f"{base}/", timeout=5).text
    for path in (
        "/oauth/logout",
        "/v2/user/scopes",
        "/v2/user/revoke/scopes",
        "/v2/user/service_terms",
        "/v2/user/revoke/service_terms",
    ):
        assert path in page
    assert "<code>marketing</code> (optional, revocable)" in page
    assert "<code>tos</code> (required)" in page and LOGOUT_TO in page
    assert ADMIN_KEY not in page


def test_command_options_configure_kakao_sync_and_logout(settings, monkeypatch):
    settings.DEBUG = True
    made = []

    def serve_once(self, *args, **kwargs):
        made.append(self.standin)
        raise KeyboardInterrupt

    monkeypatch.setattr(StandInServer, "serve_forever", serve_once)
    out = io.StringIO()
    call_command(
        "kakao_standin",
        "--port=0",
        f"--service-terms={SYNC}",
        "--logout-redirect-uris=http://localhost:5173/, http://127.0.0.1:5173/",
        stdout=out,
    )
    assert made[0].consent.terms == parse_service_terms(SYNC)
    assert made[0].logout_redirect_uris == ("http://localhost:5173/", "http://127.0.0.1:5173/")
    assert "KAKAO_REQUIRED_SERVICE_TERMS=tos,privacy" in out.getvalue()
    # the backend's own list when no option says otherwise
    settings.KAKAO_LOGOUT_REDIRECT_URIS = ["http://localhost:3000/"]
    call_command("kakao_standin", "--port=0", stdout=io.StringIO())
    assert made[1].logout_redirect_uris == ("http://localhost:3000/",)
    assert made[1].consent.terms == ()
    with pytest.raises(CommandError, match="--service-terms"):
        call_command("kakao_standin", "--port=0", "--service-terms=tos:maybe")
    settings.DEBUG = False
    with pytest.raises(CommandError, match="development only"):
        call_command("kakao_standin", "--port=0", f"--service-terms={SYNC}")
    assert len(made) == 2
