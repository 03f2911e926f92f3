"""What checking a hostile GraphQL document costs, next to a normal login document.

A client can send each document with a fresh comment so that the per-process cache of
checked documents never helps: checking one uncached (parse, spec rules, limits) is what it
costs the server. Measured as this thread's CPU time, which other processes on a shared
machine disturb less than the wall clock; the whole request through Django's test client
(a fresh comment each time) is wall-clock time.

`make bench` includes it (bench/inprocess.py); `make bench-validation` runs only this part,
on the production settings (DEBUG off) without PostgreSQL or Redis, and prints a table.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

LOGIN = """mutation KakaoLogin($code: String!, $state: String, $redirectUri: String) {
  kakaoLogin(code: $code, state: $state, redirectUri: $redirectUri) {
    token created
    user { ...UserFields }
    errors { field message code retryAfter }
  }
}
fragment UserFields on User { id email nickname profileImageUrl thumbnailImageUrl }"""


def fan_out(levels: int) -> str:
    """Each fragment spreads the next one twice: 2^levels spreads once expanded."""
    fragments = " ".join(
        f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels)
    )
    return f"query {{ ...F0 }} {fragments} fragment F{levels} on Query {{ __typename }}"


def repeated(count: int, field: str = "me{id}") -> str:
    return "{ " + " ".join([field] * count) + " }"


def aliases(count: int) -> str:
    return "{ " + " ".join(f"a{i}: me{{id}}" for i in range(count)) + " }"


def directives(count: int) -> str:
    return "{ me " + " ".join(["@include(if: true)"] * count) + " { id } }"


def fragment_pairs(count: int) -> str:
    """Many fragments selecting the same field, all spread in one place."""
    spreads = " ".join(f"...U{i}" for i in range(count))
    fragments = " ".join(f"fragment U{i} on User {{ id }}" for i in range(count))
    return f"{{ me {{ {spreads} }} }} {fragments}"


def differing_arguments(count: int) -> str:
    """One response name, a different argument each time: every pair conflicts."""
    fields = " ".join(f'kakaoAuthorizeUrl(redirectUri: "{i}") {{ url }}' for i in range(count))
    return "{ " + fields + " }"


def nested_lists(depth: int) -> str:
    return "{ kakaoAuthorizeUrl(scope: " + "[" * depth + "]" * depth + ") { url } }"


def nested_fields(depth: int) -> str:
    return "{ " + "me { " * depth + "id" + " }" * depth + " }"


# (name, document); sizes chosen to be the largest that fit the default limits or just past.
DOCUMENTS = [
    ("login (normal)", LOGIN),
    ("fragment fan-out, 10 levels", fan_out(10)),
    ("fragment fan-out, 20 levels", fan_out(20)),
    ("fragment fan-out, 24 levels", fan_out(24)),
    ("repeated me{id} ×100", repeated(100)),
    ("repeated me{id} ×249 (the most 1,000 tokens hold)", repeated(249)),
    ("repeated __typename ×998", repeated(998, "__typename")),
    ("repeated me{id} ×500", repeated(500)),
    ("repeated me{id} ×2000", repeated(2000)),
    ("aliases ×160", aliases(160)),
    ("directives ×140", directives(140)),
    ("90 fragments of one field, spread together", fragment_pairs(90)),
    ("one field, 100 different arguments", differing_arguments(100)),
    ("lists nested 300 deep", nested_lists(300)),
    ("fields nested 250 deep", nested_fields(250)),
]


def _outcome(errors) -> str:
    if not errors:
        return "accepted"
    return (errors[0].extensions or {}).get("code") or "refused (spec rule)"


def measure(runs: int = 20) -> dict:
    """Per document: check time uncached, request time with a fresh comment, outcome."""
    from django.test import Client

    from schema.documents import checked_document
    from schema.limits import Limits

    limits = Limits.from_settings()
    check = checked_document.__wrapped__  # the cache would answer every run after the first
    check(LOGIN, limits)  # import and schema set-up are not part of any document's cost
    client = Client()
    rows = []
    for name, document in DOCUMENTS:
        checks, requests = [], []
        for run in range(runs):
            started = time.thread_time()
            _, errors = check(document, limits)
            checks.append((time.thread_time() - started) * 1000)
            body = json.dumps({"query": f"{document}\n# {time.time_ns()} {run}"})
            started = time.perf_counter()
            response = client.post("/graphql", body, content_type="application/json")
            requests.append((time.perf_counter() - started) * 1000)
        rows.append(
            {
                "document": name,
                "bytes": len(document.encode()),
                "outcome": _outcome(errors),
                "status": response.status_code,
                "check_median_ms": round(statistics.median(checks), 2),
                "check_max_ms": round(max(checks), 2),
                "request_median_ms": round(statistics.median(requests), 2),
            }
        )
    hostile = rows[1:]
    return {
        "runs": runs,
        "documents": rows,
        "login_check_median_ms": rows[0]["check_median_ms"],
        "worst_check_median_ms": max(row["check_median_ms"] for row in hostile),
        "worst_request_median_ms": max(row["request_median_ms"] for row in hostile),
    }


def markdown_lines(result: dict) -> list[str]:
    lines = [
        "| document | bytes | outcome | HTTP | check, CPU ms (median) | check, CPU ms (max) | request, ms (median) |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in result["documents"]:
        lines.append(
            f"| {row['document']} | {row['bytes']} | {row['outcome']} | {row['status']} | "
            f"{row['check_median_ms']} | {row['check_max_ms']} | {row['request_median_ms']} |"
        )
    lines += [
        "",
        f"Worst hostile document: {result['worst_check_median_ms']} ms to check "
        f"({result['worst_request_median_ms']} ms for the whole request), against "
        f"{result['login_check_median_ms']} ms for the login document "
        f"(median of {result['runs']} runs each, uncached).",
    ]
    return lines


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.update(
        DJANGO_SETTINGS_MODULE="backend.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        DJANGO_ALLOWED_HOSTS="testserver",
        LOG_LEVEL="ERROR",
    )
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    result = measure(int(os.environ.get("BENCH_RUNS", "20")))
    sys.stdout.write("\n".join(markdown_lines(result)) + "\n")
