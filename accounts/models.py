"""Users, their links to Kakao accounts, their sessions, our refresh tokens, security events."""

import hashlib
import uuid

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Value
from django.db.models.functions import Lower, Now
from django.db.models.lookups import Exact
from django.utils import timezone
from graphql_jwt.refresh_token.models import AbstractRefreshToken
from graphql_jwt.settings import jwt_settings

from accounts import caller


class KakaoUserManager(UserManager):
    def with_email(self, email: str) -> models.QuerySet:
        """Users holding this email in any case: the collision the unique index forbids.

        Spelled as that index is (``LOWER(email)``, emails present), so that SQLite and
        PostgreSQL answer it from the index. ``email__iexact`` reads every row instead
        (``UPPER(email) = …`` on PostgreSQL, ``LIKE`` on SQLite), and every first login
        asks this: its cost grew with the number of users. Both sides are lowered by
        the database, so its case rules are the index's.
        """
        return self.filter(Exact(Lower("email"), Lower(Value(email))), email__isnull=False)


class User(AbstractUser):
    """A person. Kakao-created users have no usable password and an opaque username."""

    # Email is optional (Kakao may not share one) but unique, case-insensitively,
    # when present. NULL rather than "" so that many users can have none.
    email = models.EmailField("email address", blank=True, null=True)  # noqa: DJ001
    nickname = models.CharField(max_length=100, blank=True)
    profile_image_url = models.URLField(max_length=500, blank=True)
    thumbnail_image_url = models.URLField(max_length=500, blank=True)

    objects = KakaoUserManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="accounts_user_email_ci_unique",
                condition=models.Q(email__isnull=False),
            ),
        ]

    def save(self, *args, **kwargs):
        if self.email == "":
            self.email = None
        super().save(*args, **kwargs)

    @staticmethod
    def generate_username(provider: str) -> str:
        return f"{provider}_{uuid.uuid4().hex[:20]}"


class SocialAccount(models.Model):
    """The link between a user and their account at an identity provider."""

    class Provider(models.TextChoices):
        KAKAO = "kakao", "Kakao"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="social_accounts")
    provider = models.CharField(max_length=30, choices=Provider.choices)
    # Kakao's id is a 64-bit integer; kept as a string so no provider's id format leaks
    # into the schema.
    uid = models.CharField(max_length=191)
    # The last profile the provider returned, never any token.
    extra_data = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "uid"], name="accounts_social_provider_uid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.uid}"


class Session(models.Model):
    """One sign-in on one device: the family of refresh tokens that rotation grows from it.

    Its id is the family id: the stable, opaque id a person sees in their
    session list, and the ``sid`` claim of the access tokens issued in it.
    Whether it is live is read off its newest refresh token (unrevoked and
    unexpired), so a refresh writes nothing here.
    """

    USER_AGENT_MAX = caller.USER_AGENT_MAX
    APP_NAME_MAX = caller.APP_NAME_MAX
    APP_VERSION_MAX = caller.APP_VERSION_MAX

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sessions")
    created = models.DateTimeField(default=timezone.now, editable=False)
    # As the client sent it at sign-in, trimmed; shown to the person, never trusted.
    user_agent = models.CharField(max_length=USER_AGENT_MAX, blank=True)
    # A native app's own name and version (X-Client-Name / X-Client-Version), checked.
    app_name = models.CharField(max_length=APP_NAME_MAX, blank=True)
    app_version = models.CharField(max_length=APP_VERSION_MAX, blank=True)
    # When the person last proved to Kakao it is them in this session: the sign-in, or
    # the last re-authentication. Irreversible operations need it to be recent. The
    # database default keeps inserts of a release that does not know the column working.
    authenticated_at = models.DateTimeField(default=timezone.now, db_default=Now())

    def __str__(self) -> str:
        return f"session {self.pk} of user {self.user_id}"


class RefreshToken(AbstractRefreshToken):
    """graphql-jwt's refresh token, stored hashed and grouped into families.

    ``token`` holds ``sha256$<hex digest>`` of the token, never the token: a
    leaked database or backup does not hand out sessions. The token itself is
    only known at creation (``get_token()``) and to the client holding it.
    A family is the chain of tokens that started at one login; rotation keeps
    the family, and presenting an already rotated token revokes the family.
    """

    HASH_PREFIX = "sha256$"

    # Its own related_name: graphql-jwt's unused model claims "refresh_tokens".
    user = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        related_name="jwt_refresh_tokens",
        verbose_name="user",
    )
    # The session (one sign-in) this token belongs to; the column keeps its old name.
    family = models.ForeignKey(
        Session,
        on_delete=models.CASCADE,
        db_column="family",
        related_name="refresh_tokens",
        editable=False,
    )
    rotated = models.DateTimeField(null=True, blank=True, editable=False)
    # The client's address when this token was issued (sign-in or refresh), as the rate
    # limiter sees it: the session's newest token tells where it was last used, and a
    # refresh, which inserts its successor anyway, records it without another write.
    ip = models.CharField(max_length=64, blank=True, editable=False)

    class Meta(AbstractRefreshToken.Meta):
        abstract = False
        constraints = [
            # graphql-jwt's unique_together (token, revoked) lets NULLs repeat: two
            # live rows could share a token. Successors are derived from the token
            # they replace, so uniqueness must hold on the token alone.
            models.UniqueConstraint(fields=["token"], name="accounts_refreshtoken_token_unique"),
        ]
        # Each session has at most one live (unrevoked) token, but rotation leaves one row per
        # refresh behind: without these, "is this session live" and "this user's live
        # sessions" (asked on every authenticated request, and by the session list) walk every
        # row the user ever rotated through, until cleartokens prunes them.
        indexes = [
            models.Index(
                fields=["family"],
                name="accounts_rt_live_family",
                condition=models.Q(revoked__isnull=True),
            ),
            models.Index(
                fields=["user"],
                name="accounts_rt_live_user",
                condition=models.Q(revoked__isnull=True),
            ),
        ]

    def __str__(self) -> str:  # graphql-jwt's returns the token itself
        return f"refresh token #{self.pk} of user {self.user_id}"

    def save(self, *args, **kwargs):
        self.ensure_token()
        super().save(*args, **kwargs)

    def ensure_token(self) -> None:
        """A new random token (kept for ``get_token()``), stored as its hash; once."""
        if not self.token:
            raw = self.generate_token()
            self._cached_token = raw
            self.token = self.hash_token(raw)

    @classmethod
    def hash_token(cls, raw: str) -> str:
        return cls.HASH_PREFIX + hashlib.sha256(raw.encode()).hexdigest()

    @classmethod
    def expires_after(cls, created):
        return created + jwt_settings.JWT_REFRESH_EXPIRATION_DELTA

    def is_expired(self, request=None) -> bool:
        # graphql-jwt's check goes through datetime.utcnow(), deprecated since 3.12.
        return self.expires_after(self.created) <= timezone.now()


class SecurityEvent(models.Model):
    """One entry of a person's security trail: a sign-in, a session ended, the account gone.

    Written in the same transaction as the change it records (STYLE §19). Never
    holds a token, a code or a key: ``details`` is a small JSON object of short
    values whose keys are checked (``accounts.services.events``).
    """

    class Type(models.TextChoices):
        SIGNED_IN = "signed_in", "Signed in"
        SIGN_IN_REFUSED = "sign_in_refused", "Sign-in refused"
        SESSION_ENDED = "session_ended", "Session ended"
        REFRESH_REPLAY_DETECTED = "refresh_replay_detected", "Refresh token replay detected"
        ACCOUNT_DELETED = "account_deleted", "Account deleted"
        KAKAO_LINKED = "kakao_linked", "Kakao linked"
        KAKAO_UNLINKED = "kakao_unlinked", "Kakao unlinked"
        CONSENT_GRANTED = "consent_granted", "Consent granted"
        CONSENT_WITHDRAWN = "consent_withdrawn", "Consent withdrawn"
        REAUTHENTICATED = "reauthenticated", "Re-authenticated"

    # Opaque, like session ids: a sequence would tell how busy the service is.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # NULL once the person is deleted (ACCOUNT_DELETE_MODE=delete); with "anonymize"
    # it points at the anonymized row.
    user = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="security_events",
    )
    type = models.CharField(max_length=32, choices=Type.choices)
    at = models.DateTimeField(default=timezone.now)
    # The session the event is about (not a foreign key: the trail outlives sessions).
    session_id = models.UUIDField(null=True, blank=True)
    # Where the request came from: the address as the rate limiter sees it, the client.
    ip = models.CharField(max_length=64, blank=True)
    user_agent = models.CharField(max_length=Session.USER_AGENT_MAX, blank=True)
    app_name = models.CharField(max_length=Session.APP_NAME_MAX, blank=True)
    app_version = models.CharField(max_length=Session.APP_VERSION_MAX, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [
            # A person's trail, newest first (the cursor is (at, id)).
            models.Index(fields=["user", "-at", "-id"], name="accounts_event_user_at"),
            # Retention: the oldest go first; the admin's date filter.
            models.Index(fields=["at"], name="accounts_event_at"),
        ]

    def __str__(self) -> str:
        return f"{self.type} of user {self.user_id} at {self.at:%Y-%m-%d %H:%M:%S}"


# --- consent: what the person agreed to at Kakao, as history ---------------------------------


class ConsentSource(models.TextChoices):
    """How we learned a consent state."""

    LOGIN = "login", "token response of a sign-in"
    GRANT = "grant", "token response of an additional consent"
    KAKAO = "kakao", "read from Kakao"
    WITHDRAWAL = "withdrawal", "withdrawn through this service"


class KakaoScopeConsent(models.Model):
    """What Kakao said about one consent item of one person, once: never updated or deleted.

    A change (a grant, a withdrawal) is a new row, so the newest row per item is
    the current state and older rows answer what was agreed on a past date. The
    rows go with the link (leaving forgets the person, as Kakao does on unlink).
    """

    link = models.ForeignKey(SocialAccount, on_delete=models.CASCADE, related_name="scope_consents")
    scope = models.CharField(max_length=64)
    display_name = models.CharField(max_length=100, blank=True)
    scope_type = models.CharField(max_length=20, blank=True)  # PRIVACY or SERVICE
    agreed = models.BooleanField()
    revocable = models.BooleanField(default=False)
    source = models.CharField(max_length=12, choices=ConsentSource.choices)
    learned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["link", "learned_at"], name="accounts_scope_consent_link"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.scope} {'agreed' if self.agreed else 'not agreed'} ({self.learned_at:%Y-%m-%d})"
        )


class KakaoServiceTermConsent(models.Model):
    """What Kakao said about one Kakao Sync service term of one person, once: history too."""

    link = models.ForeignKey(
        SocialAccount, on_delete=models.CASCADE, related_name="service_term_consents"
    )
    tag = models.CharField(max_length=64)
    required = models.BooleanField(default=False)
    agreed = models.BooleanField()
    revocable = models.BooleanField(default=False)
    # When and where Kakao says the person agreed (KAUTH: Kakao's consent screen, KAPI: the API).
    agreed_at = models.DateTimeField(null=True, blank=True)
    agreed_by = models.CharField(max_length=10, blank=True)
    source = models.CharField(max_length=12, choices=ConsentSource.choices)
    learned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["link", "learned_at"], name="accounts_term_consent_link"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.tag} {'agreed' if self.agreed else 'not agreed'} ({self.learned_at:%Y-%m-%d})"
        )


class KakaoConsentCheck(models.Model):
    """When Kakao last gave us a person's whole list, of consent items and of service terms.

    History rows are written only on a change, so how fresh the record is lives here.
    """

    link = models.OneToOneField(
        SocialAccount, on_delete=models.CASCADE, primary_key=True, related_name="consent_check"
    )
    scopes_checked_at = models.DateTimeField(null=True, blank=True)
    service_terms_checked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"consent check of {self.link_id}"
