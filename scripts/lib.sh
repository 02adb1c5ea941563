# Shared by scripts/*.sh: a project virtualenv that follows pyproject.toml.
# shellcheck shell=sh

ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV="$ROOT/.venv"

pick_python() {
  for candidate in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  echo "feedmill needs Python 3.11 or newer (set PYTHON=/path/to/python3.11)" >&2
  return 1
}

# ensure_venv [EXTRAS]: (re)install the project when pyproject.toml changes.
ensure_venv() {
  extras=${1:-}
  target="$ROOT"
  [ -z "$extras" ] || target="$ROOT[$extras]"
  stamp="$VENV/.feedmill-${extras:-base}"
  if [ ! -x "$VENV/bin/python" ]; then
    python=$(pick_python)
    "$python" -m venv "$VENV"
  fi
  if [ ! -f "$stamp" ] || [ "$ROOT/pyproject.toml" -nt "$stamp" ]; then
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet -e "$target"
    touch "$stamp"
  fi
}
