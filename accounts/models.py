"""Users, their links to Kakao accounts, their sessions and our refresh tokens."""

import hashlib
import uuid

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from graphql_jwt.refresh_token.models import AbstractRefreshToken
from graphql_jwt.settings import jwt_settings


class User(AbstractUser):
    """A person. Kakao-created users have no usable password and an opaque username."""

    # Email is optional (Kakao may not share one) but unique, case-insensitively,
    # when present. NULL rather than "" so that many users can have none.
    email = models.EmailField("email address", blank=True, null=True)  # noqa: DJ001
    nickname = models.CharField(max_length=100, blank=True)
    profile_image_url = models.URLField(max_length=500, blank=True)
    thumbnail_image_url = models.URLField(max_length=500, blank=True)

    objects = UserManager()

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

    USER_AGENT_MAX = 200

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sessions")
    created = models.DateTimeField(default=timezone.now, editable=False)
    # As the client sent it at sign-in, trimmed; shown to the person, never trusted.
    user_agent = models.CharField(max_length=USER_AGENT_MAX, blank=True)

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
