#!/usr/bin/env bash
# Makes commands available by installing the Debian packages that provide them, only when some are
# missing: with apt-get as root, otherwise by saying what to install (exit 1).
#   install-debian-packages.sh "<what the tools are for>" <command>=<package> ...
set -euo pipefail
purpose=$1
shift

missing=()
for pair in "$@"; do
  command=${pair%%=*} package=${pair#*=}
  if ! PATH="$PATH:/usr/sbin:/sbin" command -v "$command" >/dev/null 2>&1; then
    # Several commands may come from one package (promtool and prometheus): list it once.
    case " ${missing[*]-} " in *" $package "*) ;; *) missing+=("$package") ;; esac
  fi
done
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing ${missing[*]} (apt-get)..."
  # Packages only: the tests start nginx and prometheus themselves, so keep the packages' own
  # services from starting (as Docker images do), unless the machine already has such a policy.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 0755 /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "Missing tools: install the Debian packages ${missing[*]} (e.g. sudo apt-get install ${missing[*]})." >&2
  echo "$purpose" >&2
  exit 1
fi
