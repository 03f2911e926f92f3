"""The code flow's shared arguments and checks, before any call to Kakao.

Every mutation that takes a code Kakao handed the browser (kakaoLogin, linkKakao,
kakaoGrant, kakaoReauthenticate) checks the same things first: the per-address limit, the
input's shape, the redirect URI, and this browser's state (issued for that purpose, and for
the signed-in ones to this caller in this session).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import graphene
from django.conf import settings

from accounts import ratelimit
from accounts.services import inputs
from accounts.services.authorize_options import AuthorizePurpose
from accounts.services.oauth_state import check_state
from schema.auth import current_session_id, current_user
from schema.client_ip import client_ip
from schema.cookies import clear_state_cookie, state_cookie


class CodeFlowArguments:
    """The arguments of the code flow's mutations (kakaoLogin, linkKakao)."""

    code = graphene.String(
        required=True, description="The `code` Kakao appended to the redirect URI."
    )
    redirect_uri = graphene.String(
        description="The redirect URI used at authorize; must be one of KAKAO_REDIRECT_URIS. "
        "Defaults to the first of them.",
    )
    state = graphene.String(description="The `state` Kakao returned with the code.")


@dataclass(frozen=True)
class CodeFlow:
    """What the code flow's checks established: what the code's exchange needs besides the code.

    The nonce and the PKCE verifier come from this browser's state, never from
    the client; both are None when no state was checked (KAKAO_REQUIRE_STATE off
    and none presented) or the flow was started without them.
    """

    redirect_uri: str
    nonce: str | None  # issued with the state (OIDC)
    requested_at: datetime | None  # when the state was issued
    code_verifier: str | None = None  # PKCE's, derived from the state (KAKAO_PKCE)

    def __repr__(self) -> str:
        # The verifier stays out of every log line and traceback.
        return f"CodeFlow(redirect_uri={self.redirect_uri!r}, …)"


def code_flow_arguments(
    request,
    *,
    code: str,
    redirect_uri: str | None,
    state: str | None,
    purpose: AuthorizePurpose = AuthorizePurpose.SIGN_IN,
    user_id: int | None = None,
) -> CodeFlow:
    """What the code flow's mutations check before Kakao: limits, input, the browser's state.

    The state must have been issued for ``purpose`` (and, for GRANT and
    REAUTHENTICATE, to ``user_id`` in this session).
    """
    ratelimit.hit(
        "login-ip", client_ip(request), ratelimit.Rate.parse(settings.RATE_LIMIT_LOGIN_PER_IP)
    )
    inputs.validate_token_input(code, field="code", max_bytes=inputs.MAX_CODE_BYTES)
    inputs.validate_token_input(
        state, field="state", max_bytes=inputs.MAX_STATE_BYTES, required=False
    )
    redirect_uri = inputs.resolve_redirect_uri(redirect_uri)
    cookie = state_cookie(request)
    issued = check_state(
        state=state,
        cookie_value=cookie,
        redirect_uri=redirect_uri,
        purpose=purpose,
        user_id=user_id,
        session_id=current_session_id(request) if user_id is not None else None,
    )
    if cookie and state:
        # Spent only once it passed: a refused state (another tab's, a
        # forged one) leaves this browser's own login able to finish.
        clear_state_cookie(request)
    if issued is None:
        return CodeFlow(redirect_uri=redirect_uri, nonce=None, requested_at=None)
    return CodeFlow(
        redirect_uri=redirect_uri,
        nonce=issued.nonce,
        requested_at=issued.issued_at,
        code_verifier=issued.code_verifier,
    )


def signed_in_code_flow(
    request, *, code: str, redirect_uri: str | None, state: str | None, purpose: AuthorizePurpose
):
    """The caller and the code flow's checks, for a round trip a signed-in person started
    (GRANT, REAUTHENTICATE): the state must have been issued to this caller in this session."""
    user = current_user(request)
    flow = code_flow_arguments(
        request,
        code=code,
        redirect_uri=redirect_uri,
        state=state,
        purpose=purpose,
        user_id=user.pk,
    )
    return user, flow
