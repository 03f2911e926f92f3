"""Readable devices: "Chrome on macOS", "Safari on iPhone", "MyApp 2.3 on Android".

The User-Agent is parsed with ua-parser (its regexes ship in ua-parser-builtins;
nothing is downloaded), at read time and cached: a sign-in stores the raw string,
which stays available, and pays nothing for this. A native app that names itself
(``X-Client-Name`` / ``X-Client-Version``, checked in ``accounts.caller``) is shown
by that name, on the platform its User-Agent tells.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

import ua_parser


class DeviceKind(Enum):
    BROWSER = "browser"
    APP = "app"
    OTHER = "other"

    @property
    def description(self) -> str:
        return _KIND_DESCRIPTIONS[self]


_KIND_DESCRIPTIONS = {
    DeviceKind.BROWSER: "A web browser.",
    DeviceKind.APP: "A native app that named itself (X-Client-Name).",
    DeviceKind.OTHER: "Anything else: a script, a tool, or no User-Agent at all.",
}


@dataclass(frozen=True)
class Device:
    """What a person can recognise: a name, and its parts when known."""

    name: str
    browser: str | None
    os: str | None
    kind: DeviceKind


UNKNOWN_NAME = "Unknown device"

# ua-parser's family names as people know them.
_BROWSERS = {
    "Mobile Safari": "Safari",
    "Mobile Safari UI/WKWebView": "In-app browser",
    "Chrome Mobile": "Chrome",
    "Chrome Mobile iOS": "Chrome",
    "Chrome Mobile WebView": "Android WebView",
    "Firefox Mobile": "Firefox",
    "Firefox iOS": "Firefox",
    "Edge Mobile": "Edge",
    "HeadlessChrome": "Headless Chrome",
}
_SYSTEMS = {"Mac OS X": "macOS", "Chrome OS": "ChromeOS"}
# On Apple's phones and tablets people name the device, not the system.
_APPLE_MOBILE = ("iPhone", "iPad", "iPod")


@lru_cache(maxsize=2048)
def describe(user_agent: str, app_name: str = "", app_version: str = "") -> Device:
    """The device behind a User-Agent (and an app's own name), for people to read."""
    parsed = ua_parser.parse(user_agent) if user_agent else None
    family = parsed.user_agent.family if parsed and parsed.user_agent else None
    system, where = _system(parsed)
    if app_name:
        app = f"{app_name} {app_version}".strip()
        return Device(
            name=f"{app} on {where}" if where else app,
            browser=None,
            os=system,
            kind=DeviceKind.APP,
        )
    if family and user_agent.startswith("Mozilla/"):
        browser = _BROWSERS.get(family, family)
        return Device(
            name=f"{browser} on {where}" if where else browser,
            browser=browser,
            os=system,
            kind=DeviceKind.BROWSER,
        )
    name = family or where or UNKNOWN_NAME
    if family and where and family != system:
        name = f"{family} on {where}"
    return Device(name=name, browser=None, os=system, kind=DeviceKind.OTHER)


def _system(parsed: ua_parser.Result | None) -> tuple[str | None, str | None]:
    """The operating system, and what to call the device ("iPhone" rather than "iOS")."""
    if parsed is None or parsed.os is None:
        return None, None
    system = _SYSTEMS.get(parsed.os.family, parsed.os.family)
    device = parsed.device.family if parsed.device else ""
    if parsed.os.family == "iOS" and device in _APPLE_MOBILE:
        return system, device
    return system, system
