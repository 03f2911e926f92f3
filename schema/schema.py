"""The root schema."""

import graphene

from schema.account import AccountMutations
from schema.authorize import AuthorizeMutations
from schema.consent import ConsentMutations
from schema.mutations import LoginMutations
from schema.queries import Query
from schema.reauthentication import ReauthenticationMutations
from schema.sessions import SessionMutations


class Mutation(
    LoginMutations,
    AuthorizeMutations,
    SessionMutations,
    AccountMutations,
    ConsentMutations,
    ReauthenticationMutations,
    graphene.ObjectType,
):
    pass


schema = graphene.Schema(query=Query, mutation=Mutation)
