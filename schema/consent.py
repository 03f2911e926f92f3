"""Thin mutations for what a person agreed to: asking for more, and withdrawing."""

from __future__ import annotations

import graphene

from accounts.services.authorize_options import AuthorizePurpose
from accounts.services.consent import changes
from schema.auth import current_user
from schema.caller import caller
from schema.code_flow import CodeFlowArguments, signed_in_code_flow
from schema.mutations import BaseMutation
from schema.types import UserType


class KakaoGrant(BaseMutation):
    """Finish an additional consent: record the items the person just granted at Kakao.

    Start with kakaoAuthorize(purpose: GRANT, scope: [...]) while signed in, then
    pass the code and state here. The Kakao account must be your own
    (KAKAO_ACCOUNT_MISMATCH otherwise, and nothing changes). No new session
    starts and no token is issued.
    """

    user = graphene.Field(UserType, description="You, with the consent items now recorded.")

    class Meta:
        name = "KakaoGrantPayload"

    Arguments = CodeFlowArguments

    @classmethod
    def perform(cls, info, code, redirect_uri=None, state=None):
        request = info.context
        user, flow = signed_in_code_flow(
            request,
            code=code,
            redirect_uri=redirect_uri,
            state=state,
            purpose=AuthorizePurpose.GRANT,
        )
        changes.kakao_grant(
            user=user,
            code=code,
            redirect_uri=flow.redirect_uri,
            nonce=flow.nonce,
            code_verifier=flow.code_verifier,
            caller=caller(request),
        )
        return cls(errors=[], user=user)


class RevokeKakaoScopes(BaseMutation):
    """Withdraw Kakao consent items (e.g. talk_message) at Kakao, and record it.

    A required or non-revocable item is CONSENT_NOT_REVOCABLE, an id Kakao does
    not know INVALID_INPUT; with Kakao down, KAKAO_UNAVAILABLE and nothing is recorded.
    """

    user = graphene.Field(UserType, description="You, with the consent record updated.")

    class Meta:
        name = "RevokeKakaoScopesPayload"

    class Arguments:
        scopes = graphene.List(
            graphene.NonNull(graphene.String),
            required=True,
            description='Consent item ids to withdraw, e.g. ["talk_message"].',
        )

    @classmethod
    def perform(cls, info, scopes):
        user = current_user(info.context)
        changes.revoke_scopes(user=user, scope_ids=scopes, caller=caller(info.context))
        return cls(errors=[], user=user)


class RevokeKakaoServiceTerms(BaseMutation):
    """Withdraw Kakao Sync service terms (an optional marketing consent) at Kakao, and record it.

    The agreement stays in the history beside its withdrawal. Required terms
    (by Kakao or KAKAO_REQUIRED_SERVICE_TERMS) and non-revocable ones are
    CONSENT_NOT_REVOCABLE; with Kakao down, KAKAO_UNAVAILABLE and nothing is recorded.
    """

    user = graphene.Field(UserType, description="You, with the consent record updated.")

    class Meta:
        name = "RevokeKakaoServiceTermsPayload"

    class Arguments:
        tags = graphene.List(
            graphene.NonNull(graphene.String),
            required=True,
            description='Service-terms tags to withdraw, e.g. ["marketing"].',
        )

    @classmethod
    def perform(cls, info, tags):
        user = current_user(info.context)
        changes.revoke_service_terms(user=user, tags=tags, caller=caller(info.context))
        return cls(errors=[], user=user)


class ConsentMutations(graphene.ObjectType):
    """Consent at Kakao; mounted into the root Mutation."""

    kakao_grant = KakaoGrant.field()
    revoke_kakao_scopes = RevokeKakaoScopes.field()
    revoke_kakao_service_terms = RevokeKakaoServiceTerms.field()
