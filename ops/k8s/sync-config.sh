#!/usr/bin/env bash
# Copies the repository's runtime-config/ into ops/k8s/base/config/, the folder the kustomization turns into
# ConfigMaps (kustomize reads no file outside its own folder). Run it after editing runtime-config/; the ops
# tests fail while the two differ. A file that is new (not only changed) also needs a line in
# base/kustomization.yaml (configMapGenerator) and, if it lives in a subfolder, a projection in
# base/deployment.yaml (volume "config"); the tests name what is missing.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
src="$here/../../runtime-config"
dst="$here/base/config"
rm -rf "$dst"
mkdir -p "$dst"
(cd "$src" && find . -type f ! -name README.md -print0) | while IFS= read -r -d '' f; do
  mkdir -p "$dst/$(dirname "$f")"
  cp -p "$src/$f" "$dst/$f"
done
echo "copied $(find "$dst" -type f | wc -l) files from runtime-config/ into $dst"
