"""Thin mutations for proving it is still you: re-authenticating this session with Kakao."""

from __future__ import annotations

import graphene
from django.conf import settings

from accounts import ratelimit
from accounts.services import reauthentication
from accounts.services.authorize_options import AuthorizePurpose
from schema.auth import current_session_id, current_user
from schema.caller import caller
from schema.client_ip import client_ip
from schema.code_flow import CodeFlowArguments, signed_in_code_flow
from schema.mutations import BaseMutation


class ReauthenticationFields:
    ok = graphene.Boolean(description="True once this session counts as freshly authenticated.")
    authenticated_at = graphene.DateTime(
        description="This session's authentication time from now on (see me.kakao)."
    )


class KakaoReauthenticate(ReauthenticationFields, BaseMutation):
    """Prove it is still you before deleteAccount or unlinkKakao: sign in to Kakao again.

    Start with kakaoAuthorize(purpose: REAUTHENTICATE) while signed in (Kakao
    asks for the password again, prompt=login), then pass the code and state
    here. The Kakao account must be yours (KAKAO_ACCOUNT_MISMATCH); with
    KAKAO_OIDC the id_token's auth_time must be after that request
    (REAUTHENTICATION_REQUIRED otherwise). Marks this session authenticated now.
    """

    class Meta:
        name = "KakaoReauthenticatePayload"

    Arguments = CodeFlowArguments

    @classmethod
    def perform(cls, info, code, redirect_uri=None, state=None):
        request = info.context
        user, flow = signed_in_code_flow(
            request,
            code=code,
            redirect_uri=redirect_uri,
            state=state,
            purpose=AuthorizePurpose.REAUTHENTICATE,
        )
        at = reauthentication.kakao_reauthenticate(
            user=user,
            session_id=current_session_id(request),
            code=code,
            redirect_uri=flow.redirect_uri,
            nonce=flow.nonce,
            code_verifier=flow.code_verifier,
            requested_at=flow.requested_at,
            caller=caller(request),
        )
        return cls(errors=[], ok=True, authenticated_at=at)


class KakaoReauthenticateWithToken(ReauthenticationFields, BaseMutation):
    """Re-authenticate this session from a mobile app: the Kakao SDK signed you in again.

    The same app check as kakaoLoginWithToken (KAKAO_APP_MISMATCH), your own
    Kakao account (KAKAO_ACCOUNT_MISMATCH), and an id_token (required with
    KAKAO_OIDC) whose auth_time is within REAUTHENTICATION_MAX_AGE_SECONDS.
    """

    class Meta:
        name = "KakaoReauthenticateWithTokenPayload"

    class Arguments:
        access_token = graphene.String(
            required=True, description="The Kakao access token of the SDK's new sign-in."
        )
        id_token = graphene.String(description="The id_token of that sign-in (OpenID Connect).")
        nonce = graphene.String(description="The nonce the app passed to the SDK, if any.")

    @classmethod
    def perform(cls, info, access_token, id_token=None, nonce=None):
        request = info.context
        user = current_user(request)
        ratelimit.hit(
            "login-ip", client_ip(request), ratelimit.Rate.parse(settings.RATE_LIMIT_LOGIN_PER_IP)
        )
        at = reauthentication.kakao_reauthenticate_with_token(
            user=user,
            session_id=current_session_id(request),
            access_token=access_token,
            id_token=id_token,
            nonce=nonce,
            caller=caller(request),
        )
        return cls(errors=[], ok=True, authenticated_at=at)


class ReauthenticationMutations(graphene.ObjectType):
    kakao_reauthenticate = KakaoReauthenticate.field()
    kakao_reauthenticate_with_token = KakaoReauthenticateWithToken.field()
