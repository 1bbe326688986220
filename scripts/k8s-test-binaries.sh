#!/usr/bin/env bash
# Builds the kube-apiserver, kubectl and etcd binaries the Kubernetes test
# harness runs (test/support/k8s/), from the Go modules pinned in test/k8s/.
#
# There is no Docker here (no kind, no k3d) and no prebuilt envtest download,
# so the binaries come from the published Go modules, like
# `go build k8s.io/kubernetes/cmd/kube-apiserver` would give.
#
# Prints the directory that holds the binaries as the last line of stdout;
# everything else goes to stderr, so callers can capture the directory.
#
#   KUBEBUILDER_ASSETS  a directory that already holds kube-apiserver and etcd
#                       (as in controller-runtime's envtest); it wins and
#                       nothing is built.
#   FLOTILLA_CACHE_DIR  cache root, default $HOME/.cache/flotilla; binaries go
#                       to <root>/k8s/<kubernetes-version>/.
#   GO                  the go command, default `go` on PATH, then /usr/local/go/bin/go.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
k8s_module="${repo_root}/test/k8s"
etcd_module="${k8s_module}/etcd"

log() { printf '[k8s-binaries] %s\n' "$*" >&2; }

# KUBEBUILDER_ASSETS wins, as in envtest: someone who already has the
# binaries must not pay for a multi-minute build.
if [[ -n "${KUBEBUILDER_ASSETS:-}" ]]; then
  for bin in kube-apiserver etcd; do
    if [[ ! -x "${KUBEBUILDER_ASSETS}/${bin}" ]]; then
      log "KUBEBUILDER_ASSETS=${KUBEBUILDER_ASSETS} has no executable ${bin}"
      exit 1
    fi
  done
  log "using KUBEBUILDER_ASSETS=${KUBEBUILDER_ASSETS}"
  printf '%s\n' "${KUBEBUILDER_ASSETS}"
  exit 0
fi

# The versions live in the go.mod files only, so a bump is a one-line change.
module_version() { # <go.mod> <module path>
  awk -v mod="$2" '$1 == "require" && $2 == mod { print $3; exit } $1 == mod { print $2; exit }' "$1"
}
k8s_version="$(module_version "${k8s_module}/go.mod" k8s.io/kubernetes)"
etcd_version="$(module_version "${etcd_module}/go.mod" go.etcd.io/etcd/server/v3)"
if [[ -z "${k8s_version}" || -z "${etcd_version}" ]]; then
  log "cannot read the pinned versions from ${k8s_module}/go.mod and ${etcd_module}/go.mod"
  exit 1
fi

cache_root="${FLOTILLA_CACHE_DIR:-${HOME}/.cache/flotilla}"
out_dir="${cache_root}/k8s/${k8s_version}"
# etcd is versioned separately from Kubernetes; a marker file records which
# etcd sits next to the Kubernetes binaries so an etcd bump rebuilds it.
etcd_marker="${out_dir}/etcd.version"

all_present() {
  [[ -x "${out_dir}/kube-apiserver" && -x "${out_dir}/kubectl" && -x "${out_dir}/etcd" ]] &&
    [[ "$(cat "${etcd_marker}" 2>/dev/null)" == "${etcd_version}" ]]
}

if all_present; then
  printf '%s\n' "${out_dir}"
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
  required_go="$(awk '$1 == "go" { print $2; exit }' "${k8s_module}/go.mod")"
  log "Go was not found${go_bin:+ (GO=${go_bin} is not executable)}. Building the Kubernetes test binaries (kube-apiserver ${k8s_version}, etcd ${etcd_version}) needs Go >= ${required_go}."
  log "Install it from https://go.dev/dl/ (or your package manager) and put 'go' on PATH,"
  log "or point KUBEBUILDER_ASSETS at a directory that already holds kube-apiserver and etcd."
  exit 1
fi

mkdir -p "${out_dir}"

# Two callers (vitest global setup and a developer's shell) must not build
# into the same directory at once; the second waits and then finds the result.
exec 9>"${out_dir}/.build.lock"
if command -v flock >/dev/null 2>&1; then
  flock 9
fi
if all_present; then
  printf '%s\n' "${out_dir}"
  exit 0
fi

# go.mod and go.sum are complete and committed: a build must never rewrite
# them. -trimpath and -s -w keep the binaries smaller and free of local paths.
export GOFLAGS="${GOFLAGS:-} -mod=readonly"

# Kubernetes' own build stamps the version with -X; without it the servers
# report v0.0.0-master, which clients and kubectl's skew check would see.
k8s_minor="$(cut -d. -f2 <<<"${k8s_version}")"
k8s_ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  k8s_ldflags+=" -X ${pkg}.gitVersion=${k8s_version} -X ${pkg}.gitMajor=1 -X ${pkg}.gitMinor=${k8s_minor}"
  k8s_ldflags+=" -X ${pkg}.gitTreeState=clean"
done

build() { # <module dir> <package> <output name> <ldflags>
  local started tmp
  started=$(date +%s)
  tmp="${out_dir}/.$3.tmp"
  log "building $2 -> ${out_dir}/$3 (takes minutes on a cold Go cache)"
  (cd "$1" && "${go_bin}" build -trimpath "-ldflags=$4" -o "${tmp}" "$2")
  # Rename only a complete binary, so an interrupted build never looks done.
  mv -f "${tmp}" "${out_dir}/$3"
  log "built $3 in $(($(date +%s) - started))s"
}

total_started=$(date +%s)
[[ -x "${out_dir}/kube-apiserver" ]] || build "${k8s_module}" k8s.io/kubernetes/cmd/kube-apiserver kube-apiserver "${k8s_ldflags}"
[[ -x "${out_dir}/kubectl" ]] || build "${k8s_module}" k8s.io/kubernetes/cmd/kubectl kubectl "${k8s_ldflags}"
if [[ ! -x "${out_dir}/etcd" || "$(cat "${etcd_marker}" 2>/dev/null)" != "${etcd_version}" ]]; then
  build "${etcd_module}" go.etcd.io/etcd/server/v3 etcd "-s -w"
  printf '%s\n' "${etcd_version}" >"${etcd_marker}"
fi
log "binaries ready in ${out_dir} ($(($(date +%s) - total_started))s)"
printf '%s\n' "${out_dir}"
