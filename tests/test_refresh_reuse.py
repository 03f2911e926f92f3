"""The refresh reuse window: retries and second tabs get the same successor, thieves don't.

JWT_REFRESH_REUSE_SECONDS after a rotation, the rotated token answers the same
successor (derived with a keyed hash, so nothing extra is stored); after it,
presenting the rotated token is a replay and ends the session.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.db import IntegrityError
from django.utils import timezone
from freezegun import freeze_time

from accounts.errors import AccountError, AccountErrorCode
from accounts.models import RefreshToken, User
from accounts.services import devices, sessions

pytestmark = pytest.mark.django_db


@pytest.fixture
def user() -> User:
    return User.objects.create_user(username="u1")


def later(seconds: float):
    return freeze_time(timezone.now() + timedelta(seconds=seconds))


def rotate(value: str) -> sessions.IssuedTokens:
    return sessions.rotate_refresh_token(value=value)


def fails(value: str) -> bool:
    try:
        rotate(value)
    except AccountError as error:
        assert error.code is AccountErrorCode.INVALID_REFRESH_TOKEN
        return True
    return False


def live_count(user: User) -> int:
    return RefreshToken.objects.filter(user=user, revoked__isnull=True).count()


def test_retry_within_the_window_answers_the_same_successor(user, settings):
    first = sessions.start_session(user=user)
    answer = rotate(first.refresh_token_value)
    with later(settings.JWT_REFRESH_REUSE_SECONDS - 1):
        retry = rotate(first.refresh_token_value)
    assert retry.refresh_token_value == answer.refresh_token_value
    assert retry.refresh_token.pk == answer.refresh_token.pk
    # a fresh access token each time, no sibling token, nothing revoked
    assert retry.token and retry.payload["sid"] == str(first.session_id)
    assert RefreshToken.objects.count() == 2 and live_count(user) == 1
    assert not fails(answer.refresh_token_value)


def test_at_the_window_edge_it_is_still_a_retry(user, settings):
    first = sessions.start_session(user=user)
    answer = rotate(first.refresh_token_value)
    rotated = RefreshToken.objects.get(pk=first.refresh_token.pk).rotated
    with freeze_time(rotated + timedelta(seconds=settings.JWT_REFRESH_REUSE_SECONDS)):
        assert rotate(first.refresh_token_value).refresh_token_value == answer.refresh_token_value


def test_past_the_window_it_is_a_replay_and_the_session_ends(user, settings):
    other = sessions.start_session(user=user)
    first = sessions.start_session(user=user)
    answer = rotate(first.refresh_token_value)
    with later(settings.JWT_REFRESH_REUSE_SECONDS + 0.5):
        assert fails(first.refresh_token_value)
        assert fails(answer.refresh_token_value)  # the session's current token died too
        assert not fails(other.refresh_token_value)  # other devices are untouched


def test_window_zero_means_no_forgiveness(user, settings):
    settings.JWT_REFRESH_REUSE_SECONDS = 0
    first = sessions.start_session(user=user)
    answer = rotate(first.refresh_token_value)
    with later(0.001):
        assert fails(first.refresh_token_value)
        assert fails(answer.refresh_token_value)


def test_successor_is_keyed_not_guessable(user, settings):
    first = sessions.start_session(user=user)
    answer = rotate(first.refresh_token_value)
    assert answer.refresh_token_value != first.refresh_token_value
    assert len(answer.refresh_token_value) == 64
    # another secret key derives another successor
    settings.SECRET_KEY = "another-secret-key-0123456789-0123456789-abcdef"
    assert sessions._successor_value(first.refresh_token_value) != answer.refresh_token_value


def test_a_second_tab_that_rotated_on_is_followed(user, settings):
    first = sessions.start_session(user=user)
    second = rotate(first.refresh_token_value)
    third = rotate(second.refresh_token_value)  # the fast tab refreshed again
    with later(1):
        slow_tab = rotate(first.refresh_token_value)
    assert slow_tab.refresh_token_value == third.refresh_token_value
    assert live_count(user) == 1


def test_following_stops_at_a_link_rotated_outside_the_window(user, settings):
    first = sessions.start_session(user=user)
    second = rotate(first.refresh_token_value)
    with later(settings.JWT_REFRESH_REUSE_SECONDS + 5):
        rotate(second.refresh_token_value)
        # the first token was rotated long ago: a replay, whatever its chain did
        assert fails(first.refresh_token_value)
    assert live_count(user) == 0


def test_a_logged_out_session_is_not_revived_by_a_retry(user):
    first = sessions.start_session(user=user)
    answer = rotate(first.refresh_token_value)
    devices.revoke_refresh_token(value=answer.refresh_token_value)
    assert fails(first.refresh_token_value)
    assert live_count(user) == 0


def test_a_half_done_rotation_heals_on_retry(user):
    # given: the old token marked rotated, but its successor never written
    first = sessions.start_session(user=user)
    now = timezone.now()
    RefreshToken.objects.filter(pk=first.refresh_token.pk).update(revoked=now, rotated=now)
    # when: the client retries
    healed = rotate(first.refresh_token_value)
    # then: it gets the successor the rotation would have made, and it works
    assert healed.refresh_token_value == sessions._successor_value(first.refresh_token_value)
    assert healed.refresh_token.family_id == first.session_id
    assert not fails(healed.refresh_token_value)


def test_a_failed_rotation_leaves_the_presented_token_valid(user, monkeypatch):
    first = sessions.start_session(user=user)

    def broken(*args, **kwargs):
        raise IntegrityError("simulated failure while writing the successor")

    monkeypatch.setattr(sessions, "_create_successor", broken)
    with pytest.raises(IntegrityError):
        rotate(first.refresh_token_value)
    monkeypatch.undo()
    # the UPDATE was rolled back with the failed INSERT: nothing is spent
    row = RefreshToken.objects.get(pk=first.refresh_token.pk)
    assert row.rotated is None and row.revoked is None
    assert not fails(first.refresh_token_value)


def test_losing_a_concurrent_rotation_answers_the_winners_successor(user, monkeypatch):
    first = sessions.start_session(user=user)
    real_lookup = sessions.lookup
    winner: list[sessions.IssuedTokens] = []

    def lookup_then_lose(value):
        token = real_lookup(value)  # read before the other request rotates
        if not winner:
            monkeypatch.setattr(sessions, "lookup", real_lookup)
            winner.append(rotate(value))
        return token

    monkeypatch.setattr(sessions, "lookup", lookup_then_lose)
    loser = rotate(first.refresh_token_value)
    assert loser.refresh_token_value == winner[0].refresh_token_value
    assert live_count(user) == 1


def test_inactive_user_gets_no_successor_even_within_the_window(user):
    first = sessions.start_session(user=user)
    rotate(first.refresh_token_value)
    User.objects.filter(pk=user.pk).update(is_active=False)
    with pytest.raises(AccountError) as raised:
        rotate(first.refresh_token_value)
    assert raised.value.code is AccountErrorCode.ACCOUNT_INACTIVE


def test_logging_out_with_a_just_rotated_token_ends_the_session(user):
    # an app whose refresh answer was lost still holds the old token, and logs out with it
    first = sessions.start_session(user=user)
    answer = rotate(first.refresh_token_value)
    devices.revoke_refresh_token(value=first.refresh_token_value)
    assert fails(answer.refresh_token_value)
    assert fails(first.refresh_token_value)
    assert live_count(user) == 0
    # and the session is over: revoking again is an error
    with pytest.raises(AccountError):
        devices.revoke_refresh_token(value=answer.refresh_token_value)


def test_logging_out_ends_only_that_session(user):
    phone = sessions.start_session(user=user)
    laptop = sessions.start_session(user=user)
    devices.revoke_refresh_token(value=phone.refresh_token_value)
    assert fails(phone.refresh_token_value)
    assert not fails(laptop.refresh_token_value)


def test_two_healers_of_one_rotation_end_with_one_successor(user, monkeypatch):
    # given: a rotation recorded without its successor
    first = sessions.start_session(user=user)
    now = timezone.now()
    RefreshToken.objects.filter(pk=first.refresh_token.pk).update(revoked=now, rotated=now)
    # when: another request heals it between this one's lookup and its insert
    real_transaction = sessions.write_transaction
    rotated = RefreshToken.objects.get(pk=first.refresh_token.pk)

    @contextmanager
    def other_request_heals_first():
        successor = sessions._successor_value(first.refresh_token_value)
        sessions._create_successor(rotated, successor, ip="")  # the other request, committed
        with real_transaction():
            yield  # ours: the unique token refuses the second insert

    monkeypatch.setattr(sessions, "write_transaction", other_request_heals_first)
    healed = rotate(first.refresh_token_value)
    monkeypatch.undo()
    # then: one successor, handed to this request too
    assert RefreshToken.objects.filter(family_id=first.session_id).count() == 2
    assert healed.refresh_token_value == sessions._successor_value(first.refresh_token_value)
    assert not fails(healed.refresh_token_value)
