"""Where a request comes from, as a plain value the services can record.

The GraphQL layer reads the request once (address as the rate limiter sees it,
User-Agent, the app's own ``X-Client-Name`` / ``X-Client-Version``, the session of
the access token) and hands this down; services never read a request. Nothing in
it is trusted: it is shown to the person and kept in their security trail.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

USER_AGENT_MAX = 200
APP_NAME_MAX = 40
APP_VERSION_MAX = 20

# Short, ASCII, no markup: shown to people as "MyApp 2.3 on Android".
_APP_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._+()-]*")
_APP_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*")


@dataclass(frozen=True)
class Caller:
    """The client behind a request: address, software, and the session it is made in."""

    ip: str = ""
    user_agent: str = ""
    app_name: str = ""
    app_version: str = ""
    session_id: uuid.UUID | None = None

    @classmethod
    def of(
        cls,
        *,
        ip: str = "",
        user_agent: str = "",
        app_name: str = "",
        app_version: str = "",
        session_id: str | uuid.UUID | None = None,
    ) -> Caller:
        """A caller from raw request values: trimmed, checked, unknown parts left empty."""
        name = clean_app_name(app_name)
        return cls(
            ip=ip[:64],
            user_agent=trim_user_agent(user_agent),
            app_name=name,
            # A version means nothing without the app it belongs to.
            app_version=clean_app_version(app_version) if name else "",
            session_id=_uuid_or_none(session_id),
        )


# Internal changes (an admin, Kakao's notice): no request of the person's behind them.
NO_CALLER = Caller()


def trim_user_agent(user_agent: str) -> str:
    printable = "".join(ch for ch in user_agent if ch.isprintable())
    return printable.strip()[:USER_AGENT_MAX]


def clean_app_name(value: str | None) -> str:
    """The app's name if it is a short plain name, else "" (a bad header is ignored)."""
    value = (value or "").strip()
    if len(value) > APP_NAME_MAX or not _APP_NAME.fullmatch(value):
        return ""
    return value


def clean_app_version(value: str | None) -> str:
    value = (value or "").strip()
    if len(value) > APP_VERSION_MAX or not _APP_VERSION.fullmatch(value):
        return ""
    return value


def _uuid_or_none(value: str | uuid.UUID | None) -> uuid.UUID | None:
    if value is None or isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None
