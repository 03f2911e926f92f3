"""Thin mutations for the account's life: leaving, linking and unlinking Kakao."""

from __future__ import annotations

import graphene

from accounts.services import account
from schema.auth import current_session_id, current_user
from schema.caller import caller
from schema.code_flow import CodeFlowArguments, code_flow_arguments
from schema.cookies import clear_token_cookies
from schema.mutations import BaseMutation
from schema.types import UserType


class DeleteAccount(BaseMutation):
    """Leave: Kakao forgets this app, every session ends, and the account is removed.

    With a Kakao link, Kakao is asked first (admin key); if it cannot be reached
    nothing changes here (KAKAO_UNAVAILABLE), so simply retry. The account is
    then anonymized or deleted (ACCOUNT_DELETE_MODE) and this browser's cookies
    are deleted. Access tokens already handed out stop working at once.

    Needs a recent authentication of this session (its sign-in or its last
    kakaoReauthenticate, within REAUTHENTICATION_MAX_AGE_SECONDS), else
    REAUTHENTICATION_REQUIRED and nothing changes.
    """

    ok = graphene.Boolean(description="True once the account is gone.")

    class Meta:
        name = "DeleteAccountPayload"

    @classmethod
    def perform(cls, info):
        request = info.context
        user = current_user(request)
        account.delete_account(
            user=user, session_id=current_session_id(request), caller=caller(request)
        )
        clear_token_cookies(info.context)
        return cls(errors=[], ok=True)


class LinkKakao(BaseMutation):
    """Attach a Kakao account to the signed-in account (the safe alternative to email linking).

    Start with kakaoAuthorize like a login, then pass the code and state here
    instead of to kakaoLogin. The caller's email and profile are not changed.
    """

    user = graphene.Field(UserType, description="The signed-in user, now linked to Kakao.")

    class Meta:
        name = "LinkKakaoPayload"

    Arguments = CodeFlowArguments

    @classmethod
    def perform(cls, info, code, redirect_uri=None, state=None):
        request = info.context
        user = current_user(request)
        flow = code_flow_arguments(request, code=code, redirect_uri=redirect_uri, state=state)
        linked = account.link_kakao(
            user=user,
            code=code,
            redirect_uri=flow.redirect_uri,
            nonce=flow.nonce,
            code_verifier=flow.code_verifier,
            caller=caller(request),
        )
        return cls(errors=[], user=linked)


class UnlinkKakao(BaseMutation):
    """Remove the Kakao link, here and at Kakao; the sessions started through Kakao end.

    Refused with LAST_LOGIN_METHOD when the account would have no way left to
    sign in (use deleteAccount to leave). Without a Kakao link it is ok. Like
    deleteAccount, it needs a recent authentication of this session
    (REAUTHENTICATION_REQUIRED otherwise; nothing changes).
    """

    ok = graphene.Boolean(description="True once no Kakao link remains.")

    class Meta:
        name = "UnlinkKakaoPayload"

    @classmethod
    def perform(cls, info):
        request = info.context
        user = current_user(request)
        session_id = current_session_id(request)
        if account.unlink_kakao(user=user, session_id=session_id, caller=caller(request)):
            clear_token_cookies(info.context)
        return cls(errors=[], ok=True)


class AccountMutations(graphene.ObjectType):
    """The account's life after login; mounted into the root Mutation."""

    delete_account = DeleteAccount.field()
    link_kakao = LinkKakao.field()
    unlink_kakao = UnlinkKakao.field()
