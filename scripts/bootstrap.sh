#!/usr/bin/env bash
# Installs what guidewatch needs on a fresh machine: uv, the locked Python environment, and
# (with --test) the system packages the tests use. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

UV_VERSION=0.13.9
if ! command -v uv >/dev/null 2>&1; then
  echo "bootstrap: installing uv $UV_VERSION"
  python3 -m pip install --quiet --user "uv==$UV_VERSION" \
    || python3 -m pip install --quiet "uv==$UV_VERSION" \
    || python3 -m pip install --quiet --user --break-system-packages "uv==$UV_VERSION"
  export PATH="$HOME/.local/bin:$PATH"
fi

apt_install() {
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "bootstrap: installing Debian packages: $*"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

if [ "${1:-}" = "--test" ]; then
  need=()
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v pg_config >/dev/null 2>&1; then
    need+=(postgresql)
  fi
  command -v runuser >/dev/null 2>&1 || need+=(util-linux)
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  command -v sha256sum >/dev/null 2>&1 || need+=(coreutils)
  if [ ${#need[@]} -gt 0 ]; then apt_install "${need[@]}"; fi
  if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
    useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
  fi
fi

UV_COMPILE_BYTECODE=1 uv sync --frozen --quiet  # .pyc written once here, not by every process
