#!/usr/bin/env bash
# Builds the sops CLI the SOPS tests encrypt their fixtures with (issue 17), from the Go module
# pinned in test/sops/go.mod, into the same cache as helm and kustomize
# (scripts/helm-binary.sh, scripts/kustomize-binary.sh): <cache>/sops/<version>/sops.
#
# Only tests run it: the agent decrypts SOPS files itself (src/agent/secrets/), so a cluster needs
# no sops binary. There is no prebuilt sops download here, so it comes from the published Go
# module, like `go install github.com/getsops/sops/v3/cmd/sops` would give.
#
# Prints the path of the sops binary as the last line of stdout; everything else goes to stderr,
# so callers can capture the path.
#
#   FLOTILLA_SOPS_BIN   an existing sops binary; it wins and nothing is built.
#   FLOTILLA_CACHE_DIR  cache root, default $HOME/.cache/flotilla.
#   GO                  the go command, default `go` on PATH, then /usr/local/go/bin/go.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
module_dir="${repo_root}/test/sops"

log() { printf '[sops-binary] %s\n' "$*" >&2; }

# The version lives in go.mod only, so a bump is a one-line change.
version="$(awk '$1 == "github.com/getsops/sops/v3" { print $2; exit }' "${module_dir}/go.mod")"
if [[ -z "${version}" ]]; then
  log "cannot read the pinned sops version from ${module_dir}/go.mod"
  exit 1
fi

# sops reads its own version from the module's build info, so no version stamp is needed.
ldflags="-s -w"

# shellcheck source=go-tool-build.sh
source "${repo_root}/scripts/go-tool-build.sh"
go_tool_build sops "${module_dir}" github.com/getsops/sops/v3/cmd/sops "${version}" FLOTILLA_SOPS_BIN "${ldflags}"
