"""The login service on the real database, Kakao faked: the rules and the race."""

from __future__ import annotations

import json

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.errors import AccountError, AccountErrorCode
from accounts.kakao import KakaoProfile
from accounts.models import SocialAccount, User
from accounts.services import login as services
from tests.kakao_fixtures import TOKEN_URL, mock_login, token_error, user_response

pytestmark = pytest.mark.django_db

CODE = "valid-code"


def counts() -> tuple[int, int]:
    return User.objects.count(), SocialAccount.objects.count()


def login(kakao, **mock) -> services.LoginResult:
    mock_login(kakao, **mock)
    return services.kakao_login(code=CODE)


def failure(kakao, **mock) -> AccountErrorCode:
    with pytest.raises(AccountError) as raised:
        login(kakao, **mock)
    return raised.value.code


# --- first and returning logins --------------------------------------------------


def test_first_login_creates_user_and_link(kakao):
    result = login(kakao)
    user = result.user
    assert result.created is True
    assert (user.nickname, user.email) == ("홍길동", "sample@sample.com")
    assert user.profile_image_url.endswith("640x640.jpg")
    assert not user.has_usable_password()
    assert user.last_login is not None
    account = SocialAccount.objects.get()
    assert (account.provider, account.uid, account.user_id) == ("kakao", "1234567890", user.pk)
    assert "access_token" not in str(account.extra_data)
    assert account.extra_data["id"] == 1234567890


def test_returning_login_finds_the_same_user_and_refreshes_profile(kakao):
    first = login(kakao).user
    result = login(kakao, user=user_response(nickname="새이름", image=False))
    assert result.created is False and result.user.pk == first.pk
    first.refresh_from_db()
    assert first.nickname == "새이름"
    assert first.profile_image_url == "" and first.thumbnail_image_url == ""
    assert counts() == (1, 1)


def test_returning_login_writes_nothing_when_nothing_changed(kakao):
    login(kakao)
    mock_login(kakao)
    with CaptureQueriesContext(connection) as queries:
        services.kakao_login(code=CODE)
    writes = [
        q["sql"]
        for q in queries
        if q["sql"].split()[0] in ("UPDATE", "INSERT", "DELETE")
        and '"kakao_cache"' not in q["sql"]  # the cache's table (rate limits), without Redis
    ]
    # last_login, then the new session, its first refresh token and its security event
    assert len(writes) == 4 and "last_login" in writes[0], writes
    assert '"accounts_session"' in writes[1] and '"accounts_refreshtoken"' in writes[2]
    assert '"accounts_securityevent"' in writes[3]


def test_missing_consent_does_not_erase_what_we_know(kakao):
    user = login(kakao).user
    login(kakao, user={"id": 1234567890})  # profile consent withdrawn
    user.refresh_from_db()
    assert user.nickname == "홍길동" and user.profile_image_url


def test_returning_user_without_email_gets_a_verified_one(kakao):
    user = login(kakao, user=user_response(email=None)).user
    assert user.email is None
    user = login(kakao).user
    assert user.email == "sample@sample.com"


# --- the email policy ---------------------------------------------------------------


@pytest.mark.parametrize(("valid", "verified"), [(True, False), (False, True), (False, False)])
def test_unverified_email_is_never_stored_nor_compared(kakao, valid, verified):
    existing = User.objects.create_user(username="someone", email="sample@sample.com")
    result = login(kakao, user=user_response(valid=valid, verified=verified))
    # neither linked to the existing user, nor blocked by them, nor stored anywhere
    assert result.created is True and result.user.pk != existing.pk
    assert result.user.email is None
    stored = SocialAccount.objects.get(user=result.user).extra_data
    assert "sample@sample.com" not in json.dumps(stored)
    assert stored["kakao_account"]["is_email_verified"] is verified


def test_verified_email_of_another_user_is_refused_by_default(kakao):
    User.objects.create_user(username="someone", email="Sample@Sample.com")
    assert failure(kakao) == AccountErrorCode.EMAIL_ALREADY_REGISTERED
    assert counts() == (1, 0)


def test_verified_email_links_when_enabled(kakao, settings):
    settings.KAKAO_LINK_VERIFIED_EMAIL = True
    existing = User.objects.create_user(username="someone", email="SAMPLE@sample.com")
    result = login(kakao)
    assert result.created is False and result.user.pk == existing.pk
    assert SocialAccount.objects.get().user_id == existing.pk


def test_linking_to_an_inactive_user_is_refused(kakao, settings):
    settings.KAKAO_LINK_VERIFIED_EMAIL = True
    User.objects.create_user(username="someone", email="sample@sample.com", is_active=False)
    assert failure(kakao) == AccountErrorCode.ACCOUNT_INACTIVE
    assert SocialAccount.objects.count() == 0


def test_emails_are_unique_case_insensitively_in_the_database():
    User.objects.create_user(username="a", email="x@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(username="b", email="X@EXAMPLE.COM")
    User.objects.create_user(username="c", email=None)
    User.objects.create_user(username="d", email="")  # stored as NULL: many may have none


def test_an_email_is_found_in_any_case_and_only_as_written():
    holder = User.objects.create_user(username="a", email="Mixed_Case@Example.com")
    User.objects.create_user(username="b", email=None)
    assert list(User.objects.with_email("mixed_case@EXAMPLE.COM")) == [holder]
    # not a pattern: "_" and "%" are characters, not wildcards
    assert not User.objects.with_email("MixedXCase@Example.com").exists()
    assert not User.objects.with_email("%@Example.com").exists()
    assert not User.objects.with_email("").exists()


def _plan(queryset) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The tables are tiny here: say what the planner can use, not what it prefers.
            cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = queryset.query.sql_with_params()
        prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
        cursor.execute(prefix + sql, params)
        return "\n".join(" ".join(map(str, row)) for row in cursor.fetchall())


def test_the_email_lookup_of_every_first_login_reads_the_index_not_the_table():
    plan = _plan(User.objects.with_email("someone@example.com"))
    assert "accounts_user_email_ci_unique" in plan, plan
    if connection.vendor == "sqlite":
        assert "SEARCH" in plan, plan  # a seek, not "SCAN" (every row of the index)
    else:
        assert "Seq Scan" not in plan, plan


def test_first_login_asks_for_the_email_as_the_index_spells_it(kakao):
    mock_login(kakao)
    with CaptureQueriesContext(connection) as queries:
        services.kakao_login(code=CODE)
    selects = [q["sql"] for q in queries if q["sql"].lstrip().startswith("SELECT")]
    lookups = [sql for sql in selects if '"email"' in sql.partition(" WHERE ")[2]]
    assert lookups, selects
    for sql in lookups:
        assert 'LOWER("accounts_user"."email")' in sql, sql
        assert "LIKE" not in sql and "UPPER(" not in sql, sql


def test_inactive_user_is_refused_and_unchanged(kakao):
    user = login(kakao).user
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert failure(kakao, user=user_response(nickname="changed")) == (
        AccountErrorCode.ACCOUNT_INACTIVE
    )
    user.refresh_from_db()
    assert user.nickname == "홍길동"


# --- Kakao failures and bad input ------------------------------------------------------


@pytest.mark.parametrize(
    ("mock", "expected"),
    [
        ({"token_status": 400, "token_body": token_error("KOE320")}, "INVALID_CODE"),
        ({"token_status": 400, "token_body": token_error("KOE303")}, "REDIRECT_URI_MISMATCH"),
        (
            {"token_status": 401, "token_body": token_error("KOE010", "invalid_client")},
            "KAKAO_MISCONFIGURED",
        ),
        ({"token_status": 503, "token_body": {}}, "KAKAO_UNAVAILABLE"),
        ({"me_status": 403, "me_body": {"code": -402, "msg": "x"}}, "KAKAO_CONSENT_REQUIRED"),
        ({"me_status": 400, "me_body": {"code": -406, "msg": "x"}}, "KAKAO_ACCOUNT_RESTRICTED"),
        ({"me_status": 400, "me_body": {"code": -2, "msg": "x"}}, "KAKAO_ERROR"),
    ],
)
def test_kakao_failures_are_typed_and_create_nothing(kakao, mock, expected):
    assert failure(kakao, **mock) == AccountErrorCode[expected]
    assert counts() == (0, 0)


@pytest.mark.parametrize("code", ["", "x" * 1025, "a\x00b", "a b", "코드", "a\r\nb"])
def test_bad_codes_are_refused_without_calling_kakao(kakao, code):
    with pytest.raises(AccountError) as raised:
        services.kakao_login(code=code)
    assert raised.value.code == AccountErrorCode.INVALID_INPUT
    assert raised.value.field == "code"
    assert len(kakao.calls) == 0


def test_redirect_uri_outside_the_allow_list_is_refused_without_a_call(kakao):
    with pytest.raises(AccountError) as raised:
        services.kakao_login(code=CODE, redirect_uri="http://localhost:3000/other")
    assert raised.value.code == AccountErrorCode.REDIRECT_URI_NOT_ALLOWED
    assert len(kakao.calls) == 0


def test_default_redirect_uri_is_the_first_configured(kakao, settings):
    login(kakao)
    assert "redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Foauth%2Fkakao%2Fcallback" in (
        kakao.calls[0].request.body
    )


def test_missing_rest_api_key_is_misconfigured_without_a_call(kakao, settings):
    settings.KAKAO_REST_API_KEY = ""
    with pytest.raises(AccountError) as raised:
        services.kakao_login(code=CODE)
    assert raised.value.code == AccountErrorCode.KAKAO_MISCONFIGURED
    assert len(kakao.calls) == 0


def test_kakao_url_from_settings_is_used(kakao, settings):
    settings.KAKAO_AUTH_URL = "https://kauth.staging.example"
    kakao.add(
        "POST", "https://kauth.staging.example/oauth/token", status=400, json=token_error("KOE320")
    )
    assert failure(kakao) == AccountErrorCode.INVALID_CODE
    assert all(call.request.url != TOKEN_URL for call in kakao.calls)


# --- the concurrent first login -----------------------------------------------------


def _winner_commits_first(monkeypatch, profile: KakaoProfile, **user_fields) -> User:
    """Simulate the other request committing between our lookup and our insert."""
    winner = User.objects.create_user(username="winner", **user_fields)
    SocialAccount.objects.create(user=winner, provider="kakao", uid=profile.id)
    real_find = services._find_account
    calls = {"n": 0}

    def find(uid):
        calls["n"] += 1
        return None if calls["n"] == 1 else real_find(uid)

    monkeypatch.setattr(services, "_find_account", find)
    return winner


def test_concurrent_first_login_ends_with_one_user(monkeypatch):
    profile = KakaoProfile.from_api(user_response(email=None))
    winner = _winner_commits_first(monkeypatch, profile)
    result = services.social_login(profile=profile)
    assert result.user.pk == winner.pk and result.created is False
    assert counts() == (1, 1)


def test_concurrent_first_login_loser_is_not_refused_by_winners_email(monkeypatch):
    profile = KakaoProfile.from_api(user_response())
    winner = _winner_commits_first(monkeypatch, profile, email="sample@sample.com")
    result = services.social_login(profile=profile)
    assert result.user.pk == winner.pk
    assert counts() == (1, 1)
