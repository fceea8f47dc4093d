#!/usr/bin/env bash
# The system tools `make test` needs besides the Python packages: jekyll (the site tests build real
# sites), redis-server (the shared-frontier tests start their own server) and chromium (a headless
# browser opens the built site to check that every archived picture shows). One step for `make test`
# and `.ci/run` alike.
#
# When a tool is missing and this machine can install Debian packages (root, or sudo without a
# password), it installs them with apt-get. Otherwise it stops with one message naming what is missing
# and the command that installs it, and exit status 3: no test starts, and none is skipped.
set -euo pipefail

declare -A package=([jekyll]=jekyll [redis-server]=redis-server [chromium]=chromium)
missing=()
for tool in jekyll redis-server chromium; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("${package[$tool]}")
done
((${#missing[@]})) || exit 0

install_cmd="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo="sudo -n"
  else
    sudo="unusable"
  fi
fi
if ! command -v apt-get >/dev/null 2>&1 || [ "$sudo" = "unusable" ]; then
  {
    echo "provision: the tests need ${missing[*]}, which this machine lacks, and this user cannot install Debian packages."
    if command -v apt-get >/dev/null 2>&1; then
      echo "provision: install them once with:  sudo sh -c '$install_cmd'"
    else
      echo "provision: install them with your system's package manager (jekyll with Ruby, redis-server and chromium), then run make test again."
    fi
  } >&2
  exit 3
fi

echo "provision: installing ${missing[*]} with apt-get (the site, shared-frontier and browser tests need them)" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
for tool in jekyll redis-server chromium; do
  command -v "$tool" >/dev/null 2>&1 || { echo "provision: apt-get ran but \`$tool\` is still not on PATH" >&2; exit 3; }
done
echo "provision: $(jekyll --version), $(redis-server --version | cut -d' ' -f1-3), $(chromium --version 2>/dev/null | cut -d' ' -f1-2)" >&2
