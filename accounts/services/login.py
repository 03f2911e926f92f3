"""Signing in with Kakao: the rules, as a short pipeline of named steps.

code (or an SDK's token) → Kakao profile → find the link → create or link a
user → sync the profile → start a session. Kakao is called before any
transaction is opened; the writes happen in one transaction, and a concurrent
first login of the same person is settled by the database's unique constraints.
The sign-in's security event rides in that transaction; a refusal once Kakao has
said who it is (an inactive account, a taken email, too many attempts) is recorded
on its own, since nothing else is written.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import prepared, ratelimit
from accounts.caller import NO_CALLER, Caller
from accounts.db import write_transaction
from accounts.errors import AccountError, AccountErrorCode
from accounts.kakao import (
    InvalidIdToken,
    KakaoClient,
    KakaoError,
    KakaoProfile,
    KakaoTokens,
    profile_from_id_token,
    verify_id_token,
)
from accounts.models import SocialAccount, User
from accounts.ratelimit import Rate
from accounts.services import events, sessions
from accounts.services.consent import sign_in as consent_sign_in
from accounts.services.inputs import (
    MAX_CODE_BYTES,
    resolve_redirect_uri,
    validate_token_input,
)
from accounts.services.kakao_errors import kakao_account_error
from accounts.services.sessions import IssuedTokens

logger = logging.getLogger(__name__)

KAKAO = SocialAccount.Provider.KAKAO


class EmailTaken(Exception):
    """A verified email that already belongs to another user (linking is off)."""


@dataclass(frozen=True)
class LoginResult:
    user: User
    created: bool
    # The new session's tokens, once the person is signed in (not for a bare link).
    tokens: IssuedTokens | None = None
    # The Kakao link signed in with, and whether this login made it.
    link_id: int | None = None
    new_link: bool = False


# --- the login ---------------------------------------------------------------


def kakao_login(
    *,
    code: str,
    redirect_uri: str | None = None,
    nonce: str | None = None,
    code_verifier: str | None = None,
    client: KakaoClient | None = None,
    caller: Caller = NO_CALLER,
) -> LoginResult:
    """Sign a person in with a Kakao authorization code; create or link their user."""
    profile = kakao_profile_from_code(
        code=code,
        redirect_uri=redirect_uri,
        nonce=nonce,
        code_verifier=code_verifier,
        client=client,
    )
    return sign_in(profile=profile, caller=caller, method="code")


def sign_in(*, profile: KakaoProfile, caller: Caller = NO_CALLER, method: str) -> LoginResult:
    """The pipeline once Kakao has said who this is: limits, required terms, the user, a session.

    Kakao is called (required service terms) before the transaction; the writes
    (user, link, profile, consent record, session, the SIGNED_IN event) are one
    transaction, so a login costs one commit. A refused one writes only its
    SIGN_IN_REFUSED event. ``method`` is how Kakao vouched: ``code`` or ``native``.
    """
    try:
        ratelimit.hit(
            "login-kakao-user", profile.id, Rate.parse(settings.RATE_LIMIT_LOGIN_PER_KAKAO_USER)
        )
        terms = consent_sign_in.check_required_terms(uid=profile.id)
        with write_transaction():
            result = social_login(profile=profile)
            consent_sign_in.record_sign_in(
                link_id=result.link_id,
                new_link=result.new_link,
                granted_scopes=profile.granted_scopes,
                service_terms=terms,
            )
            opened = sessions.open_session(user=result.user, caller=caller)
            events.record(
                type=events.EventType.SIGNED_IN,
                user_id=result.user.pk,
                caller=caller,
                session_id=opened[0].family_id,
                details={"method": method, "new_account": result.created},
            )
    except AccountError as error:
        events.sign_in_refused(kakao_id=profile.id, error=error.code, method=method, caller=caller)
        raise
    if terms is None and result.new_link:
        consent_sign_in.read_terms_after_sign_up(link_id=result.link_id, uid=profile.id)
    # The JWT is made after the commit: the write lock is held no longer than the writes.
    return replace(result, tokens=sessions.issue(opened))


def kakao_profile_from_code(
    *,
    code: str,
    redirect_uri: str | None = None,
    nonce: str | None = None,
    code_verifier: str | None = None,
    client: KakaoClient | None = None,
) -> KakaoProfile:
    """Who Kakao says is behind an authorization code (the code is spent).

    ``nonce`` and ``code_verifier`` belong to this browser's flow (``CodeFlow``).
    """
    validate_token_input(code, field="code", max_bytes=MAX_CODE_BYTES)
    redirect_uri = resolve_redirect_uri(redirect_uri)
    if not settings.KAKAO_REST_API_KEY:
        raise AccountError(
            AccountErrorCode.KAKAO_MISCONFIGURED,
            "The server has no Kakao REST API key (KAKAO_REST_API_KEY).",
        )
    client = client or KakaoClient.from_settings()
    try:
        tokens = client.exchange_code(
            code=code, redirect_uri=redirect_uri, code_verifier=code_verifier
        )
        profile = _profile_for(tokens, client=client, nonce=nonce)
    except KakaoError as exc:
        raise kakao_account_error(exc) from None
    # What the person granted in this authorization: recorded by the consent story.
    return replace(profile, granted_scopes=tokens.scope)


def _profile_for(tokens: KakaoTokens, *, client: KakaoClient, nonce: str | None) -> KakaoProfile:
    """The profile from a verified id_token when it has all we need, else from /v2/user/me.

    The id_token lacks Kakao's email-verification flags. So it is enough for a
    returning user (the link is by Kakao id) and for a first login without an
    email; a first login that comes with an email asks /v2/user/me for the
    flags, since the email policy depends on them.
    """
    if not settings.KAKAO_OIDC:
        return client.fetch_profile(access_token=tokens.access_token)
    if tokens.id_token is None:
        logger.warning("kakao_oidc_no_id_token (is OpenID Connect on in the Kakao console?)")
        return client.fetch_profile(access_token=tokens.access_token)
    try:
        claims = verify_id_token(tokens.id_token, client=client, nonce=nonce)
    except InvalidIdToken:
        raise AccountError(AccountErrorCode.INVALID_ID_TOKEN) from None
    from_claims = profile_from_id_token(claims)
    if from_claims.email is None or account_exists(from_claims.id):
        return from_claims
    profile = client.fetch_profile(access_token=tokens.access_token)
    if profile.id != from_claims.id:
        raise AccountError(AccountErrorCode.INVALID_ID_TOKEN)
    return profile


def account_exists(uid: str) -> bool:
    """Whether this Kakao id is linked to a user already (a returning person)."""
    return SocialAccount.objects.filter(provider=KAKAO, uid=uid).exists()


def social_login(*, profile: KakaoProfile) -> LoginResult:
    """Find the user linked to this Kakao profile, or make the first-login link."""
    account = _find_account(profile.id)
    if account is not None:
        result = _returning_login(account, profile)
    else:
        result = _first_login(profile)
    if not result.created:  # a new user was created with last_login set
        _touch_last_login(result.user)
    logger.info("kakao_login user=%s created=%s", result.user.pk, str(result.created).lower())
    return result


def _find_account(uid: str) -> SocialAccount | None:
    """The link and its user, in one prepared query (every login asks it)."""
    query = prepared.per_vendor(
        "social-account", lambda: prepared.JoinedGet(SocialAccount, "user", ("provider", "uid"))
    )
    return query.get(KAKAO.value, uid)


def _returning_login(account: SocialAccount, profile: KakaoProfile) -> LoginResult:
    user = account.user
    _ensure_active(user)
    _sync_profile(user, account, profile)
    return LoginResult(user=user, created=False, link_id=account.pk)


def _first_login(profile: KakaoProfile) -> LoginResult:
    # Two attempts: an IntegrityError means a concurrent request committed first
    # (the same person's link, or a user holding the same email); the second
    # attempt sees its rows and applies the same rules to them.
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                user, created = _user_for_first_login(profile)
                link = SocialAccount.objects.create(
                    user=user,
                    provider=KAKAO,
                    uid=profile.id,
                    extra_data=profile.raw,
                )
            return LoginResult(user=user, created=created, link_id=link.pk, new_link=True)
        except EmailTaken:
            # The email may be taken by the winner of a concurrent first login
            # of this same person: then this is their account, not a conflict.
            account = _find_account(profile.id)
            if account is not None:
                return _returning_login(account, profile)
            raise AccountError(AccountErrorCode.EMAIL_ALREADY_REGISTERED) from None
        except IntegrityError:
            account = _find_account(profile.id)
            if account is not None:
                return _returning_login(account, profile)
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _user_for_first_login(profile: KakaoProfile) -> tuple[User, bool]:
    """The email rule lives here.

    Only an email Kakao reports valid *and* verified is used at all: an
    unverified one is never stored or compared, so it can neither take over,
    block nor reveal an account. A verified email that belongs to an existing
    user links to that user only when KAKAO_LINK_VERIFIED_EMAIL is on.
    """
    email = profile.email if profile.email_verified else None
    if email:
        existing = User.objects.with_email(email).first()
        if existing is not None:
            if not settings.KAKAO_LINK_VERIFIED_EMAIL:
                raise EmailTaken
            _ensure_active(existing)
            logger.info("kakao_link_by_email user=%s", existing.pk)
            return existing, False
    user = User(
        username=User.generate_username(KAKAO),
        email=email,
        nickname=profile.nickname,
        profile_image_url=profile.profile_image_url,
        thumbnail_image_url=profile.thumbnail_image_url,
        last_login=timezone.now(),
    )
    user.set_unusable_password()
    user.save()
    return user, True


def _ensure_active(user: User) -> None:
    if not user.is_active:
        raise AccountError(AccountErrorCode.ACCOUNT_INACTIVE)


def _sync_profile(user: User, account: SocialAccount, profile: KakaoProfile) -> None:
    """Copy what Kakao now says onto the user; write only what changed."""
    changed: list[str] = []
    updates = {"nickname": profile.nickname} if profile.nickname else {}
    if profile.has_profile:
        updates["profile_image_url"] = profile.profile_image_url
        updates["thumbnail_image_url"] = profile.thumbnail_image_url
    if (
        user.email is None
        and profile.email_verified
        and not User.objects.with_email(profile.email).exists()
    ):
        updates["email"] = profile.email
    for name, value in updates.items():
        if getattr(user, name) != value:
            setattr(user, name, value)
            changed.append(name)
    if changed:
        try:
            with transaction.atomic():
                user.save(update_fields=changed)
        except IntegrityError:
            # Another account took that email in the meantime: keep ours empty.
            user.refresh_from_db()
    if profile.raw and account.extra_data != profile.raw:
        account.extra_data = profile.raw
        account.save(update_fields=["extra_data", "updated"])


def _touch_last_login(user: User) -> None:
    now = timezone.now()
    prepared.update_by_pk(User, user.pk, last_login=now)
    user.last_login = now
