"""The side-by-side comparison (bench/compare.py) as targets and Markdown."""

from __future__ import annotations

KINDS = (("sqlite", "SQLite + local memory"), ("postgres", "PostgreSQL + Redis"))
# Server CPU per operation, head ÷ base: the targets of issue 17.
CPU_TARGETS = {
    "read": (0.5, "authenticated read, `me { id nickname }` with a Bearer token"),
    "refresh": (0.7, "refreshToken (rotation)"),
    "login": (0.8, "returning login, code flow (kakaoLogin)"),
    "native_login": (0.8, "returning login, SDK token (kakaoLoginWithToken)"),
    "first_login": (1.0, "first login (creates the user)"),
    "sessions": (1.0, "`me { sessions { id current } }`"),
    "forged_token": (1.0, "error: a forged access token (INVALID_TOKEN)"),
    "unknown_refresh": (1.0, "error: an unknown refresh token (INVALID_REFRESH_TOKEN)"),
    "bad_code": (1.0, "error: a bad code (INVALID_CODE, one call to Kakao)"),
}


def targets(summary: dict) -> dict[str, bool]:
    result: dict[str, bool] = {}
    for kind, s in summary.items():
        for op, (target, _) in CPU_TARGETS.items():
            if op not in s["cpu_ms_per_op"]:
                continue
            ratio = s["cpu_ms_per_op"][op]["ratio"]
            result[f"{kind}: {op} CPU ≤ {target}× base"] = ratio is not None and ratio <= target
            result[f"{kind}: {op} no errors"] = s["cpu_ms_per_op"][op]["errors"]["head"] == 0
        for latency, builds in s["scaling"].items():
            ratio = builds["head"]
            result[f"{kind}: logins/s at c32 ≥ at c8, Kakao {latency}"] = (
                ratio is not None and ratio >= 1
            )
        storm = s["storm"]
        result[f"{kind}: refresh storm all answered, one token per round, sessions alive"] = (
            storm["failed"] == storm["setup_failures"] == 0
            and storm["max_distinct_tokens_per_round"] == 1
            and storm["sessions_alive_after"] == storm["browsers"]
        )
    return result


def _loads(values: list[float]) -> str:
    return f"{min(values):.1f}–{max(values):.1f}"


def _served(r: dict) -> list[str]:
    """Which server each build ran under: the CPU figures are its processes'."""
    served = r.get("servers")
    if not served:
        return []
    return [
        f"Each build served as its `make serve` serves it: base by {served['base']}, head by "
        f"{served['head']} (2 processes × 16 threads each).",
        "",
    ]


def _rates(rows: dict, scaling: dict) -> list[str]:
    lines = [
        "| Kakao latency | concurrency | base /s | head /s | head ÷ base | errors (base/head) |",
        "|---|---|---|---|---|---|",
    ]
    for phase, row in rows.items():
        latency, concurrency = phase.split("_")
        lines.append(
            f"| {latency} | {concurrency[1:]} | {row['base_median']} | {row['head_median']} | "
            f"{row['ratio']} | {row['errors']['base']}/{row['errors']['head']} |"
        )
    lines.append("")
    for latency, builds in scaling.items():
        lines.append(
            f"- Kakao at {latency}: logins/s at c32 ÷ at c8, median of the rounds' ratios: "
            f"base {builds['base']}, head **{builds['head']}**"
        )
    return lines


def _logins(s: dict) -> list[str]:
    """Logins per second: on split CPUs (the target) and, for the record, on shared ones."""
    if not s["logins_per_second"]:
        return []
    lines = [
        "",
        "Returning logins per second (code flow), median of the rounds; concurrency 8 and 32 "
        f"back to back in each round. CPUs: {s['cores']} (bench/cores.py).",
        "",
        *_rates(s["logins_per_second"], s["scaling"]),
    ]
    if s["logins_per_second_shared_cpus"]:
        lines += [
            "",
            "The same at 0 ms with every process on every CPU, the load generator and the "
            "stand-in competing with the server (for the record, not a target):",
            "",
            *_rates(s["logins_per_second_shared_cpus"], s["scaling_shared_cpus"]),
        ]
    return lines


def markdown(r: dict) -> str:
    m = r["machine"]
    lines = [
        f"# Side by side: {r['base']} (base) and {r['head']} (head)",
        "",
        f"{r['date']} · {m['cores']} cores · {r['rounds']} rounds of {r['phase_seconds']} s per "
        f"phase, builds alternating · CPU phases at concurrency {r['concurrency']} · "
        f"{r['wall_seconds']} s"
        + (" · **BENCH_QUICK smoke run: sizes too small to quote**" if r["quick"] else ""),
        "",
        *_served(r),
        "Machine speed, a fixed pure-Python workload (lower is faster): "
        f"{m['before']['reference_cpu_ms']} ms before, {m['after']['reference_cpu_ms']} ms after; "
        f"load average {m['before']['load_average'][0]:.1f} before, "
        f"{m['after']['load_average'][0]:.1f} after. Each row gives the range of load averages "
        "seen during its phases. Absolute figures move with the load; the ratios, taken "
        "between phases run back to back, are what to read.",
        "",
    ]
    for kind, label in KINDS:
        if kind not in r["summary"]:
            continue
        s = r["summary"][kind]
        lines += [
            f"## {label}",
            "",
            "Server CPU per operation (the server's processes only), median of the rounds:",
            "",
            "| operation | base ms | head ms | head ÷ base | target | errors (base/head) | load |",
            "|---|---|---|---|---|---|---|",
        ]
        for op, (target, label_op) in CPU_TARGETS.items():
            if op not in s["cpu_ms_per_op"]:
                continue
            row = s["cpu_ms_per_op"][op]
            lines.append(
                f"| {label_op} | {row['base_median']} | {row['head_median']} | "
                f"**{row['ratio']}** | ≤ {target} | {row['errors']['base']}/{row['errors']['head']}"
                f" | {_loads(row['load_averages'])} |"
            )
        lines += _logins(s)
        st = s["storm"]
        lines += [
            "",
            f"Refresh storm on head: {st['browsers']} browsers × {st['tabs']} tabs × "
            f"{st['rounds']} rounds, {st['refreshes']} refreshes: {st['answered']} answered, "
            f"{st['failed']} failed, at most {st['max_distinct_tokens_per_round']} new token per "
            f"round, {st['sessions_alive_after']} of {st['browsers']} sessions alive after.",
            "",
        ]
    lines += ["## Targets", ""]
    for name, ok in r["targets"].items():
        lines.append(f"- {'met' if ok else 'MISSED'}: {name}")
    return "\n".join(lines) + "\n"
