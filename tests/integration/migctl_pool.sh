#!/bin/sh
# migctl pool import|list|show|remove: imports from a file and from a
# pattern, all or nothing (a duplicate or malformed entry aborts the whole
# import, naming the line), strict patterns, 100,000 entries with the
# right counts, the progress bar only on a terminal, and removal of a pool
# in use.  (1,000,000 entries: migctl_bench_import.sh, `make bench-migctl'.)
. "$top_srcdir/tests/integration/lib.sh"
mig_test_init migctl_pool
. "$top_srcdir/tests/integration/migctl_lib.sh"

count() { mctl_sql "select count(*) from pool_entries"; }

cat >"$MIG_TMP/p1.txt" <<'EOF'
# provisioned at partner B
mig-1@a.test sip:mig-1@a.test

   mig-2@a.test	sip:mig-2@a.test   # tab-separated, trailing comment
mig-3@a.test tel:+4912345
EOF
mctl_db pool import p1 "$MIG_TMP/p1.txt"
mig_check "import from a file: exit 0" mctl_rc_is 0
mig_check "... saying how many and where" mctl_out_has "imported 3 entries into new pool p1"
mig_check "... and nothing on stderr (not a terminal: no progress bar)" mctl_err_empty
mctl_db --json pool show p1
mig_check "pool show: total, free, used" mctl_json '.[0] | "\(.total) \(.free) \(.used)"' "3 3 0"
mctl_db --json pool list
mig_check "pool list --json: the fields of the man page" \
	mctl_json '.[0] | keys_unsorted | join(",")' name,total,free,used,created

# A duplicate aborts the whole import and names the line.
printf 'mig-4@a.test sip:mig-4@a.test\nmig-5@a.test sip:mig-5@a.test\nmig-4@a.test sip:mig-4b@a.test\n' \
	>"$MIG_TMP/dup.txt"
mctl_db pool import p1 "$MIG_TMP/dup.txt"
mig_check "a duplicate inside the file: exit 4" mctl_rc_is 4
mig_check "... naming the file and line" mctl_err_has "dup.txt:3:"
mig_check "... and saying nothing was imported" mctl_err_has "nothing imported"
mig_check "... which is true" test "$(count)" = 3
printf 'mig-6@a.test sip:mig-6@a.test\nmig-2@a.test sip:mig-2@a.test\n' >"$MIG_TMP/dup2.txt"
mctl_db pool import p2 "$MIG_TMP/dup2.txt"
mig_check "an entry already in another pool: exit 4" mctl_rc_is 4
mig_check "... naming line 2" mctl_err_has "dup2.txt:2:"
mctl_db pool show p2
mig_check "... and the new pool was not created either" mctl_rc_is 3

# Malformed lines: exit 2, the line and the field named.
printf 'mig-7@a.test sip:mig-7@a.test\nmig-8 sip:mig-8@a.test\n' >"$MIG_TMP/bad.txt"
mctl_db pool import p1 "$MIG_TMP/bad.txt"
mig_check "a malformed IMPI: exit 2" mctl_rc_is 2
mig_check "... naming line, field and reason" mctl_err_has "bad.txt:2: IMPI 'mig-8': missing '@'"
printf 'mig-9@a.test\n' >"$MIG_TMP/one.txt"
mctl_db pool import p1 "$MIG_TMP/one.txt"
mig_check "a line with one field: exit 2" mctl_rc_is 2
mig_check "... naming it" mctl_err_has "one.txt:1: missing IMPU"
printf 'mig-9@a.test sip:mig-9@a.test extra\n' >"$MIG_TMP/three.txt"
mctl_db pool import p1 "$MIG_TMP/three.txt"
mig_check "a line with three fields: exit 2" mctl_rc_is 2
mig_check "nothing of the failed imports is in the store" test "$(count)" = 3
mctl_db pool import p1 "$MIG_TMP/missing.txt"
mig_check "a missing file: exit 2" mctl_rc_is 2
printf 'mig-10@a.test sip:mig-10@a.test\n' | "$MCTL" --db "$MCTL_DB" pool import p1 - >/dev/null
mig_check "'-' reads standard input" test "$(count)" = 4

# Patterns: exactly one %d-like conversion, nothing else with '%'.
for bad in 'mig-%s@b.test' 'mig-%d-%d@b.test' 'mig-%06d@b.test%' 'mig@b.test' 'mig-%%%d@b.test' \
	'mig-%ld@b.test' 'mig-%099d@b.test'; do
	mctl_db pool import p3 --pattern "$bad" --range 1-10
	mig_check "pattern '$bad': exit 2" mctl_rc_is 2
	mig_check "... naming --pattern" mctl_err_has "--pattern '$bad'"
done
mctl_db pool import p3 --pattern 'mig-%d@b.test' --impu-pattern 'sip:x%' --range 1-10
mig_check "a bad --impu-pattern: exit 2" mctl_rc_is 2
for bad in 10-1 1- -5 1-x 1-100000001; do
	mctl_db pool import p3 --pattern 'mig-%d@b.test' --range "$bad"
	mig_check "--range '$bad': exit 2" mctl_rc_is 2
done
mctl_db pool import p3 --pattern 'mig-%d@b.test'
mig_check "--pattern without --range: exit 2" mctl_rc_is 2
mctl_db pool import p3 "$MIG_TMP/p1.txt" --pattern 'mig-%d@b.test' --range 1-2
mig_check "a file and a pattern: exit 2" mctl_rc_is 2
mctl_db pool import p3 --pattern 'mig-%05d@b.test' --range 7-9
mig_check "a zero-padded pattern" mctl_rc_is 0
mig_check "... gives mig-00007@b.test with IMPU sip:mig-00007@b.test" \
	test "$(mctl_sql "select count(*) from pool_entries where impi = 'mig-00007@b.test' and impu = 'sip:mig-00007@b.test'")" = 1
mctl_db pool import p4 --pattern 'mig-%05d@b.test' --impu-pattern 'tel:+49%d' --range 8-8
mig_check "a pattern whose identities already exist: exit 4" mctl_rc_is 4
mig_check "... naming the --range value" mctl_err_has "--range value 8"

# All or nothing across batches: a duplicate after the first 100,000
# entries (the store is fed in batches) still leaves nothing behind.
printf 'mig-0100003@b.test sip:mig-0100003@b.test\n' | "$MCTL" --db "$MCTL_DB" pool import early - >/dev/null
before=$(count)
mctl_db pool import late --pattern 'mig-%07d@b.test' --range 1-100005
mig_check "a duplicate at entry 100003 of 100005: exit 4" mctl_rc_is 4
mig_check "... naming it" mctl_err_has "--range value 100003"
mig_check "... and not one of the first 100002 entries is kept" test "$(count)" = "$before"

# 100,000 entries: the counts, the time, and no progress bar off a terminal.
mctl_db pool import big --pattern 'mig-%07d@b.test' --range 1-100000
mig_check "100000 entries from a pattern" mctl_rc_is 0
mig_check "... in a few seconds (< 15 s)" mctl_took 0 15000
mig_check "... no progress bar when stderr is not a terminal" mctl_err_empty
mctl_db --json pool show big
mig_check "... all there and free" mctl_json '.[0] | "\(.total) \(.free)"' "100000 100000"
mig_check "... with their IMPUs" \
	test "$(mctl_sql "select impu from pool_entries where impi = 'mig-0100000@b.test'")" = sip:mig-0100000@b.test
if command -v script >/dev/null; then
	# script(1) gives the command a terminal: then the bar shows.
	script -qec "'$MCTL' --db '$MCTL_DB' pool import tty --pattern 'tty-%d@b.test' --range 1-20000" \
		/dev/null >"$MIG_TMP/tty.out" 2>&1
	mig_check "on a terminal, a progress bar on stderr" grep -q 'importing into pool tty \[#*' "$MIG_TMP/tty.out"
	mig_check "... that reaches 100%" grep -q '100% 20000 entries' "$MIG_TMP/tty.out"
fi

# Allocations take pool entries; remove needs --force while one is live.
mctl_partners
mctl_db binding allocate --outbound --impi alice@a.test --impu sip:alice@a.test --partner b.test --pool p1
mig_check "an allocation from the pool" mctl_out_has "mig-1@a.test"
mctl_db --json pool list
mig_check "pool list counts it used" mctl_json '.[] | select(.name == "p1") | "\(.free)/\(.used)"' 3/1
mctl_db pool remove p1
mig_check "removing a pool in use: exit 4" mctl_rc_is 4
mig_check "... saying to use --force" mctl_err_has "(--force)"
mctl_db pool remove p1 --force
mig_check "remove --force: exit 0" mctl_rc_is 0
mig_check "... lists the binding it revoked" mctl_out_has "alice@a.test"
mctl_db pool show p1
mig_check "... and the pool is gone" mctl_rc_is 3
mctl_db pool remove nosuch
mig_check "removing an unknown pool: exit 3" mctl_rc_is 3
mctl_db pool remove 'bad name!'
mig_check "a malformed pool name: exit 2" mctl_rc_is 2
mig_pass
