"""The spec's overlapping-fields rule without its quadratic cost on repeated fields.

graphql-core's OverlappingFieldsCanBeMergedRule compares every pair of fields that share a
response name: ``{ me { id } me { id } … }`` 250 times is 31,000 comparisons, half a second
of CPU in a document of 1,000 tokens that no other limit refuses. Fields with the same
response name, field and arguments are one field to the spec (their sub-selections are
merged, see https://spec.graphql.org/October2021/#sec-Field-Selection-Merging), so the rule
runs here on a copy of each operation in which such fields are merged into one, fragments are
inlined and a second spread of the same fragment in one selection set is dropped. Its verdict
is the same (a conflict between the subfields of merged fields is reported at the subfields);
its work is linear in the size of the copy, which the cost limit bounds.

Two fields with one response name but different fields or arguments always conflict (in a
schema without abstract types, as here, every type condition is its parent's type); the copy
keeps the first two so that the rule reports the conflict, and drops the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    ListValueNode,
    NamedTypeNode,
    NameNode,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionNode,
    SelectionSetNode,
    StringValueNode,
    ValueNode,
    VariableNode,
    get_named_type,
    is_object_type,
    validate,
)
from graphql.validation import OverlappingFieldsCanBeMergedRule

# Fields sharing a response name that the copy keeps: two already make the conflict.
KEPT_PER_RESPONSE_NAME = 2


def overlapping_fields_errors(
    schema: GraphQLSchema, document: DocumentNode, *, hide_suggestions: bool
) -> list[GraphQLError]:
    """The errors of OverlappingFieldsCanBeMergedRule, computed on the merged copy."""
    fragments = {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    operations = []
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        root = schema.get_root_type(definition.operation)
        merged = _Selections(root.name if root else None)
        merged.add(schema, fragments, definition.selection_set)
        operations.append(
            OperationDefinitionNode(
                operation=definition.operation,
                name=definition.name,
                variable_definitions=definition.variable_definitions,
                directives=(),
                selection_set=merged.node(),
                loc=definition.loc,
            )
        )
    copy = DocumentNode(definitions=tuple(operations), loc=document.loc)
    return validate(
        schema, copy, [OverlappingFieldsCanBeMergedRule], hide_suggestions=hide_suggestions
    )


@dataclass
class _Field:
    node: FieldNode
    selections: _Selections | None


@dataclass
class _Selections:
    """One selection set of the copy: fields by (response name, field, arguments)."""

    type_name: str | None
    fields: dict[tuple[str, str, tuple], _Field] = field(default_factory=dict)
    per_response_name: dict[str, int] = field(default_factory=dict)
    # Inline fragments on another type than this set's (only abstract types have them).
    narrowed: dict[str, _Selections] = field(default_factory=dict)
    spread: set[str] = field(default_factory=set)

    def add(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        selection_set: SelectionSetNode,
    ) -> None:
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                self._add_field(schema, fragments, selection)
                continue
            if isinstance(selection, InlineFragmentNode):
                condition, nested = selection.type_condition, selection.selection_set
            else:
                name = selection.name.value
                if name in self.spread or name not in fragments:
                    continue  # a second spread adds nothing; unknown ones are refused
                self.spread.add(name)
                condition = fragments[name].type_condition
                nested = fragments[name].selection_set
            target = self
            if condition is not None and condition.name.value != self.type_name:
                target = self.narrowed.setdefault(
                    condition.name.value, _Selections(condition.name.value)
                )
            target.add(schema, fragments, nested)

    def _add_field(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        node: FieldNode,
    ) -> None:
        response_name = (node.alias or node.name).value
        arguments = tuple(
            sorted(
                ((argument.name.value, _value_key(argument.value)) for argument in node.arguments),
                key=_name,
            )
        )
        key = (response_name, node.name.value, arguments)
        merged = self.fields.get(key)
        if merged is None:
            if self.per_response_name.get(response_name, 0) >= KEPT_PER_RESPONSE_NAME:
                return
            self.per_response_name[response_name] = self.per_response_name.get(response_name, 0) + 1
            selections = (
                _Selections(self._field_type_name(schema, node.name.value))
                if node.selection_set
                else None
            )
            merged = self.fields[key] = _Field(node, selections)
        if node.selection_set and merged.selections is not None:
            merged.selections.add(schema, fragments, node.selection_set)

    def _field_type_name(self, schema: GraphQLSchema, field_name: str) -> str | None:
        parent = schema.get_type(self.type_name) if self.type_name else None
        definition = parent.fields.get(field_name) if is_object_type(parent) else None
        return get_named_type(definition.type).name if definition else None

    def node(self) -> SelectionSetNode:
        selections: list[SelectionNode] = [
            FieldNode(
                alias=merged.node.alias,
                name=merged.node.name,
                arguments=merged.node.arguments,
                directives=(),
                selection_set=merged.selections.node() if merged.selections else None,
                loc=merged.node.loc,
            )
            for merged in self.fields.values()
        ]
        selections += [
            InlineFragmentNode(
                type_condition=NamedTypeNode(name=NameNode(value=type_name)),
                directives=(),
                selection_set=narrowed.node(),
            )
            for type_name, narrowed in self.narrowed.items()
        ]
        return SelectionSetNode(selections=tuple(selections))


def _value_key(value: ValueNode) -> tuple:
    """Equal for two argument values exactly when the rule holds them the same."""
    if isinstance(value, VariableNode):
        return (value.kind, value.name.value)
    if isinstance(value, ObjectValueNode):
        fields = sorted(((f.name.value, _value_key(f.value)) for f in value.fields), key=_name)
        return (value.kind, tuple(fields))
    if isinstance(value, ListValueNode):
        return (value.kind, tuple(_value_key(item) for item in value.values))
    if isinstance(value, StringValueNode):
        return (value.kind, value.value, bool(value.block))
    return (value.kind, getattr(value, "value", None))


def _name(pair: tuple) -> str:
    return pair[0]
