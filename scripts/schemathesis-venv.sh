#!/usr/bin/env bash
# Installs schemathesis (the API contract fuzzer driven by test/contract) into a Python venv
# in the cache outside the clone, once per machine. Prints the path of its `st` executable.
# Needs python3 with the venv module (Debian: apt-get install -y python3-venv).
set -euo pipefail

SCHEMATHESIS_VERSION=4.32.5
cache="${FLOTILLA_CACHE_DIR:-$HOME/.cache/flotilla}"
venv="$cache/schemathesis-venv"
st="$venv/bin/st"

if [ -x "$st" ] && "$st" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  echo "$st"
  exit 0
fi
if ! command -v python3 >/dev/null 2>&1; then
  echo "schemathesis needs python3 (apt-get install -y python3 python3-venv)" >&2
  exit 1
fi
mkdir -p "$cache"
# Built in place (a venv's scripts name their interpreter by absolute path, so it cannot be
# moved); a half-built venv is removed so the next run starts over.
rm -rf "$venv"
trap 'rm -rf "$venv"' ERR
if ! python3 -m venv "$venv" >&2; then
  echo "python3 -m venv failed: install the venv module (apt-get install -y python3-venv)" >&2
  exit 1
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" >&2
trap - ERR
echo "$st"
