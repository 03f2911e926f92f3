"""Kakao's unlink notice (연결 끊기 알림), as Kakao sends it to the app's callback URL."""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from urllib.parse import urlencode

logger = logging.getLogger(__name__)

NOTICE_TIMEOUT_SECONDS = 3.0

# No proxies from the environment: the callback is the developer's own backend.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def send_unlink_notice(
    *, callback_url: str, app_id: int, user_id: int, admin_key: str
) -> int | None:
    """POST the notice (shared/KAKAO_API.md §6); the backend's HTTP status, None if unreachable."""
    body = urlencode(
        {"app_id": app_id, "user_id": user_id, "referrer_type": "UNLINK_FROM_APPS"}
    ).encode()
    request = urllib.request.Request(  # noqa: S310  (the URL is the developer's own setting)
        callback_url,
        data=body,
        method="POST",
        headers={
            "Authorization": f"KakaoAK {admin_key}",
            "Content-Type": "application/x-www-form-urlencoded;charset=utf-8",
        },
    )
    try:
        with _opener.open(request, timeout=NOTICE_TIMEOUT_SECONDS) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
        error.close()
    except (OSError, ValueError) as error:
        # Unreachable, timed out or a malformed URL: Kakao would simply give up too.
        logger.warning("standin unlink notice user=%s failed: %s", user_id, type(error).__name__)
        return None
    logger.info("standin unlink notice user=%s status=%s", user_id, status)
    return status
