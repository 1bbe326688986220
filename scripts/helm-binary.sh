#!/usr/bin/env bash
# Builds the helm CLI the chart tests run (test/helm/), from the Go module
# pinned in test/helm/go.mod, into the same cache as the Kubernetes test
# binaries (scripts/k8s-test-binaries.sh): <cache>/helm/<version>/helm.
#
# There is no prebuilt helm download here, so it comes from the published Go
# module, like `go build helm.sh/helm/v3/cmd/helm` would give.
#
# Prints the path of the helm binary as the last line of stdout; everything
# else goes to stderr, so callers can capture the path.
#
#   FLOTILLA_HELM_BIN   an existing helm binary; it wins and nothing is built.
#   FLOTILLA_CACHE_DIR  cache root, default $HOME/.cache/flotilla.
#   GO                  the go command, default `go` on PATH, then /usr/local/go/bin/go.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
helm_module="${repo_root}/test/helm"

log() { printf '[helm-binary] %s\n' "$*" >&2; }

# The version lives in go.mod only, so a bump is a one-line change.
helm_version="$(awk '$1 == "require" && $2 == "helm.sh/helm/v3" { print $3; exit } $1 == "helm.sh/helm/v3" { print $2; exit }' "${helm_module}/go.mod")"
if [[ -z "${helm_version}" ]]; then
  log "cannot read the pinned helm version from ${helm_module}/go.mod"
  exit 1
fi

# helm's own Makefile stamps these with -X. Without the version `helm version`
# reports a development build; without the Kubernetes version (derived from the
# client-go it links, v0.<minor> -> 1.<minor>) `helm template` and `helm lint`
# assume Kubernetes v1.20 and refuse charts needing anything newer.
client_go="$(awk '$1 == "k8s.io/client-go" { print $2; exit }' "${helm_module}/go.mod")"
k8s_minor="$(cut -d. -f2 <<<"${client_go}")"
ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=${helm_version} -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
for pkg in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
  ldflags+=" -X ${pkg}.k8sVersionMajor=1 -X ${pkg}.k8sVersionMinor=${k8s_minor}"
done

# shellcheck source=go-tool-build.sh
source "${repo_root}/scripts/go-tool-build.sh"
go_tool_build helm "${helm_module}" helm.sh/helm/v3/cmd/helm "${helm_version}" FLOTILLA_HELM_BIN "${ldflags}"
