#!/usr/bin/env bash
# Install the Debian packages behind the optional translation backends (FreeDict, Apertium),
# so that their tests run for real instead of skipping. See the README, "Translation backends".
#
# Idempotent (packages already installed are left alone, nothing is updated when all are
# present) and tolerant of failure: a package the mirror does not have, no root, or no apt
# only prints a warning and the script still exits 0; the tests of what is missing skip.
#
# Usage: scripts/install_optional_backends.sh        (as root, or with passwordless sudo)
# The CTranslate2 backend needs no Debian package: pip install -e '.[ct2]' (also in .[dev]).
set -u

PACKAGES=(
  apertium            # the apertium binary and pipeline tools
  apertium-eng-spa    # spa-eng (and eng-spa) pair
  apertium-fr-es      # fr-es pair: French is chained fr -> es -> en
  dict-freedict-fra-eng
  dict-freedict-deu-eng
  dict-freedict-spa-eng
)

warn() { echo "install_optional_backends: $*" >&2; }

if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-query >/dev/null 2>&1; then
  warn "apt-get not found: skipping (the FreeDict and Apertium tests will skip)"
  exit 0
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
  else
    warn "not root and no passwordless sudo: skipping"
    exit 0
  fi
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "install_optional_backends: all present (${PACKAGES[*]})"
  exit 0
fi

echo "install_optional_backends: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists only when a package is unknown to apt (or no list exists yet).
if ! apt-cache show "${missing[@]}" >/dev/null 2>&1; then
  "${SUDO[@]}" apt-get update -qq || warn "apt-get update failed"
fi
if ! "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
  warn "installing all at once failed; trying one package at a time"
  for pkg in "${missing[@]}"; do
    "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "$pkg" >/dev/null \
      || warn "could not install $pkg"
  done
fi
exit 0
