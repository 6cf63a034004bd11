#!/usr/bin/env bash
# Validate cogcheck's SARIF as GitHub code scanning would: Microsoft's SARIF multitool with its SARIF and GitHub
# Advanced Security rules (`--rule-kind "Sarif;Ghas"`), on SARIF produced from tests/fixtures and examples/, plus
# the sample SARIF files committed under examples/.
#
# The multitool exits 0 even when it reports errors, so its `: error ` lines are counted; any error fails the script.
#
#   .ci/sarif-validate.sh            # from anywhere; the repository is this script's parent directory
#
# Environment: COGCHECK (command to run cogcheck; default `cogcheck` on PATH, else `python3 -m cogcheck`),
# SARIF_MULTITOOL_VERSION (default 5.7.0), SARIF_MULTITOOL_DIR (npm install prefix; default a per-user cache dir).
set -euo pipefail
cd "$(dirname "$0")/.."

version="${SARIF_MULTITOOL_VERSION:-5.7.0}"
prefix="${SARIF_MULTITOOL_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/cogcheck/sarif-multitool-$version}"

for tool in node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "sarif-validate: $tool is required (the SARIF multitool is installed from npm)" >&2
    exit 1
  fi
done

locate_multitool() {
  # The package's index.js exports the path of the platform's self-contained binary. Its bin.js wrapper runs that
  # binary through a shell, which would split "Sarif;Ghas" at the semicolon, so the binary is called directly.
  [ -d "$prefix" ] || return 0
  (cd "$prefix" && node -p "require('@microsoft/sarif-multitool')" 2>/dev/null) || true
}

multitool="$(locate_multitool)"
if [ -z "$multitool" ] || [ ! -x "$multitool" ]; then
  echo "== installing @microsoft/sarif-multitool@$version into $prefix"
  mkdir -p "$prefix"
  npm install --prefix "$prefix" --no-audit --no-fund --no-save --loglevel=error "@microsoft/sarif-multitool@$version" >&2
  multitool="$(locate_multitool)"
fi
if [ -z "$multitool" ] || [ ! -x "$multitool" ]; then
  echo "sarif-validate: the multitool binary was not found under $prefix" >&2
  exit 1
fi

if [ -n "${COGCHECK:-}" ]; then
  read -r -a cogcheck <<<"$COGCHECK"
elif command -v cogcheck >/dev/null 2>&1; then
  cogcheck=(cogcheck)
else
  cogcheck=(python3 -m cogcheck)
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

files=()
produce() {  # produce NAME PATH...: SARIF of a scan; exit 2 (an unreadable input) still writes a valid log
  local name="$1"
  shift
  local rc=0
  "${cogcheck[@]}" scan "$@" --format sarif --fail-on never --output "$work/$name.sarif" 2>"$work/$name.stderr" || rc=$?
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 2 ] || [ ! -s "$work/$name.sarif" ]; then
    echo "sarif-validate: cogcheck scan $* failed (exit $rc):" >&2
    cat "$work/$name.stderr" >&2
    exit 1
  fi
  files+=("$work/$name.sarif")
}

produce fixtures tests/fixtures
if [ -d examples ]; then
  produce examples examples
  while IFS= read -r -d '' sample; do
    files+=("$sample")
  done < <(find examples -name '*.sarif' -type f -print0 | sort -z)
fi

errors=0
warnings=0
for file in "${files[@]}"; do
  out="$work/validate.txt"
  "$multitool" validate "$file" --rule-kind "Sarif;Ghas" >"$out" 2>&1 || {
    echo "sarif-validate: the multitool failed on $file:" >&2
    cat "$out" >&2
    exit 1
  }
  if ! grep -q "Analysis completed successfully" "$out"; then
    echo "sarif-validate: the multitool did not complete on $file:" >&2
    cat "$out" >&2
    exit 1
  fi
  file_errors=$(grep -c ': error ' "$out" || true)
  file_warnings=$(grep -c ': warning ' "$out" || true)
  results=$(python3 -c 'import json,sys; print(sum(len(r.get("results", [])) for r in json.load(open(sys.argv[1]))["runs"]))' "$file")
  shown="${file#"$work/"}"
  echo "sarif-validate: $shown: $results results, $file_errors errors, $file_warnings warnings"
  grep -E ': (error|warning) ' "$out" | head -50 || true
  errors=$((errors + file_errors))
  warnings=$((warnings + file_warnings))
done

echo "sarif-validate: ${#files[@]} files, $errors errors, $warnings warnings (multitool $version, rule kinds Sarif;Ghas)"
if [ "$errors" -gt 0 ]; then
  exit 1
fi
