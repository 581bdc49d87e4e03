#!/usr/bin/env bash
# Finishes the man page that swift-argument-parser's GenerateManual plugin writes (its
# generate-manual tool, from `orderctl --experimental-dump-help`):
#   bash Tests/Man/finish-man.sh RAW.1 OUT.1
# - the discussions' examples and tables (lines indented in --help) become literal
#   blocks instead of running together as filled prose; blank lines become paragraphs;
# - one sentence per line, and no paragraph macro where mdoc skips it, so that
#   `man -l` and `mandoc -T lint` warn about nothing;
# - ENVIRONMENT and FILES (sections.mdoc beside this script) and an EXIT STATUS that
#   lists the codes from the root's "Exit codes:" (moved out of DESCRIPTION) instead
#   of the generator's one standard sentence.
# `make man` and `make install` run it; ManPageTests checks its output.
set -euo pipefail
if [ $# -ne 2 ]; then echo "usage: $0 RAW.1 OUT.1" >&2; exit 64; fi
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp "$2.XXXXXX")
trap 'rm -f "$tmp"' EXIT
awk -v sections="$here/sections.mdoc" -f "$here/finish-man.awk" "$1" > "$tmp"
mv "$tmp" "$2"
trap - EXIT
