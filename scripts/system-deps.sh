#!/bin/sh
# System packages the test suite needs, from Debian's archive, installed only
# when missing: Node.js and npm (Hexo), Chromium (the browser test) with a CJK
# font (readable screenshots), and the PostgreSQL server (the PostgreSQL test).
set -eu

need=""
command -v node >/dev/null 2>&1 || need="$need nodejs"
command -v npm >/dev/null 2>&1 || need="$need npm"
command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || need="$need chromium"
fc-list 2>/dev/null | grep -qi "wqy\|noto sans cjk" || need="$need fonts-wqy-zenhei"
command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need="$need postgresql"

node_new_enough() {
  # Hexo 8 asks for Node.js 20.19 or newer (its package.json "engines").
  node -e 'const [major, minor] = process.versions.node.split(".").map(Number);
    process.exit(major > 20 || (major === 20 && minor >= 19) ? 0 : 1)'
}

check_node() {
  if ! node_new_enough; then
    echo "Node.js $(node --version) is too old for Hexo 8, which needs 20.19 or newer" \
      "(Debian 12's own package is 18): install a newer one, then run the tests again" >&2
    exit 1
  fi
}

if [ -z "$need" ]; then
  check_node
  exit 0
fi
if [ "$(id -u)" = 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1; then
  SUDO="sudo"
else
  echo "missing system packages:$need (install them, then run the tests again)" >&2
  exit 1
fi
echo "installing:$need"
$SUDO apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $need >/dev/null
check_node
