"""Checking a GraphQL document, once per distinct query string: cheapest refusals first.

1. size in bytes, then tokens while parsing (``QUERY_TOO_LARGE``);
2. the spec rules that every later step relies on: only executable definitions, fragments
   unique, known, used and without cycles;
3. our limits (schema/limits.py: depth, aliases, directives, cost; ``QUERY_TOO_COMPLEX``),
   each fragment measured once;
4. the other spec rules, then the overlapping-fields rule, on a merged copy
   (schema/overlap.py) so that it stays linear.

A random comment makes a new cache key, so no step may be expensive on its own: each is
linear in the document, and the document is bounded by steps 1 and 3.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import lru_cache

from graphene_django.settings import graphene_settings
from graphql import DocumentNode, GraphQLError, GraphQLSchema, parse, specified_rules, validate
from graphql.validation import (
    ExecutableDefinitionsRule,
    KnownFragmentNamesRule,
    NoFragmentCyclesRule,
    NoSchemaIntrospectionCustomRule,
    NoUnusedFragmentsRule,
    OverlappingFieldsCanBeMergedRule,
    UniqueFragmentNamesRule,
)
from graphql.validation.validate import ValidationAbortedError

from schema.limits import Limits, limit_errors, too_complex, too_large
from schema.overlap import overlapping_fields_errors

FRAGMENT_RULES = (
    ExecutableDefinitionsRule,
    UniqueFragmentNamesRule,
    KnownFragmentNamesRule,
    NoUnusedFragmentsRule,
    NoFragmentCyclesRule,
)
OTHER_SPEC_RULES = tuple(
    rule
    for rule in specified_rules
    if rule not in FRAGMENT_RULES and rule is not OverlappingFieldsCanBeMergedRule
)

Checked = tuple[DocumentNode | None, tuple[GraphQLError, ...]]


@lru_cache(maxsize=512)
def checked_document(query: str, limits: Limits) -> Checked:
    """The parsed document and its errors; a document is only executed without errors."""
    if len(query.encode("utf-8", "surrogatepass")) > limits.max_bytes:
        return None, (too_large(f"The query is longer than {limits.max_bytes} bytes."),)
    try:
        document = parse(query, max_tokens=limits.max_tokens)
    except GraphQLError as error:
        return None, (_parse_refusal(error, limits),)
    schema = graphene_settings.SCHEMA.graphql_schema
    hide_suggestions = not limits.suggestions
    spec_rules = [*OTHER_SPEC_RULES]
    if not limits.introspection:
        spec_rules.append(NoSchemaIntrospectionCustomRule)
    errors = _spec_errors(schema, document, FRAGMENT_RULES, hide_suggestions)
    if errors:
        return None, errors
    try:
        errors = limit_errors(document, limits)
    except RecursionError:  # graphql-core already refuses nesting past 200; a safety net
        errors = [too_complex("The query is nested too deeply.")]
    if errors:
        return None, tuple(errors)
    errors = _spec_errors(schema, document, spec_rules, hide_suggestions)
    if errors:
        return None, errors
    errors = overlapping_fields_errors(schema, document, hide_suggestions=hide_suggestions)
    return (None, _refusals(errors)) if errors else (document, ())


def _spec_errors(
    schema: GraphQLSchema, document: DocumentNode, rules: Collection, hide_suggestions: bool
) -> tuple[GraphQLError, ...]:
    errors = validate(
        schema,
        document,
        rules,
        max_errors=graphene_settings.MAX_VALIDATION_ERRORS,
        hide_suggestions=hide_suggestions,
    )
    return _refusals(errors)


def _parse_refusal(error: GraphQLError, limits: Limits) -> GraphQLError:
    if "Document contains more than" in error.message:
        return too_large(f"The query has more than {limits.max_tokens} tokens.")
    if "nested too deeply" in error.message:
        return too_complex("The query is nested too deeply.")
    return error


def _refusals(errors: list[GraphQLError]) -> tuple[GraphQLError, ...]:
    # graphql-core gives up on a document that nests too deeply, has too many errors or
    # makes a rule work too hard: that is a refusal of work like ours.
    return tuple(
        too_complex(error.message) if isinstance(error, ValidationAbortedError) else error
        for error in errors
    )
