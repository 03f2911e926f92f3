"""kakaoAuthorize: Kakao's authorize URL with a fresh state bound to this browser and a purpose."""

from __future__ import annotations

import graphene

from accounts.services.authorize_options import AuthorizePurpose, authorize_options
from schema.auth import current_session_id, current_user
from schema.consent_types import AuthorizePurposeEnum, KakaoPromptEnum
from schema.mutations import BaseMutation
from schema.queries import start_kakao_authorize


class KakaoAuthorize(BaseMutation):
    """Start a login: Kakao's authorize URL with a fresh single-use state (and nonce).

    The state is bound to this browser by an HttpOnly cookie set on this
    response: send the request with credentials so the cookie is kept. With
    KAKAO_PKCE the URL also carries a PKCE challenge (S256) whose verifier stays
    on the server, so Kakao's code is redeemable only with this state. A
    mutation because it issues something: a query result could be cached and
    replayed with a spent state. The state serves only its `purpose`: SIGN_IN
    (kakaoLogin, linkKakao), GRANT (kakaoGrant) or REAUTHENTICATE
    (kakaoReauthenticate); the last two need the signed-in caller.
    """

    url = graphene.String(description="Kakao's authorize URL: navigate the browser to it.")
    state = graphene.String(
        description="The state in the URL; Kakao returns it with the code. Pass it to kakaoLogin.",
    )
    nonce = graphene.String(description="The OpenID Connect nonce in the URL (KAKAO_OIDC only).")

    class Meta:
        name = "KakaoAuthorizePayload"

    class Arguments:
        redirect_uri = graphene.String(
            description="One of KAKAO_REDIRECT_URIS; defaults to the first of them.",
        )
        scope = graphene.List(
            graphene.NonNull(graphene.String),
            description='Extra Kakao consent items to ask for, e.g. ["account_email"]; '
            'required with purpose GRANT (["talk_message"]). "openid" is added with KAKAO_OIDC.',
        )
        prompt = graphene.List(
            graphene.NonNull(KakaoPromptEnum),
            description="Kakao's prompt options; REAUTHENTICATE adds LOGIN. NONE stands alone.",
        )
        login_hint = graphene.String(
            description="A Kakao account id (email or phone number) to pre-fill on Kakao's login "
            "page; at most 254 visible characters.",
        )
        service_terms = graphene.List(
            graphene.NonNull(graphene.String),
            description="Kakao Sync service-terms tags to ask consent for, e.g. the tags a "
            "TERMS_REQUIRED error listed.",
        )
        purpose = AuthorizePurposeEnum(
            default_value=AuthorizePurpose.SIGN_IN,
            description="What the code will be used for; a state serves no other purpose.",
        )

    @classmethod
    def perform(
        cls,
        info,
        redirect_uri=None,
        scope=None,
        prompt=None,
        login_hint=None,
        service_terms=None,
        purpose=AuthorizePurpose.SIGN_IN,
    ):
        request = info.context
        options = authorize_options(
            purpose=purpose,
            prompt=prompt,
            login_hint=login_hint,
            service_terms=service_terms,
        )
        user_id = session_id = None
        if purpose is not AuthorizePurpose.SIGN_IN:
            # Only granting and re-authenticating are for a signed-in caller: a stale
            # token never stands in the way of signing in.
            user_id, session_id = current_user(request).pk, current_session_id(request)
        fields = start_kakao_authorize(
            request,
            redirect_uri=redirect_uri,
            scope=scope,
            options=options,
            purpose=purpose,
            user_id=user_id,
            session_id=session_id,
        )
        return cls(errors=[], **fields)


class AuthorizeMutations(graphene.ObjectType):
    kakao_authorize = KakaoAuthorize.field()
