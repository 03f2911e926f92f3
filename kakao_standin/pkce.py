"""PKCE as the stand-in enforces it (RFC 7636; shared/KAKAO_API.md §8).

A challenge sent at authorize binds the code to it: the exchange must bring
the verifier whose S256 is that challenge, else the code is refused like a
spent one (``invalid_grant``). Only S256: ``plain`` puts the verifier itself in
the URL, so it protects nothing, and is refused at authorize. A verifier sent
for a code issued without a challenge is refused too (RFC 9700 §2.1.1: it
stops a downgrade that strips the challenge from the authorize URL). Kakao
documents neither refusal; being strict here keeps the backend honest.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")
_VERIFIER = re.compile(r"[A-Za-z0-9._~-]{43,128}")


class InvalidChallenge(ValueError):
    """The authorize request's PKCE parameters are unusable (shown as an error page)."""


def challenge_from(params: dict[str, str]) -> str | None:
    """The authorize request's S256 challenge, None without one; refuses anything else."""
    challenge = params.get("code_challenge") or ""
    method = params.get("code_challenge_method") or ""
    if not challenge and not method:
        return None
    if method != "S256":
        # Without a method RFC 7636 means plain, which protects nothing.
        raise InvalidChallenge("code_challenge_method must be S256.")
    if not _CHALLENGE.fullmatch(challenge):
        raise InvalidChallenge("code_challenge must be BASE64URL(SHA-256(code_verifier)).")
    return challenge


def verifier_matches(challenge: str | None, verifier: str | None) -> bool:
    """Whether a token request's verifier fits the code's challenge (both absent fits)."""
    if challenge is None:
        return not verifier
    if not verifier or not _VERIFIER.fullmatch(verifier):
        return False
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return hmac.compare_digest(computed.encode(), challenge.encode())
