#!/usr/bin/env bash
# Installs the Debian packages the test lab needs (each test/lab/components/*.ts names its own) and
# the tests' clients. Idempotent: quiet and near-instant when everything is present. Runs as root
# (no sudo). Run by `npm test` (pretest).
set -euo pipefail

missing=()
need() { # need <package> <file or glob>... (any file the package installs proves it; a bare name is looked for on PATH)
  local pkg=$1 f found
  shift
  for f in "$@"; do
    found=
    for g in $f; do [ -e "$g" ] && found=1 && break; done
    if [ -z "$found" ] && ! command -v "$f" >/dev/null 2>&1; then
      missing+=("$pkg")
      return
    fi
  done
}

# the components' packages: the `packages` of each test/lab/components/*.ts, one "package file..." line each
cd "$(dirname "$0")/../.."
if ! lines=$(node --import tsx --input-type=module -e "import { packageLines } from './test/lab/lab.ts'; for (const l of packageLines()) console.log(l)"); then
  echo "test/lab/setup.sh: could not read the components' packages (node, and tsx from npm ci, are needed)" >&2
  exit 1
fi
while read -r line; do
  [ -n "$line" ] || continue
  # shellcheck disable=SC2086 # word splitting wanted: package, then its files (globs are expanded by need)
  need $line
done <<<"$lines"
# what the tests use besides the lab's servers: the database clients, the browser for page tests
need mariadb-client /usr/bin/mariadb
need postgresql-client /usr/bin/psql
need chromium /usr/bin/chromium
# libfaketime: a daemon run with its clock jumped ahead (test/faults-clock.test.ts)
need faketime /usr/bin/faketime
# systemd-analyze: the service unit is verified and scored (test/service-unit.test.ts)
need systemd /usr/bin/systemd-analyze
# cron and at: a site's user is denied both, and a deleted site's crontab and at jobs go (test/hostile/site-user-leftovers.test.ts)
need cron /usr/bin/crontab
need at /usr/bin/at
# the ACME clients a panel runs: the benchmark compares serein with them (bench/certs.bench.ts)
need certbot /usr/bin/certbot
need lego /usr/bin/lego

# the postgres system user (created by postgresql-common)
if ! getent passwd postgres >/dev/null 2>&1; then missing+=(postgresql); fi
# busybox-static, not the dynamic busybox: the lab's container image is just /usr/bin/busybox
if [ -x /usr/bin/busybox ] && ! dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed'; then
  missing+=(busybox-static)
fi

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
  echo "test/lab/setup.sh: missing packages (${missing[*]}); run this script as root" >&2
  exit 1
fi

# de-duplicate
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
echo "test/lab/setup.sh: installing ${missing[*]}" >&2

# Installing must not start system services (mariadb, postgresql, nginx, ssh would otherwise start
# on their default ports): a policy-rc.d that denies every start, removed afterwards if we made it.
created_policy=
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\n# temporary, from serein test/lab/setup.sh\nexit 101\n' >/usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
  created_policy=1
fi
cleanup() { if [ -n "$created_policy" ]; then rm -f /usr/sbin/policy-rc.d; fi; }
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# runc explicitly: podman's "crun | runc" dependency picks crun, which fails on these kernels' cgroups
apt-get install -y -qq --no-install-recommends runc "${missing[@]}" >/dev/null

# Should a service have started anyway (no policy-rc.d honoured, e.g. systemd), stop it.
for svc in nginx ssh mariadb postgresql; do
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    systemctl disable --now "$svc" >/dev/null 2>&1 || true
  fi
done
echo "test/lab/setup.sh: done" >&2
