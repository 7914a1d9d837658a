#!/bin/sh
# The page's third-party code, from the npm registry at the versions package-lock.json
# pins (npm ci checks each package's integrity), copied with its licence next to the
# page's own files. Used by `make web` and by the Dockerfile.
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/../entrypoints/web/static/vendor"
npm ci --prefix "$here" --no-audit --no-fund --silent
rm -rf "$out"
mkdir -p "$out"
# ES modules the browser imports as they are: no bundler.
cp "$here/node_modules/marked/lib/marked.esm.js" "$out/marked.js"
cp "$here/node_modules/marked/LICENSE" "$out/marked.LICENSE.txt"
cp "$here/node_modules/dompurify/dist/purify.es.mjs" "$out/purify.js"
cp "$here/node_modules/dompurify/LICENSE" "$out/dompurify.LICENSE.txt"
# The source maps are not shipped; the comment would make browsers ask for them.
sed -i '/^\/\/# sourceMappingURL=/d' "$out/marked.js" "$out/purify.js"
