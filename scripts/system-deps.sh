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

[ -n "$need" ] || exit 0
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
