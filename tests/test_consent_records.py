"""The consent history on the real database: one row per change, and what was agreed on a date."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.admin.sites import site
from freezegun import freeze_time

from accounts.kakao import KakaoScopes, KakaoServiceTerms
from accounts.models import (
    ConsentSource,
    KakaoScopeConsent,
    KakaoServiceTermConsent,
    SocialAccount,
)
from accounts.services.consent import records
from tests.kakao_fixtures import scope, scopes_response, term, terms_response
from tests.test_account_service import kakao_user

pytestmark = pytest.mark.django_db

SIGN_UP = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
WITHDRAWN = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def link_of(user) -> int:
    return SocialAccount.objects.get(user=user).pk


def terms(*items) -> KakaoServiceTerms:
    return KakaoServiceTerms.from_api(terms_response(*items))


def agreed_terms(record: records.ConsentRecord) -> dict[str, bool]:
    return {t.tag: t.agreed for t in record.service_terms}


def test_a_withdrawal_is_a_new_row_and_past_dates_keep_their_answer():
    user = kakao_user()
    link = link_of(user)
    with freeze_time(SIGN_UP):
        records.record_service_terms(link_id=link, terms=terms().terms)
    with freeze_time(WITHDRAWN):
        records.record_withdrawn_terms(link_id=link, tags=["marketing"])
    # then: the agreement is still there, beside its withdrawal
    rows = KakaoServiceTermConsent.objects.filter(tag="marketing").order_by("learned_at")
    assert [(r.agreed, r.source) for r in rows] == [
        (True, ConsentSource.KAKAO),
        (False, ConsentSource.WITHDRAWAL),
    ]
    assert rows[0].agreed_at == datetime(2026, 11, 30, 1, 2, 3, tzinfo=UTC)
    # and each date answers what had been agreed then
    before = records.consent_on(user=user, at=datetime(2026, 2, 1, tzinfo=UTC))
    assert before.service_terms == ()
    during = records.consent_on(user=user, at=datetime(2026, 4, 1, tzinfo=UTC))
    assert agreed_terms(during) == {"tos": True, "privacy": True, "marketing": True}
    after = records.consent_on(user=user, at=datetime(2026, 7, 1, tzinfo=UTC))
    assert agreed_terms(after) == {"tos": True, "privacy": True, "marketing": False}
    assert after.term("marketing").learned_at == WITHDRAWN
    unlinked = kakao_user(None, email=None)
    assert records.consent_on(user=unlinked, at=WITHDRAWN) == records.ConsentRecord()


def test_reading_the_same_state_again_adds_no_row_but_marks_the_check():
    link = link_of(kakao_user())
    with freeze_time(SIGN_UP):
        assert records.record_service_terms(link_id=link, terms=terms().terms) == 3
        first = records.consent_record(link_id=link)
    with freeze_time(WITHDRAWN):
        assert records.record_service_terms(link_id=link, terms=terms().terms) == 0
        scopes = KakaoScopes.from_api(scopes_response()).scopes
        assert records.record_scopes(link_id=link, scopes=scopes, complete=True) == 4
        assert records.record_scopes(link_id=link, scopes=scopes, complete=True) == 0
    record = records.consent_record(link_id=link)
    assert first.service_terms_checked_at == SIGN_UP and first.scopes_checked_at is None
    assert record.service_terms_checked_at == WITHDRAWN == record.scopes_checked_at
    assert KakaoServiceTermConsent.objects.count() == 3


def test_granted_items_are_agreed_and_only_changes_are_written():
    link = link_of(kakao_user())
    added = records.record_granted_scopes(
        link_id=link,
        scope_ids=["profile_nickname", "account_email", "openid", "bad id", "account_email"],
        source=ConsentSource.LOGIN,
    )
    # openid is a protocol scope, not a consent item; malformed ids are never stored
    assert added == 2
    assert (
        records.record_granted_scopes(
            link_id=link, scope_ids=["profile_nickname"], source=ConsentSource.LOGIN
        )
        == 0
    )
    # Kakao's details fill in later; a withdrawal and a later grant are each a row
    records.record_scopes(
        link_id=link,
        scopes=KakaoScopes.from_api(scopes_response(scope("account_email", agreed=False))).scopes,
        withdrawn=["account_email"],
        complete=False,
    )
    records.record_granted_scopes(
        link_id=link, scope_ids=["account_email"], source=ConsentSource.GRANT
    )
    history = list(
        KakaoScopeConsent.objects.filter(scope="account_email")
        .order_by("pk")
        .values_list("agreed", "source", "display_name")
    )
    assert history == [
        (True, "login", ""),
        (False, "withdrawal", "카카오계정(이메일)"),
        (True, "grant", "카카오계정(이메일)"),
    ]
    record = records.consent_record(link_id=link)
    assert [(s.id, s.agreed) for s in record.scopes] == [
        ("profile_nickname", True),
        ("account_email", True),
    ]
    assert record.scopes_checked_at is None  # a withdrawal's answer is not the whole list


def test_the_history_goes_with_the_link():
    user = kakao_user()
    link = link_of(user)
    records.record_service_terms(link_id=link, terms=terms(term("tos", required=True)).terms)
    SocialAccount.objects.filter(pk=link).delete()
    assert KakaoServiceTermConsent.objects.count() == 0


def test_admin_user_page_shows_the_consent_history_read_only(admin_client):
    user = kakao_user()
    link = link_of(user)
    with freeze_time(SIGN_UP):
        records.record_service_terms(link_id=link, terms=terms().terms)
        records.record_granted_scopes(
            link_id=link, scope_ids=["talk_message"], source=ConsentSource.GRANT
        )
    with freeze_time(WITHDRAWN):
        records.record_withdrawn_terms(link_id=link, tags=["marketing"])
    page = admin_client.get(f"/admin/accounts/user/{user.pk}/change/")
    assert page.status_code == 200
    body = page.content.decode()
    assert body.count("marketing") == 2  # the agreement and its withdrawal
    assert "talk_message" in body and "2026-06-01" in body and "KAUTH" in body
    admin = site._registry[type(user)]
    assert "consent_history" in admin.get_readonly_fields(None, user)
