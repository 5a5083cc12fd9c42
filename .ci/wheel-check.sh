#!/usr/bin/env bash
# Proves that the built package works without the source tree: builds the sdist and, from it, the
# wheel (`python -m build`), installs the wheel with its dependencies into a fresh venv in a temp
# folder, and in an empty folder runs `etsgw db upgrade` (the migrations travel in the wheel),
# `etsgw demo --smoke`, and a decode of every golden message (the XSDs travel in the wheel).
# Usage: PYTHON=.venv/bin/python bash .ci/wheel-check.sh   (PYTHON needs `build`: the dev extra)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
python="${PYTHON:-python3}"
work="$(mktemp -d "${TMPDIR:-/tmp}/etsgw-wheel-check.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# Nothing of the caller's may leak in: not the source tree on PYTHONPATH, not their settings.
unset PYTHONPATH PYTHONHOME VIRTUAL_ENV
for name in $(compgen -e | grep '^ETSGW_' || true); do unset "$name"; done

step() { echo "== wheel-check: $*"; }

step "build sdist and wheel"
# build's own log goes to a file: it is long, and only a failure needs it.
if ! "$python" -m build --outdir "$work/dist" "$root" >"$work/build.log" 2>&1; then
  cat "$work/build.log" >&2
  exit 1
fi
# A clean packaging configuration builds without warnings ("WARNING …", "warning: …",
# "…Warning: …"); the byte-compiling note is about the environment (PYTHONDONTWRITEBYTECODE).
if grep -E '(^|\s|: )(WARNING |[Ww]arning: |[A-Za-z_]+Warning: )' "$work/build.log" \
    | grep -v 'byte-compiling is disabled' >&2; then
  echo "wheel-check: the build printed warnings (above; full log: python -m build .);" \
       "fix the packaging configuration" >&2
  exit 1
fi
wheel=("$work"/dist/*.whl)
step "built $(basename "${wheel[0]}")"

step "install into a fresh venv"
"$python" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet "${wheel[0]}"
etsgw="$work/venv/bin/etsgw"

mkdir "$work/run"
cd "$work/run"  # empty: the default settings put the SQLite files under ./var/

step "etsgw db upgrade"
"$etsgw" db upgrade
[ "$(stat -c %a var)" = 700 ] || { echo "wheel-check: var/ is $(stat -c %a var), not 700" >&2; exit 1; }

step "etsgw demo --smoke"
"$etsgw" demo --smoke

step "golden messages decode with the installed codec"
"$work/venv/bin/python" - "$root/tests/fixtures/messages/valid" "$work/venv" <<'EOF'
import sys
from pathlib import Path

import gateway
from gateway.codec import DEFAULT_SCHEMA_DIR, Codec

golden, venv = Path(sys.argv[1]), Path(sys.argv[2]).resolve()
for what, path in (("gateway", Path(gateway.__file__)), ("XSD folder", DEFAULT_SCHEMA_DIR)):
    if not path.resolve().is_relative_to(venv):
        sys.exit(f"{what} comes from {path}, not from the venv {venv}")
files = sorted(golden.glob("*.xml"))
if not files:
    sys.exit(f"no golden messages in {golden}")
for path in files:
    message = Codec().decode(path.read_bytes())
    if message.head.msg_no != path.stem.split("_")[0]:
        sys.exit(f"{path.name}: decoded as {message.head.msg_no}")
print(f"{len(files)} golden messages decoded by {gateway.__file__} with {DEFAULT_SCHEMA_DIR}")
EOF
step "passed"
