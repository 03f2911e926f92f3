"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py backend.wsgi`.

gthread workers: a login spends most of its time waiting on Kakao (two HTTPS
calls), so each worker process runs several threads and a thread waiting on
Kakao does not block the others. One process per core, threads for the waiting.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
threads = int(os.environ.get("GUNICORN_THREADS", "16"))
# Kakao calls are bounded by KAKAO_TIMEOUT_SECONDS; nothing legitimate takes 30 s.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
max_requests = 20000
max_requests_jitter = 2000
backlog = 2048
preload_app = True
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None
errorlog = "-"
# Path without the query string, and the request id the app put on the response.
access_log_format = (
    '{"ts":"%(t)s","access":"%(m)s %(U)s","status":%(s)s,"bytes":%(B)s,'
    '"ms":%(M)s,"request_id":"%({x-request-id}o)s"}'
)
# X-Forwarded-* are trusted only from the proxies named here (default: none but localhost).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
