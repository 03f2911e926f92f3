#!/usr/bin/env bash
# `make run`: the backend, a local Kakao stand-in and (with Node) the Apollo example,
# together on one machine, on SQLite with DEBUG on. Ctrl-C (or a SIGTERM to this
# script alone) stops all of them.
# With KAKAO_AUTH_URL set in the environment, the real Kakao (or yours) is used and
# no stand-in is started. RUN_APP=0 skips the example app.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
API_PORT=${PORT:-8000}
STANDIN_PORT=${STANDIN_PORT:-8001}
APP_PORT=${APP_PORT:-5173}
START_TIMEOUT=${START_TIMEOUT:-60}
if [ -z "${RUN_APP:-}" ]; then
  RUN_APP=0
  if command -v npm >/dev/null 2>&1; then
    # Vite 8 needs Node ^20.19 or >= 22.12; an older Node skips the app, not everything.
    if node -e 'const [a, b] = process.versions.node.split(".").map(Number);
        process.exit((a === 20 && b >= 19) || (a === 22 && b >= 12) || a > 22 ? 0 : 1)'; then
      RUN_APP=1
    else
      echo "Node.js $(node --version) is too old for the example app (Vite 8 needs 20.19+ or 22.12+); starting without it" >&2
    fi
  fi
fi

# Both spellings of the app's origin: a browser treats localhost and 127.0.0.1 as
# different origins, and the redirect URI follows the origin the app was opened on.
app_origins="http://localhost:$APP_PORT,http://127.0.0.1:$APP_PORT"
callback=/oauth/kakao/callback
# GraphiQL's own callback (DEBUG only), where a sign-in from GraphiQL comes back.
graphiql_callbacks="http://localhost:$API_PORT/graphiql/callback,http://127.0.0.1:$API_PORT/graphiql/callback"
export DJANGO_DEBUG=${DJANGO_DEBUG:-1}
export KAKAO_REST_API_KEY=${KAKAO_REST_API_KEY:-dev-rest-api-key}
export KAKAO_REDIRECT_URIS=${KAKAO_REDIRECT_URIS:-http://localhost:$APP_PORT$callback,http://127.0.0.1:$APP_PORT$callback,http://localhost:3000$callback,http://127.0.0.1:3000$callback,$graphiql_callbacks}
export CORS_ALLOWED_ORIGINS=${CORS_ALLOWED_ORIGINS:-$app_origins,http://localhost:3000,http://127.0.0.1:3000}
# Where "Log out of Kakao too" comes back to: the app's front page, on either spelling.
export KAKAO_LOGOUT_REDIRECT_URIS=${KAKAO_LOGOUT_REDIRECT_URIS:-http://localhost:$APP_PORT/,http://127.0.0.1:$APP_PORT/}
use_standin=0
if [ -z "${KAKAO_AUTH_URL:-}" ]; then
  use_standin=1
  # 127.0.0.1, the stand-in's own address: it is also the issuer of its id_tokens.
  export KAKAO_AUTH_URL=http://127.0.0.1:$STANDIN_PORT KAKAO_API_URL=http://127.0.0.1:$STANDIN_PORT
  # The stand-in's app: its id, admin key and native app key (an id_token audience).
  native_app_key=${KAKAO_NATIVE_APP_KEY:-dev-native-app-key}
  export KAKAO_APP_ID=${KAKAO_APP_ID:-1000001}
  export KAKAO_ADMIN_KEY=${KAKAO_ADMIN_KEY:-dev-admin-key}
  export KAKAO_ID_TOKEN_AUDIENCES=${KAKAO_ID_TOKEN_AUDIENCES:-$native_app_key,$KAKAO_REST_API_KEY}
  # A Kakao Sync app: sign-up shows these terms on the consent page; the backend
  # refuses a sign-in without the required ones.
  service_terms=tos:required,privacy:required,marketing:optional
  export KAKAO_REQUIRED_SERVICE_TERMS=${KAKAO_REQUIRED_SERVICE_TERMS:-tos,privacy}
fi

# Every port is checked before anything starts, so a clash is one clear line.
ports=("$API_PORT PORT")
[ "$use_standin" = 1 ] && ports+=("$STANDIN_PORT STANDIN_PORT")
[ "$RUN_APP" = 1 ] && ports+=("$APP_PORT APP_PORT")
"$PY" - "${ports[@]}" <<'EOF'
import socket
import sys

for entry in sys.argv[1:]:
    port, variable = entry.split()
    with socket.socket() as sock:
        # SO_REUSEADDR, like the servers: a closed connection in TIME_WAIT is no clash.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", int(port)))
        except OSError:
            sys.exit(f"port {port} is in use (set {variable}=… to use another)")
EOF

# Each server starts in a process group of its own (its pid is the group's id), so
# stopping the group also stops what it started: runserver's reloader, npx → node →
# esbuild. Stdin is /dev/null: Ctrl-C reaches this script, which stops the groups.
groups=()
start() {
  "$PY" -c 'import os, sys; os.setpgid(0, 0); os.execvp(sys.argv[1], sys.argv[1:])' "$@" \
    </dev/null &
  groups+=($!)
}
stop() {
  trap - INT TERM EXIT
  local group alive
  # The pid too: a child stopped before its setpgid ran has no group of its own yet.
  for group in ${groups[@]+"${groups[@]}"}; do kill -TERM -- "-$group" "$group" 2>/dev/null || true; done
  for _ in $(seq 50); do
    alive=0
    for group in ${groups[@]+"${groups[@]}"}; do kill -0 -- "-$group" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for group in ${groups[@]+"${groups[@]}"}; do kill -KILL -- "-$group" "$group" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM
trap stop EXIT

"$PY" manage.py migrate --noinput -v 0
# npm ci when node_modules is missing or older than the lockfile (after a pull).
if [ "$RUN_APP" = 1 ] && ! [ examples/apollo/node_modules/.package-lock.json -nt examples/apollo/package-lock.json ]; then
  (cd examples/apollo && npm ci --no-audit --no-fund --silent)
fi

# Name, URL that answers once it is up.
waiting=("the API|http://127.0.0.1:$API_PORT/healthz")
if [ "$use_standin" = 1 ]; then
  # The admin key reaches it through KAKAO_ADMIN_KEY (its default), never on a command
  # line that `ps` shows.
  start "$PY" manage.py kakao_standin --host 127.0.0.1 --port "$STANDIN_PORT" \
    --app-id "$KAKAO_APP_ID" --native-app-key "$native_app_key" \
    --unlink-callback-url "http://localhost:$API_PORT/kakao/unlink-callback" \
    --service-terms "$service_terms" --logout-redirect-uris "$KAKAO_LOGOUT_REDIRECT_URIS"
  waiting+=("the Kakao stand-in|http://127.0.0.1:$STANDIN_PORT/")
fi
start "$PY" manage.py runserver "127.0.0.1:$API_PORT"
if [ "$RUN_APP" = 1 ]; then
  # 127.0.0.1 explicitly: Node may bind "localhost" to ::1 only, and then
  # http://127.0.0.1:$APP_PORT would not answer.
  VITE_GRAPHQL_URL="http://localhost:$API_PORT/graphql" start sh -c \
    'cd examples/apollo && exec npx vite --host 127.0.0.1 --port "$1" --strictPort' vite "$APP_PORT"
  waiting+=("the example app|http://127.0.0.1:$APP_PORT/")
fi

# The banner only once every server answers; one that does not within the time
# limit, or that exits, stops everything.
deadline=$((SECONDS + START_TIMEOUT))
while [ "${#waiting[@]}" -gt 0 ]; do
  for group in "${groups[@]}"; do
    if ! kill -0 "$group" 2>/dev/null; then
      echo "a server exited while starting (see its output above); stopping" >&2
      exit 1
    fi
  done
  if [ "$SECONDS" -ge "$deadline" ]; then
    names=("${waiting[@]%%|*}")
    echo "$(IFS=,; echo "${names[*]}" | sed 's/,/, /g') did not answer within ${START_TIMEOUT} s; stopping" >&2
    exit 1
  fi
  # What still does not answer (any HTTP status counts as an answer).
  mapfile -t waiting < <("$PY" - "${waiting[@]}" <<'EOF'
import signal
import sys
import urllib.error
import urllib.request

signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C: this script stops everything
for entry in sys.argv[1:]:
    url = entry.split("|", 1)[1]
    try:
        urllib.request.urlopen(url, timeout=1).close()  # noqa: S310 (our own URLs)
    except urllib.error.HTTPError:
        pass
    except OSError:
        print(entry)
EOF
  )
  [ "${#waiting[@]}" -gt 0 ] && sleep 0.5
done

echo
echo "  API + GraphiQL   http://localhost:$API_PORT/graphql  (a tour of the API; sign in from there too)"
[ "$use_standin" = 1 ] && echo "  Kakao stand-in   http://localhost:$STANDIN_PORT  (a fake Kakao; pick any test identity)"
if [ "$RUN_APP" = 1 ]; then
  echo "  Example app      http://localhost:$APP_PORT   ← open this and press 'Login with Kakao'"
elif ! command -v npm >/dev/null 2>&1; then
  echo "  (install Node.js to also run the example app in examples/apollo)"
fi
echo "  Ctrl-C stops everything."
echo
wait -n
