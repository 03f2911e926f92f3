"""The root schema."""

import graphene

from schema.mutations import LoginMutations
from schema.queries import Query
from schema.sessions import SessionMutations


class Mutation(LoginMutations, SessionMutations, graphene.ObjectType):
    pass


schema = graphene.Schema(query=Query, mutation=Mutation)
