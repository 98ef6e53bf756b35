#!/usr/bin/env bash
# Installs the servers the test suite starts itself: PostgreSQL (storage tests),
# nginx (the deployment test) and Chromium (browser tests), from Debian's packages. Idempotent; when we are
# not root and they are missing, the tests that need them report so clearly.
set -uo pipefail

need=()
if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  need+=(postgresql)
fi
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
  need+=(nginx-light)
fi
if ! command -v chromium >/dev/null 2>&1; then
  need+=(chromium)
fi
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install_test_services: missing ${need[*]} and not root; the tests needing them will say so" >&2
  exit 0
fi
echo "install_test_services: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null \
  || echo "install_test_services: could not install ${need[*]}; the tests needing them will say so" >&2
exit 0
