"""graphene-django's ``graphql_schema``, writing a file that ends with a newline (POSIX text)."""

from graphene_django.management.commands.graphql_schema import Command as BaseCommand
from graphql import print_schema


class Command(BaseCommand):
    def save_graphql_file(self, out, schema):
        with open(out, "w", encoding="utf-8") as outfile:
            outfile.write(print_schema(schema.graphql_schema) + "\n")
