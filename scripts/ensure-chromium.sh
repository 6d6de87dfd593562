#!/usr/bin/env bash
# The browser tests drive Debian's Chromium (Playwright never downloads its own).
# Install it when it is missing and we are allowed to; otherwise say why the
# browser tests will be skipped.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing chromium for the browser tests (apt-get)..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq chromium >/dev/null
else
  echo "chromium is not installed and cannot be installed here: the browser tests will be skipped" >&2
fi
