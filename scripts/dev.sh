#!/usr/bin/env bash
# `make run`: the backend, a local Kakao stand-in and (with Node) the Apollo example,
# together on one machine, on SQLite with DEBUG on. Ctrl-C stops all of them.
# With KAKAO_AUTH_URL set in the environment, the real Kakao (or yours) is used and
# no stand-in is started.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
API_PORT=${PORT:-8000}
STANDIN_PORT=${STANDIN_PORT:-8001}
APP_PORT=${APP_PORT:-5173}

export DJANGO_DEBUG=${DJANGO_DEBUG:-1}
export KAKAO_REST_API_KEY=${KAKAO_REST_API_KEY:-dev-rest-api-key}
export KAKAO_REDIRECT_URIS=${KAKAO_REDIRECT_URIS:-http://localhost:$APP_PORT/oauth/kakao/callback,http://localhost:3000/oauth/kakao/callback}
export CORS_ALLOWED_ORIGINS=${CORS_ALLOWED_ORIGINS:-http://localhost:$APP_PORT,http://localhost:3000}
use_standin=0
if [ -z "${KAKAO_AUTH_URL:-}" ]; then
  use_standin=1
  export KAKAO_AUTH_URL=http://localhost:$STANDIN_PORT KAKAO_API_URL=http://localhost:$STANDIN_PORT
fi

pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

"$PY" manage.py migrate --noinput -v 0
if [ "$use_standin" = 1 ]; then
  "$PY" manage.py kakao_standin --host 127.0.0.1 --port "$STANDIN_PORT" &
  pids+=($!)
fi
"$PY" manage.py runserver "127.0.0.1:$API_PORT" &
pids+=($!)

app=""
if command -v npm >/dev/null 2>&1; then
  (cd examples/apollo && { [ -d node_modules ] || npm ci --no-audit --no-fund --silent; } \
    && VITE_GRAPHQL_URL="http://localhost:$API_PORT/graphql" \
       exec npx vite --port "$APP_PORT" --strictPort) &
  pids+=($!)
  app="http://localhost:$APP_PORT"
fi

sleep 2
echo
echo "  API + GraphiQL   http://localhost:$API_PORT/graphql"
[ "$use_standin" = 1 ] && echo "  Kakao stand-in   http://localhost:$STANDIN_PORT  (a fake Kakao; pick any test identity)"
[ -n "$app" ] && echo "  Example app      $app   ← open this and press 'Login with Kakao'"
[ -z "$app" ] && echo "  (install Node.js to also run the example app in examples/apollo)"
echo "  Ctrl-C stops everything."
echo
wait -n "${pids[@]}"
