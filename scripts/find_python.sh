#!/bin/sh
# Which Python makes the venv, for the Makefile.
#   find_python.sh named PYTHON        the one the user named (PYTHON=…)
#   find_python.sh first CANDIDATE…    the first candidate that runs and is new enough
# Prints one line on stdout: "ok VERSION EXECUTABLE", or "error WHY" (the Makefile stops
# with WHY when it needs Python). The automatic choice says on stderr which candidate it
# skipped and why (a pyenv shim of a version that is installed but not selected fails to
# run), and then which it chose; a candidate that is not on PATH at all is passed quietly.
MIN_MAJOR=3
MIN_MINOR=11
NEEDED="Python $MIN_MAJOR.$MIN_MINOR or newer (3.11-3.13 are tested)"
PROBE='import platform, sys; print(sys.version_info[0], sys.version_info[1], platform.python_version(), sys.executable)'

# Sets $found to "VERSION EXECUTABLE" and returns 0, or sets $why and returns 1.
probe() {
  if ! command -v "$1" >/dev/null 2>&1; then
    why="was not found"
    return 1
  fi
  out=$("$1" -c "$PROBE" 2>&1)
  status=$?
  if [ "$status" -ne 0 ]; then
    # The candidate's own first words say why (pyenv: "python3.12: command not found").
    first=$(printf '%s\n' "$out" | sed -n '/[^[:space:]]/{p;q;}')
    why="could not be run (exit status $status${first:+: $first})"
    return 1
  fi
  # shellcheck disable=SC2086  # "MAJOR MINOR VERSION EXECUTABLE", split on purpose
  set -- $out
  case "$#:$1:$2" in
    [4-9]:[0-9]*:[0-9]*) ;;
    *)
      why="did not answer like Python (${out:-no output})"
      return 1
      ;;
  esac
  if [ "$1" -lt "$MIN_MAJOR" ] || { [ "$1" -eq "$MIN_MAJOR" ] && [ "$2" -lt "$MIN_MINOR" ]; }; then
    why="is Python $3, too old"
    return 1
  fi
  shift 2
  found="$*"
  return 0
}

mode=$1
shift
case $mode in
  named)
    if probe "$1"; then
      echo "ok $found"
    else
      echo "error PYTHON=$1 $why: set PYTHON to $NEEDED"
    fi
    ;;
  first)
    skipped=0
    for candidate in "$@"; do
      if probe "$candidate"; then
        if [ "$skipped" -gt 0 ]; then
          echo "Using $candidate (Python ${found%% *}, ${found#* })." >&2
        fi
        echo "ok $found"
        exit 0
      fi
      if [ "$why" != "was not found" ]; then
        echo "Skipping $candidate, which $why." >&2
        skipped=$((skipped + 1))
      fi
    done
    echo "error $NEEDED is needed, and none of $* is one; install one or set PYTHON=/path/to/python3"
    ;;
  *)
    echo "usage: $0 named PYTHON | first CANDIDATE..." >&2
    exit 2
    ;;
esac
