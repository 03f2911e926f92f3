"""The root schema."""

import graphene

from schema.account import AccountMutations
from schema.mutations import Mutation as SessionMutations
from schema.queries import Query


class Mutation(AccountMutations, SessionMutations, graphene.ObjectType):
    """Every mutation: signing in and sessions, then the account's life."""


schema = graphene.Schema(query=Query, mutation=Mutation)
