"""Bounds on the work one GraphQL operation may ask for: depth, aliases, directives, cost.

GraphQL Armor's limits as graphql-core validation rules, one rule per limit, configured in
one place (``Limits``). Each rule visits only the definitions of the document, measures each
operation once and each fragment once however often it is spread (so a fragment that spreads
the next one twice, two dozen levels deep, costs two dozen measurements, not 2^24), and
refuses with one error shape: ``extensions.code`` ``QUERY_TOO_COMPLEX`` and a message naming
the limit. They run after the spec rules that refuse unknown and cyclic fragments; an
unknown fragment counts nothing and a cycle is not followed, so they cannot crash or loop
even without them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any, ClassVar

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)
from graphql.language import SKIP, visit
from graphql.validation import ASTValidationContext, ASTValidationRule

QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
QUERY_TOO_LARGE = "QUERY_TOO_LARGE"

# GraphQL Armor's cost model: a field with a selection set costs 2, a leaf 1, and what is
# selected one level down weighs 1.5 times as much.
OBJECT_COST = 2
SCALAR_COST = 1
DEPTH_COST_FACTOR = 1.5
# Introspection is off in production; when it is on, GraphiQL's own query must pass.
INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})


@dataclass(frozen=True)
class Limits:
    """Every limit on one GraphQL document, read from the settings in one place."""

    max_bytes: int
    max_tokens: int
    max_depth: int
    max_aliases: int
    max_directives: int
    max_cost: int
    introspection: bool
    suggestions: bool

    @classmethod
    def current(cls) -> Limits:
        """``from_settings()``, read once and again only after a setting changes (tests)."""
        global _current
        if _current is None:
            _current = cls.from_settings()
        return _current

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            max_bytes=settings.GRAPHQL_MAX_QUERY_BYTES,
            max_tokens=settings.GRAPHQL_MAX_TOKENS,
            max_depth=settings.GRAPHQL_MAX_DEPTH,
            max_aliases=settings.GRAPHQL_MAX_ALIASES,
            max_directives=settings.GRAPHQL_MAX_DIRECTIVES,
            max_cost=settings.GRAPHQL_MAX_COST,
            introspection=settings.GRAPHQL_INTROSPECTION,
            # "Did you mean 'code'?" maps the schema for whoever asks: only in development.
            suggestions=settings.DEBUG,
        )

    def rules(self) -> list[type[ASTValidationRule]]:
        """The limit rules, configured with these limits."""
        return [
            MaxDepthRule.with_limit(self.max_depth),
            MaxAliasesRule.with_limit(self.max_aliases),
            MaxDirectivesRule.with_limit(self.max_directives),
            MaxCostRule.with_limit(self.max_cost),
        ]


_current: Limits | None = None


@receiver(setting_changed)
def _settings_changed(**_kwargs: Any) -> None:
    global _current
    _current = None


def limit_errors(document: DocumentNode, limits: Limits) -> list[GraphQLError]:
    """The refusals of every limit rule.

    Not through ``validate()``, which walks every node with type information for every
    pass: each rule skips the definitions it enters and measures them with its own
    memoized walk, so visited alone it costs a visit of the definitions only.
    """
    errors: list[GraphQLError] = []
    context = ASTValidationContext(document, errors.append)
    for rule in limits.rules():
        visit(document, rule(context))
    return errors


def too_complex(message: str, *nodes: Any) -> GraphQLError:
    return GraphQLError(message, list(nodes) or None, extensions={"code": QUERY_TOO_COMPLEX})


def too_large(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": QUERY_TOO_LARGE})


class _OperationLimitRule(ASTValidationRule):
    """Measures each operation against ``limit``; each fragment is measured once."""

    limit: ClassVar[int]
    nothing: ClassVar[Any] = 0

    @classmethod
    @cache
    def with_limit(cls, limit: int) -> type[_OperationLimitRule]:
        return type(cls.__name__, (cls,), {"limit": limit})

    def __init__(self, context: Any) -> None:
        super().__init__(context)
        self._fragments: dict[str, Any] = {}

    def enter_operation_definition(self, node: OperationDefinitionNode, *_args: Any) -> Any:
        found = self.measure_operation(node)
        if found > self.limit:
            self.report_error(too_complex(self.refusal(found), node))
        return SKIP

    def enter_fragment_definition(self, *_args: Any) -> Any:
        return SKIP  # measured where it is spread

    def fragment(self, name: str) -> Any:
        """The measure of one fragment, computed on its first spread only."""
        if name not in self._fragments:
            # Until it is measured, a spread of this fragment (a cycle, which
            # NoFragmentCyclesRule refuses) adds nothing.
            self._fragments[name] = self.nothing
            fragment = self.context.get_fragment(name)
            if fragment is not None:
                self._fragments[name] = self.measure_fragment(fragment)
        return self._fragments[name]

    def measure_operation(self, node: OperationDefinitionNode) -> Any:
        return self.measure(node.selection_set)

    def measure_fragment(self, node: FragmentDefinitionNode) -> Any:
        return self.measure(node.selection_set)

    def measure(self, selection_set: SelectionSetNode) -> Any:
        raise NotImplementedError

    def refusal(self, found: Any) -> str:
        raise NotImplementedError


class MaxDepthRule(_OperationLimitRule):
    """Fields nested in fields (``GRAPHQL_MAX_DEPTH``); fragments add no level of their own.

    ``{ me { id } }`` is 1 deep, as graphene's depth_limit_validator counted it.
    """

    def measure(self, selection_set: SelectionSetNode) -> int:
        deepest = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if selection.selection_set and not selection.name.value.startswith("__"):
                    deepest = max(deepest, 1 + self.measure(selection.selection_set))
            elif isinstance(selection, InlineFragmentNode):
                deepest = max(deepest, self.measure(selection.selection_set))
            else:
                deepest = max(deepest, self.fragment(selection.name.value))
        return deepest

    def refusal(self, found: int) -> str:
        return f"The operation is {found} fields deep; the depth limit is {self.limit}."


class MaxAliasesRule(_OperationLimitRule):
    """Aliases (``GRAPHQL_MAX_ALIASES``), counted once per spread; ``__typename`` is free."""

    def measure(self, selection_set: SelectionSetNode) -> int:
        count = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if selection.alias is not None and selection.name.value != "__typename":
                    count += 1
                if selection.selection_set:
                    count += self.measure(selection.selection_set)
            elif isinstance(selection, InlineFragmentNode):
                count += self.measure(selection.selection_set)
            else:
                count += self.fragment(selection.name.value)
        return count

    def refusal(self, found: int) -> str:
        return f"The operation uses {found} aliases; the alias limit is {self.limit}."


class MaxDirectivesRule(_OperationLimitRule):
    """Directives anywhere in an operation (``GRAPHQL_MAX_DIRECTIVES``), once per spread."""

    def measure_operation(self, node: OperationDefinitionNode) -> int:
        return len(node.directives or ()) + self.measure(node.selection_set)

    def measure_fragment(self, node: FragmentDefinitionNode) -> int:
        return len(node.directives or ()) + self.measure(node.selection_set)

    def measure(self, selection_set: SelectionSetNode) -> int:
        count = 0
        for selection in selection_set.selections:
            count += len(selection.directives or ())
            if isinstance(selection, FragmentSpreadNode):
                count += self.fragment(selection.name.value)
            elif selection.selection_set:
                count += self.measure(selection.selection_set)
        return count

    def refusal(self, found: int) -> str:
        return f"The operation uses {found} directives; the directive limit is {self.limit}."


class MaxCostRule(_OperationLimitRule):
    """GraphQL Armor's cost (``GRAPHQL_MAX_COST``): every spread pays for its fragment."""

    def measure_operation(self, node: OperationDefinitionNode) -> float:
        return self.measure(node.selection_set, factor=1)

    def measure_fragment(self, node: FragmentDefinitionNode) -> float:
        return OBJECT_COST + self.measure(node.selection_set)

    def measure(self, selection_set: SelectionSetNode, factor: float = DEPTH_COST_FACTOR) -> float:
        """What a selection set costs where it is selected, one level down."""
        cost = 0.0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if selection.name.value in INTROSPECTION_FIELDS:
                    continue
                if selection.selection_set:
                    cost += OBJECT_COST + self.measure(selection.selection_set)
                else:
                    cost += SCALAR_COST
            elif isinstance(selection, InlineFragmentNode):
                cost += OBJECT_COST + self.measure(selection.selection_set)
            else:
                cost += SCALAR_COST + DEPTH_COST_FACTOR * self.fragment(selection.name.value)
        return factor * cost

    def refusal(self, found: float) -> str:
        shown = f"{found:.2f}".rstrip("0").rstrip(".") if found < 1e12 else f"{found:.3g}"
        return f"The operation costs {shown}; the cost limit is {self.limit}."
