"""The Grafana dashboard over this backend's metrics, and a picture of it.

    python scripts/dashboard.py json      # writes docs/grafana-dashboard.json
    python scripts/dashboard.py picture   # a scripted run, then docs/img/grafana-dashboard.png

The panels are defined once, here. Grafana is not packaged for Debian, so the picture is
not a Grafana screenshot: ``picture`` runs a real gunicorn (2 workers) scraped by a real
Prometheus (Debian's ``prometheus`` package) through a scripted few minutes of traffic and
accidents (``scripts/dashboard_run.py``), asks Prometheus for each panel's own PromQL over
the run (``query_range``), and draws the panels with matplotlib in the dashboard's layout.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
logger = logging.getLogger("dashboard")
JSON_PATH = ROOT / "docs" / "grafana-dashboard.json"
PICTURE_PATH = ROOT / "docs" / "img" / "grafana-dashboard.png"

RATE = "$__rate_interval"
# (title, kind, unit, (x, y, w, h), [(PromQL, legend)])
PANELS = [
    (
        "Sign-ins per second by outcome",
        "timeseries",
        "reqps",
        (0, 0, 12, 8),
        [(f"sum by (outcome) (rate(auth_logins_total[{RATE}]))", "{{outcome}}")],
    ),
    (
        "Successful sign-ins by method",
        "timeseries",
        "reqps",
        (12, 0, 6, 8),
        [(f'sum by (method) (rate(auth_logins_total{{outcome="ok"}}[{RATE}]))', "{{method}}")],
    ),
    (
        "Refused sign-ins (share)",
        "timeseries",
        "percentunit",
        (18, 0, 6, 8),
        [
            (
                f'sum(rate(auth_logins_total{{outcome!="ok"}}[{RATE}])) '
                f"/ clamp_min(sum(rate(auth_logins_total[{RATE}])), 1e-9)",
                "refused",
            )
        ],
    ),
    (
        "Refreshes per second by outcome",
        "timeseries",
        "reqps",
        (0, 8, 12, 8),
        [(f"sum by (outcome) (rate(auth_refreshes_total[{RATE}]))", "{{outcome}}")],
    ),
    (
        "Sessions ended per second by cause",
        "timeseries",
        "reqps",
        (12, 8, 12, 8),
        [(f"sum by (cause) (rate(auth_sessions_ended_total[{RATE}]))", "{{cause}}")],
    ),
    (
        "Kakao requests per second by endpoint and status",
        "timeseries",
        "reqps",
        (0, 16, 12, 8),
        [
            (
                f"sum by (endpoint, status) (rate(kakao_api_requests_total[{RATE}]))",
                "{{endpoint}} {{status}}",
            )
        ],
    ),
    (
        "Kakao answer time, p95 by endpoint",
        "timeseries",
        "s",
        (12, 16, 12, 8),
        [
            (
                "histogram_quantile(0.95, sum by (le, endpoint) "
                f"(rate(kakao_api_request_duration_seconds_bucket[{RATE}])))",
                "{{endpoint}}",
            )
        ],
    ),
    (
        "GraphQL requests refused per second by reason",
        "timeseries",
        "reqps",
        (0, 24, 12, 8),
        [(f"sum by (reason) (rate(graphql_requests_refused_total[{RATE}]))", "{{reason}}")],
    ),
    (
        "Cache degraded (any worker)",
        "timeseries",
        "short",
        (12, 24, 4, 8),
        [("max(cache_degraded)", "degraded")],
    ),
    (
        "Database unavailable (503s)",
        "timeseries",
        "short",
        (16, 24, 4, 8),
        [(f"sum(increase(database_unavailable_total[{RATE}]))", "503s")],
    ),
    (
        "Refresh-token replays in range",
        "stat",
        "short",
        (20, 24, 4, 8),
        [('sum(increase(auth_refreshes_total{outcome="replay"}[$__range]))', "replays")],
    ),
]


def dashboard() -> dict:
    """The dashboard as Grafana imports it (pick the Prometheus data source on import)."""
    source = {"type": "prometheus", "uid": "${DS_PROMETHEUS}"}
    panels = []
    for number, (title, kind, unit, (x, y, w, h), targets) in enumerate(PANELS, start=1):
        panel = {
            "id": number,
            "type": kind,
            "title": title,
            "datasource": source,
            "gridPos": {"x": x, "y": y, "w": w, "h": h},
            "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
            "targets": [
                {"refId": chr(65 + i), "datasource": source, "expr": expr, "legendFormat": legend}
                for i, (expr, legend) in enumerate(targets)
            ],
        }
        if kind == "timeseries":
            panel["options"] = {"legend": {"displayMode": "list", "placement": "bottom"}}
        else:
            panel["options"] = {"reduceOptions": {"calcs": ["lastNotNull"]}, "colorMode": "value"}
        panels.append(panel)
    return {
        "__inputs": [
            {
                "name": "DS_PROMETHEUS",
                "label": "Prometheus",
                "type": "datasource",
                "pluginId": "prometheus",
                "pluginName": "Prometheus",
            }
        ],
        "title": "Kakao login backend",
        "uid": "kakao-login-backend",
        "description": "Sign-ins, refreshes, sessions, Kakao, refusals and dependencies "
        "(README: Metrics). Generated by scripts/dashboard.py.",
        "tags": ["kakao-login", "auth"],
        "timezone": "browser",
        "schemaVersion": 39,
        "version": 1,
        "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "templating": {"list": []},
        "annotations": {"list": []},
        "panels": panels,
    }


def write_json() -> None:
    JSON_PATH.write_text(json.dumps(dashboard(), indent=2, ensure_ascii=False) + "\n")
    logger.info("wrote %s", JSON_PATH.relative_to(ROOT))


def picture() -> None:
    sys.path.insert(0, str(ROOT))
    from scripts.dashboard_run import scripted_run

    with scripted_run() as prometheus:
        series = [
            [(legend, prometheus.query_range(expr), expr) for expr, legend in targets]
            for _, _, _, _, targets in PANELS
        ]
        draw(series, prometheus.window)
    logger.info("wrote %s", PICTURE_PATH.relative_to(ROOT))


def draw(series: list, window: tuple[float, float]) -> None:
    """The panels in the dashboard's 24-column grid, Grafana's dark colours."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.style.use("dark_background")
    figure = plt.figure(figsize=(24, 16), facecolor="#111217")
    start, end = window
    figure.suptitle(
        f"Kakao login backend — scripted run, {datetime.fromtimestamp(start, UTC):%Y-%m-%d} "
        f"({(end - start) / 60:.0f} min; Prometheus query_range of each panel's PromQL)",
        color="#ccccdc",
        fontsize=15,
    )
    rows = 32
    for (title, kind, unit, (x, y, w, h), _), panel in zip(PANELS, series, strict=True):
        ax = figure.add_axes(
            [
                x / 24 + 0.024,  # room for the y-axis labels
                1 - (y + h) / rows * 0.95 - 0.035,
                w / 24 - 0.03,
                h / rows * 0.95 - 0.035,
            ]
        )
        ax.set_facecolor("#181b1f")
        ax.set_title(title, loc="left", color="#ccccdc", fontsize=11)
        if kind == "stat":
            total = sum(values[-1][1] for _, lines, _ in panel for _, values in lines if values)
            ax.text(
                0.5, 0.45, f"{total:.0f}", ha="center", va="center", fontsize=54, color="#f2495c"
            )
            ax.set_xticks([])
            ax.set_yticks([])
            continue
        for legend, lines, _ in panel:
            for labels, values in lines:
                if not values:
                    continue
                name = _legend(legend, labels)
                ax.plot(
                    [(t - start) / 60 for t, _ in values],
                    [v for _, v in values],
                    label=name,
                    linewidth=1.6,
                )
        ax.set_xlim(0, (end - start) / 60)
        ax.set_xlabel("minutes into the run", fontsize=8, color="#8e8e8e")
        ax.tick_params(labelsize=8, colors="#8e8e8e")
        ax.grid(color="#2c3235", linewidth=0.6)
        if unit == "percentunit":
            ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7, loc="upper left", ncol=2, framealpha=0.4)
    PICTURE_PATH.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(PICTURE_PATH, dpi=70, facecolor=figure.get_facecolor())


def _legend(template: str, labels: dict[str, str]) -> str:
    for key, value in labels.items():
        template = template.replace("{{" + key + "}}", value)
    return template


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    {"json": write_json, "picture": picture}[sys.argv[1] if len(sys.argv) > 1 else "json"]()
