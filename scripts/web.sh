#!/usr/bin/env bash
# Builds the dashboard (web/, docs/dashboard.md) into a directory `vigil cloud serve`
# serves: index.html and assets/ (the page's ES modules, its stylesheet, uPlot's module
# and stylesheet from node_modules). No bundler, nothing fetched at run time.
#   scripts/web.sh [out-dir]        default: ${VIGIL_BUILD_DIR:-build}/web
# `npm ci` runs only when package-lock.json changed since the last install.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-${VIGIL_BUILD_DIR:-$root/build}/web}"
cd "$root/web"
command -v npm >/dev/null 2>&1 || "$root/scripts/install-deps.sh"
stamp=node_modules/.vigil-lock.sha256
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  npm ci --no-audit --no-fund --ignore-scripts >&2
  echo "$want" > "$stamp"
fi
# The page must hold no inline script, style or handler: its policy would refuse them.
if grep -nE '<script>|<script[^>]*>[^<[:space:]]|<style|[[:space:]]style=|[[:space:]]on[a-z]+=' src/index.html >&2; then
  echo "web.sh: inline script, style or event handler in web/src/index.html" >&2
  exit 1
fi
if grep -nE 'innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function' src/*.js >&2; then
  echo "web.sh: an HTML sink or eval in web/src (build the DOM with dom.js)" >&2
  exit 1
fi
tmp="$(mktemp -d "$(dirname "$out")/web.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/assets"
cp src/index.html "$tmp/"
cp src/*.js src/*.css "$tmp/assets/"
cp node_modules/uplot/dist/uPlot.esm.js node_modules/uplot/dist/uPlot.min.css "$tmp/assets/"
chmod -R a+rX "$tmp"
rm -rf "$out"
mv "$tmp" "$out"
trap - EXIT
echo "web.sh: dashboard in $out" >&2
