#!/bin/sh
# The whole test suite: lint, types, unit and integration tests, real Hexo 8
# builds and the headless-browser test. Extra arguments go to pytest.
set -eu
. "$(dirname "$0")/lib.sh"
cd "$ROOT"
./scripts/system-deps.sh
ensure_venv test

# Hexo 8 for the build tests, pinned by tests/hexo/package-lock.json.
if [ ! -f tests/hexo/node_modules/.package-lock.json ] ||
  [ tests/hexo/package-lock.json -nt tests/hexo/node_modules/.package-lock.json ]; then
  command -v npm >/dev/null || { echo "npm (Node.js 20+) is required for the Hexo tests" >&2; exit 1; }
  (cd tests/hexo && npm ci --no-audit --no-fund --loglevel=error)
fi

"$VENV/bin/ruff" check src tests benchmarks
"$VENV/bin/ruff" format --check src tests benchmarks
"$VENV/bin/mypy"
exec "$VENV/bin/pytest" -n auto "$@"
