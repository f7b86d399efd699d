#!/usr/bin/env bash
# Proves that a release would work, without making one (run by tools/scripts/test-all.sh after
# the builds): `nx release --dry-run` computes the next version from the conventional commits since
# the last v* tag, writes each package's CHANGELOG.md and the tag (all in dry-run), and runs
# `npm publish --dry-run` for every released package (docs/releasing.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false

release_args=(release --dry-run --yes)
# Before the first tag there is no current version to bump from git: take package.json's.
if [ -z "$(git tag --list 'v*')" ]; then release_args+=(--first-release); fi
npx nx "${release_args[@]}"

# `npm publish --dry-run` of every released package, from the folder nx release publishes
# (the nx-release-publish packageRoot of each project listed in nx.json's release.projects).
package_roots=$(node -e '
  const { readFileSync } = require("fs");
  const { execFileSync } = require("child_process");
  const nx = JSON.parse(readFileSync("nx.json", "utf8"));
  for (const project of nx.release.projects) {
    const json = execFileSync("npx", ["nx", "show", "project", project, "--json"], { encoding: "utf8" });
    const root = JSON.parse(json).targets["nx-release-publish"].options.packageRoot;
    console.log(root);
  }')
for dir in $package_roots; do
  echo "npm publish --dry-run ($dir)"
  output=$(cd "$dir" && npm publish --dry-run 2>&1) || {
    echo "$output" >&2
    exit 1
  }
  echo "$output" | grep -E '^npm notice (name|version|total files)|^\+ ' || true
  # npm "auto-corrects" a bad package.json by dropping fields (a bin entry, say): not acceptable.
  if echo "$output" | grep -qiE 'auto-corrected|invalid'; then
    echo "$output" | grep -iE 'corrected|invalid' >&2
    exit 1
  fi
done
