"""PKCE (RFC 7636) for the code flow: a code redeemable only by the flow that asked for it.

The state (``oauth_state``) proves which browser *started* a flow, not that
the code presented came from that flow: an attacker who intercepted a victim's
code could start a flow of their own and present the victim's code with their
own state and cookie. With PKCE, Kakao binds each code to the challenge of the
authorize request that produced it and refuses it unless the exchange brings
the matching verifier (shared/KAKAO_API.md §8); the attacker's flow has another.

Why the verifier is derived and not stored. It is a keyed hash of the state
(HMAC-SHA-256 with the secret key and a salt of its own, base64url: 43
characters, 256 bits), recomputed at the exchange from the state that
``check_login_state`` has just accepted for this browser. Alternatives:

- in the state cookie: the cookie is signed, not encrypted, so the verifier
  would reach the client, which is what PKCE's verifier must never do;
- in the cache, keyed by the state: a write per authorize, a read per login,
  and a login that must fail when the cache is down, where the state check
  degrades gracefully (oauth_state's docstring).

A derived verifier needs neither, costs one HMAC, and any instance recomputes
it. It is as unpredictable as the secret key: knowing the state (it is in the
URL) gives nothing without it, and whoever holds the secret key can forge state
cookies and JWTs anyway. One cost: a flow started before a SECRET_KEY rotation
and finished after it sends a verifier made with the new key (the state cookie
is still accepted through SECRET_KEY_FALLBACKS), Kakao refuses the code, and
the person starts again.
"""

from __future__ import annotations

import base64
import hashlib

from django.utils.crypto import salted_hmac

_SALT = "accounts.pkce.code_verifier"
METHOD = "S256"


def code_verifier_for(state: str) -> str:
    """The verifier of the flow that issued ``state``: 43 characters of base64url."""
    return _b64url(salted_hmac(_SALT, state, algorithm="sha256").digest())


def code_challenge(verifier: str) -> str:
    """BASE64URL(SHA-256(verifier)), what the authorize URL carries (method S256)."""
    return _b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
