# Shared by scripts/helm-binary.sh, scripts/kustomize-binary.sh and scripts/sops-binary.sh (sourced, not run): builds a
# Go command from a pinned module into the binary cache, once per machine, and prints its path
# as the last line of stdout (everything else goes to stderr).
#
#   go_tool_build NAME MODULE_DIR PACKAGE VERSION OVERRIDE_VAR LDFLAGS
#
# NAME          the binary's name (cache: <cache>/NAME/VERSION/NAME)
# MODULE_DIR    the directory of the go.mod pinning it (complete and committed: never rewritten)
# PACKAGE       the main package to build
# OVERRIDE_VAR  the variable naming an existing binary, used instead of building when set
#
#   FLOTILLA_CACHE_DIR  cache root, default $HOME/.cache/flotilla.
#   GO                  the go command, default `go` on PATH, then /usr/local/go/bin/go.
go_tool_build() {
  local name="$1" module_dir="$2" package="$3" version="$4" override_var="$5" ldflags="$6"
  local log_prefix="[${name}-binary]"
  local override="${!override_var:-}"
  if [[ -n "${override}" ]]; then
    if [[ ! -x "${override}" ]]; then
      printf '%s %s=%s is not executable\n' "${log_prefix}" "${override_var}" "${override}" >&2
      return 1
    fi
    printf '%s\n' "${override}"
    return 0
  fi

  local cache_root="${FLOTILLA_CACHE_DIR:-${HOME}/.cache/flotilla}"
  local out_dir="${cache_root}/${name}/${version}"
  local out="${out_dir}/${name}"
  if [[ -x "${out}" ]]; then
    printf '%s\n' "${out}"
    return 0
  fi

  local go_bin="${GO:-}"
  if [[ -z "${go_bin}" ]]; then
    if command -v go >/dev/null 2>&1; then
      go_bin="$(command -v go)"
    elif [[ -x /usr/local/go/bin/go ]]; then
      go_bin=/usr/local/go/bin/go
    fi
  fi
  if [[ -z "${go_bin}" || ! -x "$(command -v "${go_bin}" 2>/dev/null)" ]]; then
    local required_go
    required_go="$(awk '$1 == "go" { print $2; exit }' "${module_dir}/go.mod")"
    printf '%s Go was not found%s. Building %s %s needs Go >= %s.\n' "${log_prefix}" \
      "${go_bin:+ (GO=${go_bin} is not executable)}" "${name}" "${version}" "${required_go}" >&2
    printf '%s Install it from https://go.dev/dl/, or point %s at an existing %s binary.\n' \
      "${log_prefix}" "${override_var}" "${name}" >&2
    return 1
  fi

  mkdir -p "${out_dir}"
  # A test run and a developer's shell must not build into the same place at once; the second
  # waits and then finds the result.
  exec 9>"${out_dir}/.build.lock"
  if command -v flock >/dev/null 2>&1; then
    flock 9
  fi
  if [[ -x "${out}" ]]; then
    printf '%s\n' "${out}"
    return 0
  fi

  local started tmp="${out_dir}/.${name}.tmp"
  started=$(date +%s)
  printf '%s building %s %s -> %s (takes minutes on a cold Go cache)\n' "${log_prefix}" "${package}" "${version}" "${out}" >&2
  (cd "${module_dir}" && GOFLAGS="${GOFLAGS:-} -mod=readonly" "${go_bin}" build -trimpath "-ldflags=${ldflags}" -o "${tmp}" "${package}")
  # Rename only a complete binary, so an interrupted build never looks done.
  mv -f "${tmp}" "${out}"
  printf '%s built %s in %ss\n' "${log_prefix}" "${name}" "$(($(date +%s) - started))" >&2
  printf '%s\n' "${out}"
}
