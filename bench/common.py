"""Shared by the benchmark scripts: the environment, sizes and small statistics helpers."""

from __future__ import annotations

import os
import statistics
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLIENT_ID = "bench-rest-api-key"
REDIRECT_URI = "http://localhost:5173/oauth/kakao/callback"
# The stand-in's defaults for SDK tokens (POST /_standin/native-token).
NATIVE_APP_ID = "1000001"
NATIVE_AUDIENCE = "dev-native-app-key"
DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kakao_bench"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")

# BENCH_QUICK=1: a smoke run (under a minute) through every part, numbers not meant
# to be quoted. Each size can still be set on its own.
QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")


def size(name: str, full: str, quick: str) -> str:
    return os.environ.get(name, quick if QUICK else full)


RUNS = int(size("BENCH_RUNS", "500", "10"))
WARMUP = int(size("BENCH_WARMUP", "50", "2"))


def server_env(standin_url: str, **extra: str) -> dict[str, str]:
    """The production settings (DEBUG off) on the bench database, cache and stand-in."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backend.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "KAKAO_REST_API_KEY": CLIENT_ID,
        "KAKAO_AUTH_URL": standin_url,
        "KAKAO_API_URL": standin_url,
        "KAKAO_REDIRECT_URIS": REDIRECT_URI,
        # SDK tokens (kakaoLoginWithToken): the stand-in's app id and native app key;
        # the REST key stays an audience for the code flow's id_token.
        "KAKAO_APP_ID": NATIVE_APP_ID,
        "KAKAO_ID_TOKEN_AUDIENCES": f"{NATIVE_AUDIENCE},{CLIENT_ID}",
        # The stand-in on loopback over http with DEBUG off, which the start-up checks
        # refuse otherwise; nothing else is relaxed (cookies stay Secure: the load sends
        # its cookies itself).
        "KAKAO_ALLOW_LOCAL_URLS": "1",
        # Benchmarks hammer from one address on purpose.
        "RATE_LIMIT_LOGIN_PER_IP": "off",
        "RATE_LIMIT_LOGIN_PER_KAKAO_USER": "off",
        "RATE_LIMIT_REFRESH_PER_IP": "off",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def summary(values_ms: list[float]) -> dict[str, float]:
    ordered = sorted(values_ms)
    return {
        "n": len(ordered),
        "median_ms": round(statistics.median(ordered), 3),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 3),
        "min_ms": round(ordered[0], 3),
    }


def reference_cpu_ms() -> float:
    """CPU ms of a fixed pure-Python workload (best of 5): how fast this machine is now.

    The same code measured hours apart on a shared machine differed by 1.8x; this
    number, taken with every run, tells a slower machine from a slower build.
    """
    import hashlib
    import json
    import time

    body = {"id": 1234567890, "properties": {"nickname": "벤치"}, "list": list(range(50))}
    best = float("inf")
    for _ in range(5):
        started = time.thread_time()
        for i in range(10000):
            hashlib.sha256(json.dumps({**body, "i": i}).encode()).hexdigest()
        best = min(best, time.thread_time() - started)
    return round(best * 1000, 1)
