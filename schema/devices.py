"""The device a session or an event came from, as people read it."""

from __future__ import annotations

import graphene

from accounts.useragent import Device, DeviceKind

DeviceKindEnum = graphene.Enum.from_enum(
    DeviceKind,
    description=lambda value: value.description if value else "What kind of client it is.",
)


class DeviceType(graphene.ObjectType):
    """Parsed from the User-Agent (and a native app's X-Client-Name / X-Client-Version)."""

    name = graphene.String(
        required=True,
        description='What to show: "Chrome on macOS", "Safari on iPhone", "MyApp 2.3 on '
        'Android", or "Unknown device".',
    )
    browser = graphene.String(description="The browser, when it is one (e.g. Chrome, Safari).")
    os = graphene.String(description="The operating system, when known (e.g. macOS, iOS).")
    kind = DeviceKindEnum(required=True, description="Browser, app or other.")

    class Meta:
        name = "Device"

    @classmethod
    def of(cls, device: Device) -> DeviceType:
        return cls(name=device.name, browser=device.browser, os=device.os, kind=device.kind)
