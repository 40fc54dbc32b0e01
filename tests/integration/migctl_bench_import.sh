#!/bin/sh
# Benchmark, not part of `make check' (run it with `make bench-migctl'):
# `migctl pool import' of 1,000,000 entries, from a pattern and from a file,
# each in one transaction; each must take under 30 s.  Prints the times.
. "$top_srcdir/tests/integration/lib.sh"
mig_test_init migctl_bench_import
. "$top_srcdir/tests/integration/migctl_lib.sh"

N=${MCTL_BENCH_N:-1000000}
mctl_db pool import pattern --pattern 'mig-%07d@b.example' --range "1-$N"
mig_check "import of $N entries from a pattern: exit 0" mctl_rc_is 0
echo "# pattern: $N entries in $MCTL_MS ms"
mig_check "... in under 30 s" mctl_took 0 30000

awk -v n="$N" 'BEGIN { for (i = 1; i <= n; i++) printf "f-%d@b.example sip:f-%d@b.example\n", i, i }' \
	>"$MIG_TMP/entries.txt"
mctl_db pool import file "$MIG_TMP/entries.txt"
mig_check "import of $N entries from a file: exit 0" mctl_rc_is 0
echo "# file: $N entries in $MCTL_MS ms"
mig_check "... in under 30 s" mctl_took 0 30000
mctl_db --json pool list
mig_check "... all there" mctl_json '[.[].total] | add' "$((2 * N))"
mig_pass
