#!/usr/bin/env bash
# The one test command (README): builds, then runs every vitest suite and
# prints a plain "tests: N passed, N failed" closing line.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-test-deps.sh
npm run build --silent
# Tests are TypeScript too: a type error in a test fails the run, not just the editor.
npx tsc -p test/tsconfig.json --noEmit
rm -rf .vitest-tmp && mkdir -p .vitest-tmp
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=.vitest-tmp/results.json "$@" || status=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync(".vitest-tmp/results.json", "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  // A file that fails outside any test (e.g. in beforeAll) counts as a failure too.
  const brokenFiles = r.testResults.filter((f) => f.status === "failed" && f.assertionResults.every((a) => a.status !== "failed")).length;
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests + brokenFiles} failed` + (skipped ? `, ${skipped} skipped` : ""));
' || true
exit $status
