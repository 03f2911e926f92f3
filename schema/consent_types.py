"""GraphQL types of the consent story: the authorize enums and what `me.kakao` shows."""

from __future__ import annotations

from datetime import datetime

import graphene

from accounts.services.authorize_options import AuthorizePurpose, KakaoPrompt
from accounts.services.consent.current import KakaoConsent
from accounts.services.consent.records import ScopeState, TermState

KakaoPromptEnum = graphene.Enum.from_enum(
    KakaoPrompt,
    description=lambda value: value.description if value else "Kakao's prompt option.",
)
AuthorizePurposeEnum = graphene.Enum.from_enum(
    AuthorizePurpose,
    description=lambda value: value.description if value else "What an authorize URL is for.",
)


class KakaoScopeType(graphene.ObjectType):
    """A Kakao consent item (profile_nickname, account_email, talk_message…) of yours."""

    id = graphene.String(required=True, description="Kakao's id of the item.")
    display_name = graphene.String(description="Kakao's name for it, e.g. 닉네임; null if unknown.")
    type = graphene.String(description="PRIVACY or SERVICE; null if unknown.")
    agreed = graphene.Boolean(required=True, description="Whether you agree to it now.")
    revocable = graphene.Boolean(
        required=True, description="Whether you may withdraw it (revokeKakaoScopes)."
    )
    learned_at = graphene.DateTime(required=True, description="When we learned this state.")

    class Meta:
        name = "KakaoScope"

    @classmethod
    def from_state(cls, state: ScopeState) -> KakaoScopeType:
        return cls(
            id=state.id,
            display_name=state.display_name or None,
            type=state.type or None,
            agreed=state.agreed,
            revocable=state.revocable,
            learned_at=state.learned_at,
        )


class KakaoServiceTermType(graphene.ObjectType):
    """A Kakao Sync service term (terms of service, privacy, marketing…) of this app."""

    tag = graphene.String(required=True, description="The term's tag in the Kakao console.")
    required = graphene.Boolean(
        required=True,
        description="Required by Kakao or by this service (KAKAO_REQUIRED_SERVICE_TERMS).",
    )
    agreed = graphene.Boolean(required=True, description="Whether you agree to it now.")
    revocable = graphene.Boolean(
        required=True, description="Whether you may withdraw it (revokeKakaoServiceTerms)."
    )
    agreed_at = graphene.DateTime(description="When you agreed, as Kakao reports it.")
    agreed_by = graphene.String(
        description="Where: KAUTH (Kakao's consent screen) or KAPI (recorded through the API)."
    )
    learned_at = graphene.DateTime(required=True, description="When we learned this state.")

    class Meta:
        name = "KakaoServiceTerm"

    @classmethod
    def from_state(cls, state: TermState) -> KakaoServiceTermType:
        return cls(
            tag=state.tag,
            required=state.required,
            agreed=state.agreed,
            revocable=state.revocable,
            agreed_at=state.agreed_at,
            agreed_by=state.agreed_by or None,
            learned_at=state.learned_at,
        )


class KakaoConsentType(graphene.ObjectType):
    """What you agreed to at Kakao, and when this session last proved it is you."""

    scopes = graphene.List(
        graphene.NonNull(KakaoScopeType), required=True, description="Your consent items."
    )
    service_terms = graphene.List(
        graphene.NonNull(KakaoServiceTermType),
        required=True,
        description="The app's Kakao Sync service terms and whether you agreed (empty without "
        "Kakao Sync).",
    )
    authenticated_at = graphene.DateTime(
        description="When this session signed in or last re-authenticated; deleteAccount and "
        "unlinkKakao need it within REAUTHENTICATION_MAX_AGE_SECONDS. Null when the access "
        "token names no live session.",
    )
    checked_at = graphene.DateTime(
        description="When Kakao last gave us both lists; null if it never did yet.",
    )
    stale = graphene.Boolean(
        required=True,
        description="True when the record was due to be read again from Kakao and Kakao could "
        "not be asked: what is shown is the stored record.",
    )

    class Meta:
        name = "KakaoConsent"

    @classmethod
    def from_consent(
        cls, consent: KakaoConsent, *, authenticated_at: datetime | None
    ) -> KakaoConsentType:
        record = consent.record
        checked = (record.scopes_checked_at, record.service_terms_checked_at)
        return cls(
            scopes=[KakaoScopeType.from_state(s) for s in record.scopes],
            service_terms=[KakaoServiceTermType.from_state(t) for t in record.service_terms],
            authenticated_at=authenticated_at,
            checked_at=min(checked) if all(checked) else None,
            stale=consent.stale,
        )
