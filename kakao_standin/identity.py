"""The test people the stand-in makes up, and Kakao's profile JSON for them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

# The consent page's ready-made people. Each name says what it is (what Kakao will say
# about the email), and so does the label beside it.
PRESETS = (
    {
        "nickname": "김인증",
        "email": "verified.kim@example.com",
        "email_verified": True,
        "label": "인증된 이메일 / verified email",
    },
    {
        "nickname": "최미인증",
        "email": "unverified.choi@example.com",
        "email_verified": False,
        "label": "인증 안 된 이메일 / unverified email",
    },
    {
        "nickname": "박이메일없음",
        "email": "",
        "email_verified": False,
        "label": "이메일 없음 / no email",
    },
)


def preset_identity(preset: dict) -> Identity:
    """A preset as the person it stands for (its label is for the page only)."""
    return Identity(**{name: value for name, value in preset.items() if name != "label"})


@dataclass(frozen=True)
class Identity:
    """A test person, as typed or picked on the consent page."""

    nickname: str
    email: str = ""
    email_verified: bool = True
    profile_image: bool = True

    @property
    def kakao_id(self) -> int:
        # Stable per person, so that logging in twice is a returning user.
        digest = hashlib.sha256(f"{self.nickname}\n{self.email.lower()}".encode()).hexdigest()
        return int(digest[:15], 16) + 1

    def image_urls(self, base_url: str) -> tuple[str, str]:
        """The profile image and thumbnail, served by the stand-in so that they show offline."""
        avatar = f"{base_url}/_standin/avatar/{self.kakao_id}.svg"
        return f"{avatar}?size=640", f"{avatar}?size=110"

    @property
    def phone_number(self) -> str:
        """A made-up Korean mobile number, stable per person (Kakao's format)."""
        digits = f"{self.kakao_id % 10**8:08d}"
        return f"+82 10-{digits[:4]}-{digits[4:]}"

    def user_json(
        self, base_url: str = "http://k.kakaocdn.net", agreed: frozenset[str] | None = None
    ) -> dict[str, Any]:
        """The /v2/user/me body in Kakao's shape; absent consent means absent keys.

        ``agreed``: the consent items the person agreed to (None: nickname, image, email).
        """
        if agreed is None:
            agreed = frozenset({"profile_nickname", "profile_image", "account_email"})
        image, thumb = self.image_urls(base_url)
        shares_image = "profile_image" in agreed
        profile: dict[str, Any] = {"nickname": self.nickname, "is_default_nickname": False}
        properties: dict[str, Any] = {"nickname": self.nickname}
        if shares_image:
            profile.update(
                is_default_image=not self.profile_image,
                thumbnail_image_url=thumb,
                profile_image_url=image,
            )
            properties.update(profile_image=image, thumbnail_image=thumb)
        account: dict[str, Any] = {
            "profile_nickname_needs_agreement": False,
            "profile_image_needs_agreement": not shares_image,
            "profile": profile,
        }
        if self.email and "account_email" in agreed:
            account.update(
                has_email=True,
                email_needs_agreement=False,
                is_email_valid=True,
                is_email_verified=self.email_verified,
                email=self.email,
            )
        else:
            account.update(has_email=bool(self.email), email_needs_agreement=True)
        if "phone_number" in agreed:
            account.update(
                has_phone_number=True,
                phone_number_needs_agreement=False,
                phone_number=self.phone_number,
            )
        return {
            "id": self.kakao_id,
            "connected_at": "2024-01-02T03:04:05Z",
            "properties": properties,
            "kakao_account": account,
        }


def identity_from_json(body: dict[str, Any]) -> Identity:
    """The identity automation asks for; ``ValueError`` on a field of the wrong type."""

    def typed(names: tuple[str, ...], kind: type, default: Any) -> Any:
        for name in names:
            value = body.get(name)
            if value is None:
                continue
            if type(value) is not kind:
                raise ValueError(f"{name} must be a {kind.__name__}")
            return value
        return default

    # /_standin/native-token says verified and image for the two flags.
    return Identity(
        nickname=typed(("nickname",), str, "").strip()[:40] or "벤치 사용자",
        email=typed(("email",), str, "").strip()[:100],
        email_verified=typed(("email_verified", "verified"), bool, True),
        profile_image=typed(("profile_image", "image"), bool, True),
    )


def identity_from_form(form: dict[str, str]) -> Identity:
    """The identity typed into one of the stand-in's HTML forms (checkboxes are "on")."""
    return Identity(
        nickname=form.get("nickname", "").strip()[:40] or "카카오 사용자",
        email=form.get("email", "").strip()[:100],
        email_verified=form.get("email_verified") == "on",
        profile_image=form.get("profile_image") == "on",
    )
