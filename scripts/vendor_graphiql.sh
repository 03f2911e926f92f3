#!/usr/bin/env bash
# Copies GraphiQL's browser assets from pinned npm packages into schema/static/graphiql/,
# so that GraphiQL works offline and under a strict Content-Security-Policy.
# The versions are the ones graphene-django's GraphQLView pins (and whose SRI hashes
# tests/test_graphiql.py checks); run this again after upgrading graphene-django.
set -euo pipefail
cd "$(dirname "$0")/.."
out=schema/static/graphiql
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm init -y >/dev/null && npm install --no-audit --no-fund --silent \
  graphiql@2.4.7 react@17.0.2 react-dom@17.0.2 whatwg-fetch@3.6.2 graphql-ws@5.13.1 \
  @graphiql/plugin-explorer@0.1.15)
m="$work/node_modules"
rm -rf "$out" && mkdir -p "$out/licenses"
cp "$m/graphiql/graphiql.min.js" "$m/graphiql/graphiql.min.css" "$out/"
cp "$m/react/umd/react.production.min.js" "$m/react-dom/umd/react-dom.production.min.js" "$out/"
cp "$m/whatwg-fetch/dist/fetch.umd.js" "$m/graphql-ws/umd/graphql-ws.min.js" "$out/"
cp "$m/@graphiql/plugin-explorer/dist/graphiql-plugin-explorer.umd.js" "$out/"
cp "$m/@graphiql/plugin-explorer/dist/style.css" "$out/graphiql-plugin-explorer.css"
for pkg in graphiql react react-dom whatwg-fetch graphql-ws; do
  cp "$m/$pkg"/LICENSE* "$out/licenses/$pkg.LICENSE"
done
# @graphiql/plugin-explorer ships no LICENSE file; package.json says MIT, and it is
# part of the GraphiQL monorepo, whose licence is GraphiQL's.
{ echo "@graphiql/plugin-explorer: $(node -p "require('$m/@graphiql/plugin-explorer/package.json').license")"
  echo "(from the GraphiQL monorepo; its licence text follows)"; echo
  cat "$m/graphiql/LICENSE"; } > "$out/licenses/plugin-explorer.LICENSE"
echo "GraphiQL assets written to $out"
