"""The results of a run as targets, Markdown and a chart."""

from __future__ import annotations

from pathlib import Path

CPU_TARGET_MS = 7
# The worst hostile document (bench/validation.py) costs at most this many times the
# login document to check, both uncached: linear work in a document of at most 1,000 tokens.
HOSTILE_CHECK_FACTOR = 10
DATABASES = (
    ("postgres_kakao_0ms", "PostgreSQL + Redis"),
    ("sqlite_kakao_0ms", "SQLite (cache in it)"),
)


def _cpu(run: dict, kind: str) -> float | None:
    return run[kind]["server_cpu_ms_per_op_median_of_windows"] if kind in run else None


def sqlite_errors(r: dict) -> int:
    """Errors on the embedded default: sequential logins, logins and refreshes under load."""
    run = r["http"]["sqlite_kakao_0ms"]
    under_load = sum(run[k]["errors"] for k in ("logins", "refreshes", "reads") if k in run)
    return run["sequential_login"]["errors"] + under_load


def targets(r: dict) -> dict[str, bool | None]:
    """Each target: True (met), False (missed) or None (not measurable in this build)."""
    ip, http = r["in_process"], r["http"]
    pg0, pg100, lite = (
        http[k] for k in ("postgres_kakao_0ms", "postgres_kakao_100ms", "sqlite_kakao_0ms")
    )
    native = ip["native_login"]
    result: dict[str, bool | None] = {
        "returning_login_sql_le_5": ip["returning_login"]["sql_queries"] <= 5,
        "refresh_sql_le_4": ip["refresh"]["sql_queries"] <= 4,
    }
    for key, name in (("postgres", pg0), ("sqlite", lite)):
        cpu = _cpu(name, "logins")
        result[f"server_cpu_per_returning_login_le_{CPU_TARGET_MS}ms_{key}"] = (
            cpu is not None and cpu <= CPU_TARGET_MS
        )
    result["native_login_2_kakao_calls_without_id_token"] = (
        native["without_id_token"]["kakao_calls"] == 2 if native["available"] else None
    )
    result["native_login_1_kakao_call_returning_with_id_token"] = (
        native["with_id_token"]["kakao_calls"] == 1 if native["available"] else None
    )
    result["logins_at_100ms_ge_80pct_of_0ms"] = r["ratio_100ms_to_0ms"] >= 0.8
    checks = ip.get("validation")
    result[f"hostile_document_check_le_{HOSTILE_CHECK_FACTOR}x_login_document"] = (
        checks["worst_check_median_ms"] <= HOSTILE_CHECK_FACTOR * checks["login_check_median_ms"]
        if checks
        else None
    )
    result["hostile_document_request_le_1s"] = (
        checks["worst_request_median_ms"] <= 1000 if checks else None
    )
    result["no_errors_under_load_postgres"] = all(
        run[k]["errors"] == 0
        for run in (pg0, pg100)
        for k in ("logins", "refreshes", "reads")
        if k in run
    )
    result["no_errors_sqlite"] = sqlite_errors(r) == 0
    for key, run in (("postgres", pg0), ("sqlite", lite)):
        s = run["refresh_storm"]
        result[f"refresh_storm_all_answered_{key}"] = s["failed"] == s["setup_failures"] == 0
        result[f"refresh_storm_sessions_survive_{key}"] = s["sessions_alive_after"] == s["browsers"]
    return result


def _machine_sentence(m: dict) -> str:
    if "before" not in m:
        return ""
    before, after = m["before"], m["after"]
    return (
        f"Machine speed, a fixed pure-Python workload (lower is faster): "
        f"{before['reference_cpu_ms']} ms before, {after['reference_cpu_ms']} ms after; load "
        f"average {before['load_average'][0]:.1f} before, {after['load_average'][0]:.1f} after "
        "(other processes on the machine make every figure here slower)."
    )


def _sql(row: dict) -> str:
    return f"{row['sql_queries']} ({row.get('sql_round_trips', '?')})"


def _native_rows(native: dict) -> list[str]:
    if not native["available"]:
        return [f"| kakaoLoginWithToken (native) | not available: {native['reason']} | | | | |"]
    rows = []
    for label, key in (
        ("kakaoLoginWithToken, returning, no id_token", "without_id_token"),
        ("kakaoLoginWithToken, returning, id_token", "with_id_token"),
    ):
        row = native[key]
        rows.append(
            f"| {label} | {row['n']} | {row['median_ms']} | {row['p95_ms']} | "
            f"{_sql(row)} | {row['kakao_calls']} |"
        )
    return rows


def _native_sentence(native: dict) -> str:
    if not native["available"]:
        return (
            f"Native login (kakaoLoginWithToken): not available in this build ({native['reason']})."
        )
    without, with_id = native["without_id_token"], native["with_id_token"]
    return (
        f"Calls to Kakao per native login (kakaoLoginWithToken): {without['kakao_calls']} "
        f"without an id_token (access_token_info and /v2/user/me), {with_id['kakao_calls']} "
        f"for a returning person with a valid id_token; for a new person "
        f"{without['kakao_calls_new_user']} without and {with_id['kakao_calls_new_user']} with "
        "an id_token (with an email, a first login needs the profile's verification flags)."
    )


def _validation_lines(ip: dict) -> list[str]:
    if "validation" not in ip:
        return ["Not measured in this run."]
    from bench.validation import markdown_lines

    return markdown_lines(ip["validation"])


def markdown(r: dict) -> str:
    ip, http, m = r["in_process"], r["http"], r["machine"]
    lite = http["sqlite_kakao_0ms"]
    oidc = ip["kakao_calls_with_oidc"]
    lines = [
        "# Benchmark results",
        "",
        f"{r['date']} · {m['cores']} cores, {m['memory_gib']} GiB · Python {m['python']} · "
        f"{r['server'].get('kind', 'gunicorn')} "
        f"{r['server'].get('workers', r['server'].get('gunicorn_workers'))}×"
        f"{r['server']['threads_per_worker']} · Kakao = local stand-in · "
        f"{r.get('wall_seconds', '?')} s"
        + (" · **BENCH_QUICK smoke run: sizes too small to quote**" if r["quick"] else ""),
        "",
        _machine_sentence(m),
        "",
        "## Server-side cost (in-process, PostgreSQL + Redis, Kakao's time excluded)",
        "",
        "| operation | runs | median ms | p95 ms | SQL queries (round trips, with BEGIN/COMMIT and the health check) | calls to Kakao |",
        "|---|---|---|---|---|---|",
    ]
    for name, key in (
        ("kakaoLogin, returning user", "returning_login"),
        ("kakaoLogin, new user", "new_login"),
        ("refreshToken", "refresh"),
        ("`me { id nickname }` with a Bearer token", "read"),
    ):
        if key not in ip:
            continue
        row = ip[key]
        lines.append(
            f"| {name} | {row['n']} | {row['median_ms']} | {row['p95_ms']} | "
            f"{_sql(row)} | {row.get('kakao_calls', 0)} |"
        )
    lines += _native_rows(ip["native_login"])
    lines += [
        "",
        f"Calls to Kakao per web login: {ip['returning_login']['kakao_calls']} with the profile "
        f"call; with a verified id_token (KAKAO_OIDC=1): {oidc['returning']} for a returning "
        f"user, {oidc['new_without_email']} for a new user without email, "
        f"{oidc['first_login_with_email']} for a first login with an email (it needs the "
        "verification flags) — the first of these also fetched the JWKS once.",
        "",
        _native_sentence(ip["native_login"]),
        "",
        "## Checking hostile GraphQL documents (in-process, uncached)",
        "",
        *_validation_lines(ip),
        "",
        "## Through the server over HTTP",
        "",
        "Server CPU per operation (the server's processes only, median of short windows under "
        f"load, Kakao at 0 ms; target for a returning login ≤ {CPU_TARGET_MS} ms):",
        "",
        "| database | per returning login | per refresh | per authenticated read |",
        "|---|---|---|---|",
    ]
    for key, label in DATABASES:
        run = http[key]
        lines.append(
            f"| {label} | {_cpu(run, 'logins')} ms | {_cpu(run, 'refreshes')} ms | "
            f"{_cpu(run, 'reads')} ms |"
        )
    lines += ["", "Sequential returning-user login, Kakao at 0 ms (round trip):", ""]
    for key, label in DATABASES:
        seq = http[key]["sequential_login"]
        lines.append(
            f"- {label}: median {seq['median_ms']} ms, p95 {seq['p95_ms']} ms "
            f"({seq['n']} runs, {seq['errors']} errors)"
        )
    lines += [
        "",
        "| database | load | Kakao latency | concurrency | per second | errors | server CPU ms/op |",
        "|---|---|---|---|---|---|---|",
    ]
    for key, label in (
        *DATABASES[:1],
        ("postgres_kakao_100ms", "PostgreSQL + Redis"),
        *DATABASES[1:],
    ):
        run = http[key]
        for kind in ("logins", "refreshes", "reads"):
            if kind not in run:
                continue
            row = run[kind]
            kinds = (
                f" ({', '.join(f'{k}: {v}' for k, v in row['error_kinds'].items())})"
                if row["errors"]
                else ""
            )
            lines.append(
                f"| {label} | {kind} | {run['kakao_latency_ms']} ms | {row['concurrency']} | "
                f"{row['per_second']} | {row['errors']}{kinds} | "
                f"{row['server_cpu_ms_per_op_median_of_windows']} |"
            )
    lines += [
        "",
        f"SQLite: {sqlite_errors(r)} errors in total (sequential and under load); the file "
        f"was left in journal mode `{lite.get('journal_mode')}`. Logins/s at 100 ms ÷ at "
        f"0 ms (PostgreSQL): {r['ratio_100ms_to_0ms']}. CPU-bound ceiling (cores ÷ server "
        f"CPU per login, PostgreSQL): {r['cpu_bound_ceiling_logins_per_second']} logins/s.",
        "",
        "## Refresh storm (many tabs, one refresh cookie)",
        "",
        "Each browser logs in, then in every round all its tabs refresh at the same moment "
        "with the same cookie; the browser keeps the last cookie it is sent. Afterwards each "
        "browser refreshes once more: its session is alive if that works.",
        "",
        "| database | browsers × tabs × rounds | refreshes | answered | failed | new tokens per round (max distinct) | sessions alive after |",
        "|---|---|---|---|---|---|---|",
    ]
    for key, label in DATABASES:
        s = http[key]["refresh_storm"]
        kinds = (
            f" ({', '.join(f'{k}: {v}' for k, v in s['error_kinds'].items())})"
            if s["failed"]
            else ""
        )
        lines.append(
            f"| {label} | {s['browsers']} × {s['tabs']} × {s['rounds']} | {s['refreshes']} | "
            f"{s['answered']} | {s['failed']}{kinds} | {s['max_distinct_tokens_per_round']} | "
            f"{s['sessions_alive_after']} of {s['browsers']} |"
        )
    lines += [
        "",
        "The load generator and the stand-in run on the same cores as the server, so the "
        "measured rates are lower than the ceiling; the CPU figures count the server's "
        "processes only.",
        "",
        "## Targets",
        "",
    ]
    for name, ok in r["targets"].items():
        verdict = "not available" if ok is None else "met" if ok else "MISSED"
        lines.append(f"- {verdict}: {name}")
    return "\n".join(lines) + "\n"


def chart(r: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    http, ip = r["http"], r["in_process"]
    pg0, pg100, lite = (
        http[k] for k in ("postgres_kakao_0ms", "postgres_kakao_100ms", "sqlite_kakao_0ms")
    )
    fig, (left, middle, right) = plt.subplots(1, 3, figsize=(15, 4.5))
    bars = {
        "PG logins\n0 ms": pg0["logins"]["per_second"],
        "PG logins\n100 ms": pg100["logins"]["per_second"],
        "PG refreshes\n0 ms": pg0["refreshes"]["per_second"],
        "SQLite logins\n0 ms": lite["logins"]["per_second"],
        "SQLite refr.\n0 ms": lite["refreshes"]["per_second"],
    }
    colors = ["#fee500", "#f5b700", "#8ecae6", "#d9d9a0", "#b8d8e6"]
    left.bar(list(bars), list(bars.values()), color=colors)
    left.set_ylabel("per second")
    left.set_title("Through the server (shared with load generator)")
    left.tick_params(axis="x", labelsize=8)
    for offset, (kind, color) in enumerate((("logins", "#fee500"), ("refreshes", "#8ecae6"))):
        positions = [i + (offset - 0.5) * 0.38 for i in range(len(DATABASES))]
        values = [_cpu(http[key], kind) or 0 for key, _ in DATABASES]
        label = "returning login" if kind == "logins" else "refresh"
        middle.bar(positions, values, width=0.38, color=color, label=label)
    middle.axhline(CPU_TARGET_MS, color="black", linestyle="--", linewidth=1, label="login target")
    middle.set_xticks(range(len(DATABASES)), [label for _, label in DATABASES], fontsize=8)
    middle.set_ylabel("ms of server CPU per operation")
    middle.set_title("Server CPU per operation (Kakao at 0 ms)")
    middle.legend(fontsize=8)
    names, keys = (
        ["returning\nlogin", "new\nlogin", "refresh"],
        ["returning_login", "new_login", "refresh"],
    )
    medians = [ip[k]["median_ms"] for k in keys]
    p95s = [ip[k]["p95_ms"] for k in keys]
    native = ip["native_login"]
    if native["available"]:
        for name, key in (
            ("native\nno id_token", "without_id_token"),
            ("native\nid_token", "with_id_token"),
        ):
            names.append(name)
            medians.append(native[key]["median_ms"])
            p95s.append(native[key]["p95_ms"])
    right.bar(names, medians, color="#fee500", label="median")
    right.scatter(names, p95s, color="black", zorder=3, label="p95")
    right.set_ylabel("ms of server time (Kakao excluded)")
    right.set_title("Server-side cost per request")
    right.tick_params(axis="x", labelsize=8)
    right.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
