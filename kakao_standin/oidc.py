"""OpenID Connect: the stand-in's RS256 key, its JWKS and the id_tokens it signs (§4)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from kakao_standin.identity import Identity

KID = "standin-key-1"


class IdTokenSigner:
    """One key per stand-in, made on first use: most runs never sign an id_token."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rsa_key: rsa.RSAPrivateKey | None = None

    @property
    def _key(self) -> rsa.RSAPrivateKey:
        with self._lock:
            if self._rsa_key is None:
                self._rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            return self._rsa_key

    def jwks(self) -> dict[str, Any]:
        jwk = json.loads(RSAAlgorithm.to_jwk(self._key.public_key()))
        return {"keys": [{**jwk, "kid": KID, "alg": "RS256", "use": "sig"}]}

    def id_token(
        self,
        identity: Identity,
        *,
        issuer: str,
        aud: str,
        nonce: str | None,
        now: int,
        ttl: int,
        auth_time: int | None,
        scope: Iterable[str] | None = None,
    ) -> str:
        """Kakao's claims; ``picture`` and ``email`` only with their consent (``scope``)."""
        agreed = None if scope is None else set(scope)
        claims: dict[str, Any] = {
            "iss": issuer,
            "aud": aud,
            "sub": str(identity.kakao_id),
            "iat": now,
            "exp": now + ttl,
            "auth_time": now if auth_time is None else auth_time,
            "nickname": identity.nickname,
        }
        if identity.profile_image and (agreed is None or "profile_image" in agreed):
            claims["picture"] = identity.image_urls(issuer)[0]
        if identity.email and (agreed is None or "account_email" in agreed):
            claims["email"] = identity.email
        if nonce:
            claims["nonce"] = nonce
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": KID})
