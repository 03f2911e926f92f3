"""Users, their links to Kakao accounts, and our refresh tokens."""

import hashlib
import uuid

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower
from graphql_jwt.refresh_token.models import AbstractRefreshToken


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
    family = models.UUIDField(default=uuid.uuid4, db_index=True, editable=False)
    rotated = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta(AbstractRefreshToken.Meta):
        abstract = False

    def __str__(self) -> str:  # graphql-jwt's returns the token itself
        return f"refresh token #{self.pk} of user {self.user_id}"

    def save(self, *args, **kwargs):
        if not self.token:
            raw = self.generate_token()
            self._cached_token = raw
            self.token = self.hash_token(raw)
        super().save(*args, **kwargs)

    @classmethod
    def hash_token(cls, raw: str) -> str:
        return cls.HASH_PREFIX + hashlib.sha256(raw.encode()).hexdigest()
