#!/usr/bin/env bash
# Install the services the scale-out features and tests use: redis-server (Debian package).
# Idempotent (does nothing when redis-server is already on PATH) and tolerant of failure:
# without it, the Redis tests skip with a reason and `curate run --redis-url` is unavailable.
# Usage: scripts/install_services.sh   (as root, or with sudo available)
set -u

if command -v redis-server >/dev/null 2>&1; then
    echo "install_services: redis-server already installed: $(redis-server --version | head -n1)"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo -n"
    else
        echo "install_services: not root and no sudo: skipping redis-server (its tests will skip)" >&2
        exit 0
    fi
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install_services: no apt-get on this system: install redis-server yourself (its tests will skip)" >&2
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
if $SUDO apt-get install -y -q --no-install-recommends redis-server >/dev/null 2>&1 \
    || { $SUDO apt-get update -q >/dev/null 2>&1 \
         && $SUDO apt-get install -y -q --no-install-recommends redis-server >/dev/null 2>&1; }; then
    # The package may start a system service; the tests start their own server on a free port.
    echo "install_services: installed $(redis-server --version | head -n1)"
else
    echo "install_services: could not install redis-server (offline?): its tests will skip" >&2
fi
exit 0
