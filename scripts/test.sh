#!/usr/bin/env bash
# `npm test`: installs what the tests need when it is missing, builds, runs the whole vitest suite
# and ends with one plain line "N passed, N failed[, N skipped]". Exits non-zero when any test
# failed or vitest could not run. Used as is by CI (.ci/run), on a clean clone.
set -uo pipefail
cd "$(dirname "$0")/.."

export ONNXRUNTIME_NODE_INSTALL="${ONNXRUNTIME_NODE_INSTALL:-skip}"  # never download ORT extras (offline CI)

note() { printf '[mote test] %s\n' "$*" >&2; }

# 1. npm dependencies (the root `prepare` script also builds).
built=0
if [ ! -d node_modules ] || [ ! -x node_modules/.bin/vitest ]; then
  need_install="node_modules missing"
elif [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # The lockfile changed since the last install (e.g. after a pull that added a dependency).
  need_install="package-lock.json is newer than node_modules"
else
  need_install=""
fi
if [ -n "$need_install" ]; then
  note "$need_install: npm install"
  if ! npm install --no-audit --no-fund; then
    note "npm install failed"
    echo "0 passed, 1 failed"
    exit 1
  fi
  built=1
fi

# 2. wabt's wasm-validate, used by the runtime tests to check the WASM builds independently.
if ! command -v wasm-validate >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
    note "wasm-validate missing: installing Debian's wabt"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -q wabt </dev/null >/dev/null 2>&1; then
      # The package lists may be missing or stale: refresh them once and retry.
      apt-get update -q </dev/null >/dev/null 2>&1 || true
      apt-get install -y -q wabt </dev/null >/dev/null 2>&1 || true
    fi
  fi
  if ! command -v wasm-validate >/dev/null 2>&1; then
    note "NOTICE: wabt (wasm-validate) could not be installed; tests that need it will skip"
  fi
fi

# 2b. Chromium for the browser tests (Debian's package; playwright-core drives /usr/bin/chromium).
if [ ! -x /usr/bin/chromium ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
    note "chromium missing: installing Debian's chromium"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -q chromium </dev/null >/dev/null 2>&1; then
      apt-get update -q </dev/null >/dev/null 2>&1 || true
      apt-get install -y -q chromium </dev/null >/dev/null 2>&1 || true
    fi
  fi
  [ -x /usr/bin/chromium ] || note "NOTICE: chromium could not be installed; the browser tests will skip"
fi

# 3. Build (WASM runtimes + CLI bundle), unless npm install just did.
if [ "$built" = 0 ]; then
  if ! npm run --silent build; then
    note "build failed"
    echo "0 passed, 1 failed"
    exit 1
  fi
fi

# 4. The suite.
report="$(mktemp "${TMPDIR:-/tmp}/mote-vitest-XXXXXX.json")"
trap 'rm -f "$report"' EXIT
npx vitest run --reporter=default --reporter=json --outputFile="$report"
vitest_rc=$?

if [ ! -s "$report" ]; then
  note "vitest wrote no report (exit $vitest_rc)"
  echo "0 passed, 1 failed"
  exit 1
fi
summary="$(node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const skipped = (r.numPendingTests || 0) + (r.numTodoTests || 0);
  // A test file that failed outside its tests (failed to load, or a beforeAll threw, which leaves
  // its tests skipped) counts as one failure: no failed test of its own would show it.
  const brokenFiles = (r.testResults || []).filter((f) => f.status === "failed" && !(f.assertionResults || []).some((a) => a.status === "failed")).length;
  const failed = (r.numFailedTests || 0) + brokenFiles;
  console.log(`${r.numPassedTests || 0} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ""));
  process.exit(failed > 0 ? 1 : 0);
' "$report")"
summary_rc=$?
echo "$summary"
if [ "$summary_rc" != 0 ] || [ "$vitest_rc" != 0 ]; then
  exit 1
fi
