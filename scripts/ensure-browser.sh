#!/usr/bin/env bash
# Browser tests drive Debian's Chromium with a CJK font; install them when missing.
set -euo pipefail
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
fc-list 2>/dev/null | grep -qi "wenquanyi\|wqy" || need+=(fonts-wqy-microhei)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
    echo "Browser tests need: ${need[*]}. Install them with: sudo apt-get install -y ${need[*]}" >&2
    exit 1
fi
echo "Installing ${need[*]} for the browser tests..."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" fontconfig >/dev/null
