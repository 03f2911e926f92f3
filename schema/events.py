"""The person's security trail: ``me { securityEvents(first, after) }``, Relay-style."""

from __future__ import annotations

import json

import graphene
from graphql import GraphQLError

from accounts.errors import AccountError
from accounts.models import SecurityEvent
from accounts.services import events
from accounts.useragent import describe
from schema.devices import DeviceType

SecurityEventTypeEnum = graphene.Enum.from_enum(
    events.EventType,
    name="SecurityEventType",
    description=lambda value: value.label if value else "What happened.",
)


class SecurityEventNode(graphene.ObjectType):
    """Something that happened to your account, and where it came from."""

    id = graphene.ID(required=True, description="Stable, opaque id.")
    type = SecurityEventTypeEnum(required=True, description="What happened.")
    at = graphene.DateTime(required=True, description="When.")
    ip = graphene.String(
        description="The client's address (an IPv6 address as its /64), or null when the "
        "change did not come from a request of yours (an administrator, Kakao's notice)."
    )
    device = graphene.Field(
        graphene.NonNull(DeviceType), description="The device the request came from."
    )
    session_id = graphene.ID(description="The session it is about, when there is one.")
    current = graphene.Boolean(
        required=True, description="True when it is about the session of this request."
    )
    details = graphene.String(
        required=True,
        description='A small JSON object, e.g. {"method": "code", "new_account": false} for '
        'SIGNED_IN or {"cause": "another_device"} for SESSION_ENDED. Never a token or a code.',
    )

    class Meta:
        name = "SecurityEvent"

    @classmethod
    def of(cls, event: SecurityEvent, current_session_id: str | None) -> SecurityEventNode:
        session_id = str(event.session_id) if event.session_id else None
        return cls(
            id=str(event.id),
            type=events.EventType(event.type),
            at=event.at,
            ip=event.ip or None,
            device=DeviceType.of(describe(event.user_agent, event.app_name, event.app_version)),
            session_id=session_id,
            current=session_id is not None and session_id == current_session_id,
            details=json.dumps(event.details, sort_keys=True, ensure_ascii=False),
        )


class SecurityEventConnection(graphene.relay.Connection):
    """A page of your security events, newest first."""

    class Meta:
        node = SecurityEventNode
        strict_types = True  # edges: [SecurityEventEdge!]!, node: SecurityEvent!


def security_events_field() -> graphene.Field:
    return graphene.Field(
        SecurityEventConnection,
        first=graphene.Int(description="How many, 1 to 100; 20 when omitted."),
        after=graphene.String(description="The endCursor of the previous page."),
        description="Your security events, newest first: sign-ins (and refused ones), "
        "sessions ended and by whom, refresh-token replays, Kakao linked or unlinked, the "
        "account deleted. Only your own; null with an INVALID_INPUT error for a bad `first` "
        "or a cursor that is not yours.",
    )


def resolve_security_events(
    user_id: int, *, first: int | None, after: str | None, current_session_id: str | None
) -> SecurityEventConnection:
    try:
        page = events.events_of(user_id=user_id, first=first, after=after)
    except AccountError as error:
        raise GraphQLError(
            error.message, extensions={"code": error.code.name, "field": error.field}
        ) from None
    edges = [
        SecurityEventConnection.Edge(
            node=SecurityEventNode.of(event, current_session_id), cursor=cursor
        )
        for event, cursor in zip(page.events, page.cursors, strict=True)
    ]
    return SecurityEventConnection(
        edges=edges,
        page_info=graphene.relay.PageInfo(
            has_next_page=page.has_next_page,
            has_previous_page=after is not None,
            start_cursor=page.cursors[0] if page.cursors else None,
            end_cursor=page.cursors[-1] if page.cursors else None,
        ),
    )
