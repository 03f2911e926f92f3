"""What a person agreed to at Kakao: consent items (scopes) and Kakao Sync service terms.

Its own story over the Kakao client (STYLE §20), one module per part:

- ``records``: the history tables: what Kakao said, one row per change, and
  what was agreed on any past date (``consent_on``).
- ``sign_in``: what a sign-in records (the token response's ``scope``) and the
  required-terms rule it checks before any write (``KAKAO_REQUIRED_SERVICE_TERMS``).
- ``current``: the person's consent as ``me.kakao`` shows it, read again from
  Kakao when the record is older than ``KAKAO_CONSENT_MAX_AGE_SECONDS``.
- ``changes``: asking for more (``kakao_grant``) and withdrawing
  (``revoke_scopes``, ``revoke_service_terms``).

Nothing here is imported by this ``__init__``: ``login`` imports ``sign_in``,
and ``changes`` imports ``login``, so eager imports would make a cycle.
"""
