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

# The version lives in go.mod only, so a bump is a one-line change.
version="$(awk '$1 == "sigs.k8s.io/kustomize/kustomize/v5" { print $2; exit }' "${module_dir}/go.mod")"
if [[ -z "${version}" ]]; then
  log "cannot read the pinned kustomize version from ${module_dir}/go.mod"
  exit 1
fi

# kustomize's release build stamps its version here; without it `kustomize
# version` reports a development build, and the render cache keys on it.
ldflags="-s -w -X sigs.k8s.io/kustomize/api/provenance.version=kustomize/${version}"

# shellcheck source=go-tool-build.sh
source "${repo_root}/scripts/go-tool-build.sh"
go_tool_build kustomize "${module_dir}" sigs.k8s.io/kustomize/kustomize/v5 "${version}" FLOTILLA_KUSTOMIZE_BIN "${ldflags}"
