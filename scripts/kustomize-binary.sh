#!/usr/bin/env bash
# Builds the kustomize CLI the render tests run (issue 15), from the Go module
# pinned in test/kustomize/go.mod, into the same cache as helm
# (scripts/helm-binary.sh): <cache>/kustomize/<version>/kustomize.
#
# There is no prebuilt kustomize download here, so it comes from the published
# Go module, like `go install sigs.k8s.io/kustomize/kustomize/v5` would give.
#
# Prints the path of the kustomize binary as the last line of stdout; everything
# else goes to stderr, so callers can capture the path.
#
#   FLOTILLA_KUSTOMIZE_BIN  an existing kustomize binary; it wins and nothing is built.
#   FLOTILLA_CACHE_DIR      cache root, default $HOME/.cache/flotilla.
#   GO                      the go command, default `go` on PATH, then /usr/local/go/bin/go.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
module_dir="${repo_root}/test/kustomize"

log() { printf '[kustomize-binary] %s\n' "$*" >&2; }

if [[ -n "${FLOTILLA_KUSTOMIZE_BIN:-}" ]]; then
  if [[ ! -x "${FLOTILLA_KUSTOMIZE_BIN}" ]]; then
    log "FLOTILLA_KUSTOMIZE_BIN=${FLOTILLA_KUSTOMIZE_BIN} is not executable"
    exit 1
  fi
  printf '%s\n' "${FLOTILLA_KUSTOMIZE_BIN}"
  exit 0
fi

# The version lives in go.mod only, so a bump is a one-line change.
version="$(awk '$1 == "sigs.k8s.io/kustomize/kustomize/v5" { print $2; exit }' "${module_dir}/go.mod")"
if [[ -z "${version}" ]]; then
  log "cannot read the pinned kustomize version from ${module_dir}/go.mod"
  exit 1
fi

cache_root="${FLOTILLA_CACHE_DIR:-${HOME}/.cache/flotilla}"
out_dir="${cache_root}/kustomize/${version}"
out="${out_dir}/kustomize"

if [[ -x "${out}" ]]; then
  printf '%s\n' "${out}"
  exit 0
fi

go_bin="${GO:-}"
if [[ -z "${go_bin}" ]]; then
  if command -v go >/dev/null 2>&1; then
    go_bin="$(command -v go)"
  elif [[ -x /usr/local/go/bin/go ]]; then
    go_bin=/usr/local/go/bin/go
  fi
fi
if [[ -z "${go_bin}" || ! -x "$(command -v "${go_bin}" 2>/dev/null)" ]]; then
  required_go="$(awk '$1 == "go" { print $2; exit }' "${module_dir}/go.mod")"
  log "Go was not found${go_bin:+ (GO=${go_bin} is not executable)}. Building kustomize ${version} needs Go >= ${required_go}."
  log "Install it from https://go.dev/dl/, or point FLOTILLA_KUSTOMIZE_BIN at an existing kustomize binary."
  exit 1
fi

mkdir -p "${out_dir}"

# A test run and a developer's shell must not build into the same place at
# once; the second waits and then finds the result.
exec 9>"${out_dir}/.build.lock"
if command -v flock >/dev/null 2>&1; then
  flock 9
fi
if [[ -x "${out}" ]]; then
  printf '%s\n' "${out}"
  exit 0
fi

# go.mod and go.sum are complete and committed: a build must never rewrite them.
export GOFLAGS="${GOFLAGS:-} -mod=readonly"

# kustomize's release build stamps its version here; without it `kustomize
# version` reports a development build, and the render cache keys on it.
ldflags="-s -w -X sigs.k8s.io/kustomize/api/provenance.version=kustomize/${version}"

started=$(date +%s)
tmp="${out_dir}/.kustomize.tmp"
log "building sigs.k8s.io/kustomize/kustomize/v5 ${version} -> ${out} (takes minutes on a cold Go cache)"
(cd "${module_dir}" && "${go_bin}" build -trimpath "-ldflags=${ldflags}" -o "${tmp}" sigs.k8s.io/kustomize/kustomize/v5)
# Rename only a complete binary, so an interrupted build never looks done.
mv -f "${tmp}" "${out}"
log "built kustomize in $(($(date +%s) - started))s"
printf '%s\n' "${out}"
