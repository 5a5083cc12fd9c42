#!/usr/bin/env bash
# Installs the system packages the test suite needs when they are missing: the PostgreSQL server
# binaries (the tests start a throwaway cluster from them) and the `runuser` tool used to run it
# as an unprivileged user when the tests run as root.
set -euo pipefail

have_pg() {
  command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ] && return 0
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1
}

if have_pg; then
  exit 0
fi
if [ -n "${ETSGW_TEST_DATABASE_URL:-}" ]; then
  exit 0  # an external server is configured
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "PostgreSQL server binaries are missing; install them (e.g. apt-get install postgresql)" >&2
  exit 1
fi
echo "installing PostgreSQL server binaries" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends postgresql >/dev/null
# The Debian package starts a cluster of its own; the tests do not use it.
(service postgresql stop || pg_ctlcluster --help >/dev/null 2>&1 || true) >/dev/null 2>&1
