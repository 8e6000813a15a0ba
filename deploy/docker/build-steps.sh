#!/bin/sh
# The build steps of deploy/docker/Dockerfile.gateway and Dockerfile.agent, as a script so that
# they run (and are tested: test/deploy/docker.test.ts) where no Docker engine does.
#
#   deploy/docker/build-steps.sh build              install every dependency, compile (in the source tree)
#   deploy/docker/build-steps.sh assemble OUT       a production tree in OUT: package manifests, the
#                                                   compiled dist/ folders, proto/, and production
#                                                   dependencies only (no compiler, linter or tests)
#   deploy/docker/build-steps.sh agent-bundle OUT   the agent as one JavaScript file, OUT/airlock-agent.cjs
#                                                   (the agent image needs nothing else but Node)
set -eu
cd "$(dirname "$0")/../.."

case "${1:-}" in
  build)
    node scripts/pnpm.mjs install --frozen-lockfile
    node scripts/pnpm.mjs run build
    ;;
  assemble)
    out="${2:?usage: build-steps.sh assemble OUT}"
    if [ ! -f packages/cli/dist/main.js ]; then
      echo "build-steps.sh: packages/cli/dist/main.js is missing; run \"build-steps.sh build\" first." >&2
      exit 1
    fi
    rm -rf "$out"
    mkdir -p "$out/scripts" "$out/packages"
    cp package.json pnpm-lock.yaml pnpm-workspace.yaml .npmrc "$out/"
    cp scripts/pnpm.mjs "$out/scripts/"
    # The tunnel loads proto/airlock/tunnel/v1/tunnel.proto from the repository root at run time.
    cp -R proto "$out/proto"
    # The workspace packages the CLI runs on (its runtime dependency closure): never the test kit.
    runtime=$(node -e '
      const { readFileSync } = require("node:fs");
      const seen = new Set(), queue = ["cli"];
      while (queue.length) {
        const name = queue.pop();
        if (seen.has(name)) continue;
        seen.add(name);
        const deps = JSON.parse(readFileSync(`packages/${name}/package.json`, "utf8")).dependencies ?? {};
        for (const dep of Object.keys(deps)) if (dep.startsWith("@airlock/")) queue.push(dep.slice(9));
      }
      console.log([...seen].join(" "));')
    for name in $runtime; do
      dir="packages/$name"
      mkdir -p "$out/packages/$name"
      cp "$dir/package.json" "$out/packages/$name/"
      cp -R "$dir/dist" "$out/packages/$name/dist"
      # A package whose entry point sits beside dist/ (the console: index.js names its built files).
      if [ -f "$dir/index.js" ]; then cp "$dir/index.js" "$out/packages/$name/"; fi
      # Compiled tests and type declarations are not needed to run.
      find "$out/packages/$name/dist" \( -name '*.d.ts' -o -name '*.d.ts.map' -o -name '*.tsbuildinfo' \) -delete
    done
    # Production dependencies of the airlock CLI (gateway and agent roles) and nothing else.
    (cd "$out" && CI=true node scripts/pnpm.mjs install --prod --frozen-lockfile --prefer-offline \
      --ignore-scripts --config.confirmModulesPurge=false --filter '@airlock/cli...')
    ;;
  agent-bundle)
    out="${2:?usage: build-steps.sh agent-bundle OUT}"
    mkdir -p "$out"
    node scripts/build-agent-binary.mjs --bundle-only --out "$out/airlock-agent"
    rm -rf "$out/agent-binary-build"
    ;;
  *)
    echo "usage: build-steps.sh build | assemble OUT | agent-bundle OUT" >&2
    exit 2
    ;;
esac
