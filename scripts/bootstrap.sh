#!/usr/bin/env bash
# Installs what guidewatch needs on a fresh machine: uv (with pip bootstrapped first if python3
# has none), the locked Python environment, and (with --test) the system packages the tests
# use. Safe to run again, and while another one runs (they take turns).
set -euo pipefail
cd "$(dirname "$0")/.."

UV_VERSION=0.13.9
export PATH="$HOME/.local/bin:$PATH"

# One bootstrap at a time per user: two at once (`make run` and `make test` in two terminals)
# would both install uv into ~/.local/bin and trip over each other's files.
LOCK="${XDG_CACHE_HOME:-$HOME/.cache}/guidewatch-bootstrap.lock"
mkdir -p "$(dirname "$LOCK")"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$LOCK"
  if ! flock -n 9; then
    echo "bootstrap: another bootstrap is running; waiting for it (lock: $LOCK)"
    flock 9
  fi
else
  until mkdir "$LOCK.d" 2>/dev/null; do sleep 1; done
  trap 'rmdir "$LOCK.d"' EXIT
fi

apt_install() {
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "bootstrap: installing Debian packages: $*"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# pip installs uv; a Python without pip gets it from ensurepip, or from Debian's python3-pip.
ensure_pip() {
  python3 -m pip --version >/dev/null 2>&1 && return 0
  echo "bootstrap: python3 has no pip; bootstrapping it with ensurepip"
  python3 -m ensurepip --user --upgrade >/dev/null 2>&1 && return 0
  if command -v apt-get >/dev/null 2>&1; then
    apt_install python3-pip && return 0
  fi
  echo "bootstrap: cannot install pip (no ensurepip, no apt-get): install uv yourself" \
    "(https://docs.astral.sh/uv/) and run this again" >&2
  exit 1
}

if ! command -v uv >/dev/null 2>&1; then
  ensure_pip
  echo "bootstrap: installing uv $UV_VERSION"
  python3 -m pip install --quiet --user "uv==$UV_VERSION" \
    || python3 -m pip install --quiet "uv==$UV_VERSION" \
    || python3 -m pip install --quiet --user --break-system-packages "uv==$UV_VERSION"
fi

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
