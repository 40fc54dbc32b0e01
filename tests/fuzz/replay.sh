#!/bin/sh
# fuzz/replay.sh (make check): every committed input of every fuzz harness
# -- tests/fuzz/corpus/<harness>/ and tests/fuzz/regress/<harness>/ --
# replayed through the harness built with the normal compiler
# (fuzz_replay.c).  A crash, a harness without inputs, or (fuzz_cx) inputs
# that never reach a handler fail.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
MIG_FUZZ_DICT_CX=$top_builddir/extensions/dict_cx/.libs/dict_cx.fdx
export MIG_FUZZ_DICT_CX
log=$(mktemp) || exit 99
trap 'rm -f "$log"' EXIT
fail=0
for h in cx udata config ident; do
	dirs=$top_srcdir/tests/fuzz/corpus/fuzz_$h
	[ ! -d "$top_srcdir/tests/fuzz/regress/fuzz_$h" ] ||
		dirs="$dirs $top_srcdir/tests/fuzz/regress/fuzz_$h"
	# shellcheck disable=SC2086 # two directories, no blanks in them
	if "$top_builddir/tests/fuzz/replay_$h" $dirs >"$log" 2>&1 </dev/null; then
		echo "ok: fuzz_$h: $(tail -n 1 "$log")"
	else
		echo "FAIL: fuzz_$h ($dirs)"
		tail -n 40 "$log"
		fail=1
	fi
done
exit $fail
