"""What automation's shortcuts (``/_standin/code``, ``/_standin/native-token``) agree to.

Like pressing Agree with everything ticked: the app's sign-up items and those in
``scope``; the service terms in ``service_terms`` (a JSON list of tags), or the app's
required ones when absent. ``auth_time`` (seconds) pretends an older Kakao login.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kakao_standin.consent import ConsentBook


@dataclass(frozen=True)
class ShortcutConsent:
    agreement: dict[str, Any]  # KakaoStandIn.agree's keyword arguments
    auth_time: int | None


def terms_from_json(body: dict[str, Any], consent: ConsentBook) -> list[str] | None:
    """``service_terms``: a list of the app's tags, or None when absent."""
    terms = body.get("service_terms")
    if terms is None:
        return None
    if not isinstance(terms, list) or not all(isinstance(t, str) for t in terms):
        raise ValueError("service_terms must be a list of service-term tags")
    if unknown := consent.unknown_terms(terms):
        raise ValueError(f"not a service term of the app: {unknown}")
    return terms


def shortcut_consent(body: dict[str, Any], consent: ConsentBook) -> ShortcutConsent:
    """The consent of a ``/_standin/code`` body; ``ValueError`` on a malformed field."""
    scope = body.get("scope") or ""
    if not isinstance(scope, str):
        raise ValueError("scope must be a comma-separated string")
    requested = [s.strip() for s in scope.split(",") if s.strip()]
    if unknown := consent.unknown_scopes(requested):
        raise ValueError(f"consent items not configured for the app (KOE205): {unknown}")
    auth_time = body.get("auth_time")
    if auth_time is not None and (type(auth_time) is not int or auth_time <= 0):
        raise ValueError("auth_time must be a positive integer (seconds since the epoch)")
    terms = terms_from_json(body, consent)
    if terms is None:
        terms = [term.tag for term in consent.terms if term.required]
    scopes = [item.id for item in consent.items if item.at_signup or item.id in requested]
    return ShortcutConsent(
        agreement={"scopes": scopes, "terms": terms, "openid": "openid" in requested},
        auth_time=auth_time,
    )
