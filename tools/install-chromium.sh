#!/bin/sh
# Chromium for the browser test, from Debian's packages (never a browser downloaded by a tool).
set -e
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Chromium (Debian package) for the browser test..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
else
    echo "Chromium is not installed; the browser test will be skipped."
    echo "Install it with: sudo apt-get install chromium  (or your system's package)"
fi
