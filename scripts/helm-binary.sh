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
#   FLOTILLA_HELM       an existing helm binary; it wins and nothing is built.
#   FLOTILLA_CACHE_DIR  cache root, default $HOME/.cache/flotilla.
#   GO                  the go command, default `go` on PATH, then /usr/local/go/bin/go.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
helm_module="${repo_root}/test/helm"

log() { printf '[helm-binary] %s\n' "$*" >&2; }

if [[ -n "${FLOTILLA_HELM:-}" ]]; then
  if [[ ! -x "${FLOTILLA_HELM}" ]]; then
    log "FLOTILLA_HELM=${FLOTILLA_HELM} is not executable"
    exit 1
  fi
  printf '%s\n' "${FLOTILLA_HELM}"
  exit 0
fi

# The version lives in go.mod only, so a bump is a one-line change.
helm_version="$(awk '$1 == "require" && $2 == "helm.sh/helm/v3" { print $3; exit } $1 == "helm.sh/helm/v3" { print $2; exit }' "${helm_module}/go.mod")"
if [[ -z "${helm_version}" ]]; then
  log "cannot read the pinned helm version from ${helm_module}/go.mod"
  exit 1
fi

cache_root="${FLOTILLA_CACHE_DIR:-${HOME}/.cache/flotilla}"
out_dir="${cache_root}/helm/${helm_version}"
out="${out_dir}/helm"

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
  required_go="$(awk '$1 == "go" { print $2; exit }' "${helm_module}/go.mod")"
  log "Go was not found${go_bin:+ (GO=${go_bin} is not executable)}. Building helm ${helm_version} needs Go >= ${required_go}."
  log "Install it from https://go.dev/dl/, or point FLOTILLA_HELM at an existing helm binary."
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

started=$(date +%s)
tmp="${out_dir}/.helm.tmp"
log "building helm.sh/helm/v3/cmd/helm ${helm_version} -> ${out} (takes minutes on a cold Go cache)"
(cd "${helm_module}" && "${go_bin}" build -trimpath "-ldflags=${ldflags}" -o "${tmp}" helm.sh/helm/v3/cmd/helm)
# Rename only a complete binary, so an interrupted build never looks done.
mv -f "${tmp}" "${out}"
log "built helm in $(($(date +%s) - started))s"
printf '%s\n' "${out}"
