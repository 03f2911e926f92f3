"""The root schema."""

import graphene

from schema.account import AccountMutations
from schema.mutations import LoginMutations
from schema.queries import Query
from schema.sessions import SessionMutations


class Mutation(LoginMutations, SessionMutations, AccountMutations, graphene.ObjectType):
    pass


schema = graphene.Schema(query=Query, mutation=Mutation)
