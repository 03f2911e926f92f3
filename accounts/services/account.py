"""The account's life after login: linking Kakao, unlinking it, leaving, Kakao's unlink notice.

Kakao is called first and outside any transaction; what changes here then
happens in one transaction. So a Kakao that is down or refuses changes
nothing, and the person can simply retry. Kakao's own unlink notice takes the
same path as leaving, minus the call to Kakao (Kakao has already forgotten).
Each change's security event (ACCOUNT_DELETED, KAKAO_LINKED, KAKAO_UNLINKED, and a
SESSION_ENDED per session) is written in that same transaction.
"""

from __future__ import annotations

import logging
import re
import uuid

from django.conf import settings
from django.db import IntegrityError

from accounts.caller import NO_CALLER, Caller
from accounts.db import write_transaction
from accounts.errors import AccountError, AccountErrorCode
from accounts.kakao import KakaoClient, KakaoError, KakaoNotConnected
from accounts.models import Session, SocialAccount, User
from accounts.services import events
from accounts.services.devices import end_all_sessions
from accounts.services.events import EndCause
from accounts.services.kakao_errors import kakao_error_code
from accounts.services.login import kakao_profile_from_code
from accounts.services.reauthentication import ensure_recent

logger = logging.getLogger(__name__)

KAKAO = SocialAccount.Provider.KAKAO
DELETED_USERNAME_PREFIX = "deleted_"
# Reference: https://developers.kakao.com/docs/latest/ko/kakaologin/callback#unlink
# Values we do not know are handled like an unlink and logged as "other".
KNOWN_REFERRER_TYPES = frozenset({"UNLINK_FROM_APPS", "ACCOUNT_DELETE"})
_KAKAO_USER_ID = re.compile(r"[0-9]{1,20}")


# --- leaving --------------------------------------------------------------------


def delete_account(
    *,
    user: User,
    session_id: str | None,
    client: KakaoClient | None = None,
    caller: Caller = NO_CALLER,
) -> None:
    """The person leaves: Kakao forgets the app first, then the account goes here.

    Only from a session that signed in or re-authenticated recently (``session_id``).
    """
    ensure_recent(user=user, session_id=session_id)
    link = _kakao_link(user)
    if link is not None:
        _unlink_at_kakao(link, client=client)
    remove_user(user=user, reason="delete_account", caller=caller)


def remove_user(*, user: User, reason: str, caller: Caller = NO_CALLER) -> None:
    """End every session, drop the links, then anonymize or delete the user, in one transaction.

    Anonymizing (the default) keeps the row, so rows elsewhere that point at the
    user survive, but nothing in it identifies the person or lets anyone sign in.
    """
    mode = "delete" if settings.ACCOUNT_DELETE_MODE == "delete" else "anonymize"
    cause = EndCause.KAKAO_UNLINK_NOTICE if reason == "kakao_notice" else EndCause.ACCOUNT_DELETED
    pk = user.pk
    with write_transaction():
        end_all_sessions(user=user, cause=cause, caller=caller)
        events.record(
            type=events.EventType.ACCOUNT_DELETED,
            user_id=pk,
            caller=caller,
            session_id=caller.session_id,
            details={"reason": reason, "mode": mode},
        )
        # The trail stays (NULL user in "delete" mode), without the devices' descriptions.
        events.forget_devices(user_id=pk)
        SocialAccount.objects.filter(user_id=pk).delete()
        if mode == "delete":
            User.objects.filter(pk=pk).delete()
        else:
            _anonymize(pk)
    logger.info("account_removed user=%s mode=%s reason=%s", pk, mode, reason)


def _anonymize(pk: int) -> None:
    user = User.objects.select_for_update().filter(pk=pk).first()
    if user is None:  # a concurrent removal in "delete" mode got there first
        return
    user.username = f"{DELETED_USERNAME_PREFIX}{uuid.uuid4().hex}"
    user.email = None  # a later sign-up may use it again
    user.nickname = user.first_name = user.last_name = ""
    user.profile_image_url = user.thumbnail_image_url = ""
    user.is_active = False
    # An anonymized row must never open the admin, whatever it was before.
    user.is_staff = user.is_superuser = False
    user.set_unusable_password()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    # The ended sessions stay (their tokens are revoked), without the device's description.
    Session.objects.filter(user_id=pk).update(user_agent="")


# --- linking and unlinking Kakao ------------------------------------------------------


def link_kakao(
    *,
    user: User,
    code: str,
    redirect_uri: str | None = None,
    nonce: str | None = None,
    code_verifier: str | None = None,
    client: KakaoClient | None = None,
    caller: Caller = NO_CALLER,
) -> User:
    """Attach the Kakao account behind a code to a signed-in user; the user is not changed.

    The safe alternative to linking by email: the person proves both sides,
    being signed in here and signing in at Kakao.
    """
    if not user.is_active:
        raise AccountError(AccountErrorCode.ACCOUNT_INACTIVE)
    # Before calling Kakao, so that the code is not spent for nothing.
    if _kakao_link(user) is not None:
        raise AccountError(AccountErrorCode.ALREADY_LINKED)
    profile = kakao_profile_from_code(
        code=code,
        redirect_uri=redirect_uri,
        nonce=nonce,
        code_verifier=code_verifier,
        client=client,
    )
    try:
        with write_transaction():
            # The user's row is the lock: two concurrent links of one user with two
            # Kakao accounts cannot both see "no link yet".
            User.objects.select_for_update().filter(pk=user.pk).first()
            if _kakao_link(user) is not None:
                raise AccountError(AccountErrorCode.ALREADY_LINKED)
            SocialAccount.objects.create(
                user_id=user.pk, provider=KAKAO, uid=profile.id, extra_data=profile.raw
            )
            events.record(
                type=events.EventType.KAKAO_LINKED,
                user_id=user.pk,
                caller=caller,
                session_id=caller.session_id,
            )
    except IntegrityError:
        # (provider, uid) is unique: that Kakao account is linked already, maybe
        # by a concurrent request of this same user.
        owner = (
            SocialAccount.objects.filter(provider=KAKAO, uid=profile.id)
            .values_list("user_id", flat=True)
            .first()
        )
        if owner != user.pk:
            logger.warning("kakao_link_refused user=%s reason=kakao_already_linked", user.pk)
            raise AccountError(AccountErrorCode.KAKAO_ALREADY_LINKED) from None
    logger.info("kakao_linked user=%s", user.pk)
    return user


def unlink_kakao(
    *,
    user: User,
    session_id: str | None,
    client: KakaoClient | None = None,
    caller: Caller = NO_CALLER,
) -> bool:
    """Remove the user's Kakao link here and at Kakao; False when there was none.

    Only from a session that signed in or re-authenticated recently (``session_id``).
    """
    link = _kakao_link(user)
    if link is None:
        return False
    ensure_recent(user=user, session_id=session_id)
    if not _can_sign_in_without(link):
        raise AccountError(AccountErrorCode.LAST_LOGIN_METHOD)
    _unlink_at_kakao(link, client=client)
    _remove_link(link, reason="unlink_kakao", caller=caller)
    return True


def _remove_link(link: SocialAccount, *, reason: str, caller: Caller = NO_CALLER) -> None:
    cause = EndCause.KAKAO_UNLINK_NOTICE if reason == "kakao_notice" else EndCause.KAKAO_UNLINKED
    with write_transaction():
        SocialAccount.objects.filter(pk=link.pk).delete()
        # Today every session was started through Kakao.
        end_all_sessions(user=link.user, cause=cause, caller=caller)
        events.record(
            type=events.EventType.KAKAO_UNLINKED,
            user_id=link.user_id,
            caller=caller,
            session_id=caller.session_id,
            details={"reason": reason},
        )
    logger.info("kakao_link_removed user=%s reason=%s", link.user_id, reason)


def _can_sign_in_without(link: SocialAccount) -> bool:
    """Whether the user keeps a way to sign in once this link is gone."""
    user = User.objects.get(pk=link.user_id)
    if user.has_usable_password():
        return True
    return SocialAccount.objects.filter(user_id=link.user_id).exclude(pk=link.pk).exists()


def _kakao_link(user: User) -> SocialAccount | None:
    return SocialAccount.objects.filter(user_id=user.pk, provider=KAKAO).first()


def _unlink_at_kakao(link: SocialAccount, *, client: KakaoClient | None) -> None:
    """Ask Kakao to forget the app for this person; already forgotten (-101) is done."""
    if not settings.KAKAO_ADMIN_KEY:
        raise AccountError(
            AccountErrorCode.KAKAO_MISCONFIGURED,
            "The server has no Kakao admin key (KAKAO_ADMIN_KEY), so it cannot disconnect "
            "the Kakao account.",
        )
    client = client or KakaoClient.from_settings()
    try:
        client.unlink_user(user_id=link.uid)
    except KakaoNotConnected:
        logger.info("kakao_unlinked user=%s already=true", link.user_id)
        return
    except KakaoError as exc:
        code = kakao_error_code(exc)
        message = (
            "Kakao refused the server's admin key (KAKAO_ADMIN_KEY)."
            if code is AccountErrorCode.KAKAO_MISCONFIGURED
            else None
        )
        raise AccountError(code, message) from None
    logger.info("kakao_unlinked user=%s already=false", link.user_id)


# --- Kakao's unlink notice -----------------------------------------------------------


def handle_unlink_notice(*, app_id: str, user_id: str, referrer_type: str) -> str:
    """Kakao says a person disconnected the app: forget them here too. Idempotent.

    Returns what happened: "unknown" (no such link, also on a replay),
    "unlinked" (the user keeps another way to sign in and only loses the link
    and the sessions), or "removed" (as if they had left with deleteAccount).
    The caller has already authenticated the notice as Kakao's.
    """
    if app_id != settings.KAKAO_APP_ID:
        raise AccountError(AccountErrorCode.INVALID_INPUT, "app_id is not this app's.", "app_id")
    if not _KAKAO_USER_ID.fullmatch(user_id):
        raise AccountError(
            AccountErrorCode.INVALID_INPUT, "user_id must be 1 to 20 digits.", "user_id"
        )
    referrer = referrer_type if referrer_type in KNOWN_REFERRER_TYPES else "other"
    with write_transaction():
        link = (
            SocialAccount.objects.select_for_update()
            .select_related("user")
            .filter(provider=KAKAO, uid=user_id)
            .first()
        )
        if link is None:
            outcome, pk = "unknown", "-"
        elif _can_sign_in_without(link):
            outcome, pk = "unlinked", link.user_id
            _remove_link(link, reason="kakao_notice")
        else:
            outcome, pk = "removed", link.user_id
            remove_user(user=link.user, reason="kakao_notice")
    logger.info("kakao_unlink_notice user=%s referrer_type=%s outcome=%s", pk, referrer, outcome)
    return outcome
