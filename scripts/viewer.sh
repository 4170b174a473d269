#!/usr/bin/env bash
# Build whatever is missing and serve the in-browser log viewer on localhost.
#
#   scripts/viewer.sh [--port N] [--build-only] [--rebuild]
#
#   1. pkg/ (the npm package: scripts/build-wasm.sh) when it is missing;
#   2. viewer/node_modules (npm ci from viewer/package-lock.json) when missing or stale;
#   3. viewer/dist (npm run build) when missing, older than its sources or the package, or --rebuild;
#   4. serves viewer/dist on http://127.0.0.1:PORT/ (never another interface) and prints the URL.
#
# viewer/dist is a static folder with relative asset paths: copy it anywhere (any static host, a
# file share, an S3 bucket website) and open index.html over http(s).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VIEWER="$ROOT/viewer"
PORT="${PORT:-8377}"
BUILD_ONLY=0
REBUILD=0
while [ $# -gt 0 ]; do
  case "$1" in
    --port) PORT="$2"; shift 2 ;;
    --build-only) BUILD_ONLY=1; shift ;;
    --rebuild) REBUILD=1; shift ;;
    -h | --help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "viewer.sh: unknown argument: $1" >&2; exit 64 ;;
  esac
done

say() { printf 'viewer: %s\n' "$*"; }

command -v node >/dev/null || { echo "viewer.sh: node not found: install Node.js >= 20.19" >&2; exit 1; }

# 1. the npm package
if [ ! -f "$ROOT/pkg/package.json" ] || [ ! -f "$ROOT/pkg/s3norm_bg.wasm" ]; then
  say "building the npm package (scripts/build-wasm.sh)"
  "$ROOT/scripts/build-wasm.sh"
fi

# 2. the viewer's npm packages, from the lockfile (a stamp records which lockfile installed them)
lock_sum="$(sha256sum "$VIEWER/package-lock.json" | cut -d' ' -f1)"
stamp="$VIEWER/node_modules/.s3norm-lock.sha256"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock_sum" ] && [ -e "$VIEWER/node_modules/s3norm" ]; then
  say "npm packages: present"
else
  say "npm packages: npm ci"
  (cd "$VIEWER" && npm ci --no-audit --no-fund)
  printf '%s\n' "$lock_sum" > "$stamp"
fi

# 3. the static build
stale() {
  [ "$REBUILD" = 1 ] && return 0
  [ -f "$VIEWER/dist/index.html" ] || return 0
  [ -n "$(find "$VIEWER/src" "$VIEWER/index.html" "$VIEWER/public" "$VIEWER/vite.config.ts" "$VIEWER/package-lock.json" \
    "$ROOT/pkg/s3norm_bg.wasm" "$ROOT/pkg/web.mjs" -newer "$VIEWER/dist/index.html" -print -quit)" ]
}
if stale; then
  say "building viewer/dist (npm run build)"
  (cd "$VIEWER" && npm run --silent build)
else
  say "viewer/dist: up to date"
fi
say "bundle: $(du -sh "$VIEWER/dist" | cut -f1) in viewer/dist ($(find "$VIEWER/dist" -type f | wc -l) files)"

[ "$BUILD_ONLY" = 1 ] && exit 0

# 4. serve (127.0.0.1 only)
exec node "$VIEWER/serve.mjs" --port "$PORT"
