#!/bin/sh
# Run feedmill end to end on the bundled sample feeds, offline:
# a Hexo site skeleton plus one post per sample item in ./demo-site (or the
# folder named), in the folder it is run from.
set -eu
. "$(dirname "$0")/lib.sh"
ensure_venv
exec "$VENV/bin/feedmill" demo "${1:-demo-site}"
