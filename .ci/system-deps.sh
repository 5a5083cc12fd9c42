#!/usr/bin/env bash
# Installs the system packages the test suite needs when they are missing: the PostgreSQL server
# binaries (the tests start a throwaway cluster from them), the `runuser` tool used to run it
# as an unprivileged user when the tests run as root, and Debian's Chromium for the browser tests
# (Playwright drives that executable; it never downloads a browser of its own) with a Chinese font.
set -euo pipefail

have_pg() {
  command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ] && return 0
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1
}

have_chromium() {
  [ -x "${ETSGW_CHROMIUM:-/usr/bin/chromium}" ]
}

# A Chinese font, so that the pages render (and docs/screenshots show) text instead of boxes.
have_cjk_font() {
  command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=zh 2>/dev/null | head -n 1)" ]
}

missing=()
if ! have_pg && [ -z "${ETSGW_TEST_DATABASE_URL:-}" ]; then  # or an external server is configured
  missing+=(postgresql)
fi
if ! have_chromium; then
  missing+=(chromium)
fi
if ! have_cjk_font; then
  missing+=(fonts-wqy-microhei)
fi
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "missing system packages: ${missing[*]}; install them (e.g. apt-get install ${missing[*]})" >&2
  exit 1
fi
echo "installing system packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
if [[ " ${missing[*]} " == *" postgresql "* ]]; then
  # The Debian package starts a cluster of its own; the tests do not use it.
  (service postgresql stop || pg_ctlcluster --help >/dev/null 2>&1 || true) >/dev/null 2>&1
fi
