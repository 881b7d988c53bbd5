#!/usr/bin/env bash
# The mesh-ladder GitHub Action's work, runnable anywhere (CI, a laptop, a test):
#   - `mesh-ladder check` of every phase asked for: Markdown for the report, and SARIF;
#   - with a base revision, `mesh-ladder diff --base <ref>`: Markdown first in the report,
#     SARIF next to the check's;
#   - one Markdown report (<out>/report.md) whose first line marks it for a sticky comment;
#   - on GitHub: the report in the job summary, outputs, and the pull-request comment
#     created or updated in place (COMMENT=true, GITHUB_TOKEN, a pull_request event).
# Exit code: the worst of the commands' (0 ok, 1 a check or diff failed, 2 invalid input).
#
# Environment (the action's inputs):
#   CATALOG       the catalog YAML (required)
#   PHASE         a phase, a comma-separated list, or all (default: all)
#   BASE_REF      a Git revision to diff against (default: none, no diff)
#   BASE_PHASE    the phase the base is in (a phase transition; one PHASE only)
#   MANIFESTS     the synthesized manifests committed in the repository (synth --out <dir>)
#   MESH_LADDER   how to run the CLI (default: npx --no-install mesh-ladder)
#   OUT_DIR       where the report and SARIF go (default: $RUNNER_TEMP/mesh-ladder or ./mesh-ladder-report)
#   COMMENT       true: post or update the pull-request comment (default: false)
set -uo pipefail

CATALOG="${CATALOG:?CATALOG: the catalog YAML file is required}"
PHASE="${PHASE:-all}"
MESH_LADDER="${MESH_LADDER:-npx --no-install mesh-ladder}"
OUT_DIR="${OUT_DIR:-${RUNNER_TEMP:-.}/mesh-ladder-report}"
MARKER='<!-- mesh-ladder-report -->'

rm -rf "$OUT_DIR"
mkdir -p "$OUT_DIR/sarif"
WORST=0
# Runs the CLI; keeps the worst exit code; stdout to $1.
run() {
  local out="$1"; shift
  # shellcheck disable=SC2086 # MESH_LADDER is a command line
  $MESH_LADDER "$@" >"$out" 2>>"$OUT_DIR/stderr.txt"
  local code=$?
  if [ "$code" -gt "$WORST" ]; then WORST=$code; fi
  return "$code"
}

# One check of every phase asked for: a summary line per phase, each phase folded (Markdown);
# one SARIF log with a result per finding.
verdict=OK
run "$OUT_DIR/check.md" check "$CATALOG" --phase "$PHASE" --format markdown || verdict=FAIL
run "$OUT_DIR/sarif/check.sarif" check "$CATALOG" --phase "$PHASE" --format sarif || true
CHECKS="<details>
<summary>check: ${verdict}</summary>

$(cat "$OUT_DIR/check.md")

</details>
"

DIFF=""
if [ -n "${BASE_REF:-}" ]; then
  args=(diff "$CATALOG" --base "$BASE_REF" --phase "$PHASE" --format markdown --sarif "$OUT_DIR/sarif/diff.sarif")
  if [ -n "${BASE_PHASE:-}" ]; then args+=(--base-phase "$BASE_PHASE"); fi
  if [ -n "${MANIFESTS:-}" ]; then args+=(--manifests "$MANIFESTS"); fi
  run "$OUT_DIR/diff.md" "${args[@]}" || true
  DIFF="$(cat "$OUT_DIR/diff.md")"
fi

if [ "$WORST" -eq 0 ]; then VERDICT=OK; else VERDICT=FAIL; fi
{
  echo "$MARKER"
  echo "# mesh-ladder: ${VERDICT}"
  echo
  echo "Catalog \`${CATALOG}\`, phases: ${PHASE}${BASE_REF:+, compared with \`${BASE_REF}\`}."
  echo
  if [ -n "$DIFF" ]; then echo "$DIFF"; echo; fi
  echo "$CHECKS"
  if [ -s "$OUT_DIR/stderr.txt" ]; then
    echo "<details>"
    echo "<summary>messages</summary>"
    echo
    echo '```'
    cat "$OUT_DIR/stderr.txt"
    echo '```'
    echo
    echo "</details>"
  fi
} >"$OUT_DIR/report.md"

if [ -n "${GITHUB_OUTPUT:-}" ]; then
  {
    echo "report=$OUT_DIR/report.md"
    echo "sarif-dir=$OUT_DIR/sarif"
    echo "exit-code=$WORST"
  } >>"$GITHUB_OUTPUT"
fi
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  cat "$OUT_DIR/report.md" >>"$GITHUB_STEP_SUMMARY"
fi

# The sticky comment: the one comment of this action on the pull request, updated in place.
if [ "${COMMENT:-false}" = "true" ] && [ -n "${GITHUB_EVENT_PATH:-}" ] && [ -n "${GITHUB_TOKEN:-}" ]; then
  PR="$(node -e 'const e = require(process.argv[1]); process.stdout.write(String(e.pull_request?.number ?? ""))' "$GITHUB_EVENT_PATH")"
  if [ -n "$PR" ]; then
    body="$(node -e 'process.stdout.write(JSON.stringify({ body: require("fs").readFileSync(process.argv[1], "utf8").slice(0, 65000) }))' "$OUT_DIR/report.md")"
    existing="$(GH_TOKEN="$GITHUB_TOKEN" gh api "repos/$GITHUB_REPOSITORY/issues/$PR/comments" --paginate \
      --jq ".[] | select(.body | startswith(\"$MARKER\")) | .id" | head -n 1)"
    if [ -n "$existing" ]; then
      GH_TOKEN="$GITHUB_TOKEN" gh api -X PATCH "repos/$GITHUB_REPOSITORY/issues/comments/$existing" --input - <<<"$body" >/dev/null
    else
      GH_TOKEN="$GITHUB_TOKEN" gh api -X POST "repos/$GITHUB_REPOSITORY/issues/$PR/comments" --input - <<<"$body" >/dev/null
    fi
  fi
fi

echo "mesh-ladder: ${VERDICT} (report: $OUT_DIR/report.md, SARIF: $OUT_DIR/sarif/)"
exit "$WORST"
