#!/usr/bin/env bash
# Install Debian packages the project needs when they are missing (root only).
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then
    echo "Please install: $* (e.g. sudo apt-get install -y $*)" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "$@" >/dev/null
