#!/bin/sh
# migctl stats [--since T]: bindings by partner, direction and state, pool
# usage, MARs refused (the broker's mar-refused audit rows), and MARs
# the broker's running totals (none here: no broker ran on this store).
. "$top_srcdir/tests/integration/lib.sh"
mig_test_init migctl_stats
. "$top_srcdir/tests/integration/migctl_lib.sh"

mctl_db stats
mig_check "stats of an empty store" mctl_rc_is 6
mctl_partners
mctl_db --json stats
mig_check "stats with no bindings: empty lists, no refusals" \
	mctl_json '(.bindings | length) == 0 and (.pools | length) == 0 and .mar.refused == 0'

mctl_alloc_out alice b.test >/dev/null
id=$(mctl_alloc_out bob b.test)
mctl_alloc_out carol c.test >/dev/null
mctl_db binding revoke "$id" >/dev/null
mctl_db pool import p1 --pattern 'pl-%d@a.test' --range 1-10 >/dev/null
mctl_db binding allocate --outbound --impi dave@a.test --impu sip:dave@a.test --partner c.test --pool p1 >/dev/null
# Refusals as the broker records them: one long ago (before every other
# row: audit ids and times grow together), two now.
refused() { mctl_sql "insert into audit ($1 ts, action, realm, detail) values ($2 'mar-refused', 'b.test', 'binding revoked')"; }
refused "id," "0, 100,"
refused "" "$(date +%s),"
refused "" "$(date +%s),"

mctl_db --json stats
mig_check "stats --json: one object with bindings, busy, pools, mar, reading" mctl_json 'keys | join(",")' bindings,busy,mar,pools,reading
mig_check "b.test out: 1 allocated, 1 revoked" \
	mctl_json '.bindings[] | select(.partner == "b.test" and .direction == "out") | "\(.allocated) \(.registered) \(.revoked) \(.expired)"' "1 0 1 0"
mig_check "c.test out: 2 allocated" \
	mctl_json '.bindings[] | select(.partner == "c.test") | .allocated' 2
mig_check "pool p1: 10 total, 9 free, 1 used" \
	mctl_json '.pools[0] | "\(.name) \(.total) \(.free) \(.used)"' "p1 10 9 1"
mig_check "MARs refused: the three audit rows" mctl_json '.mar.refused' 3
mig_check "no broker ran: 0 MARs received, brokered, local" \
	mctl_json '"\(.mar.received) \(.mar.brokered) \(.mar.local) \(.mar.counted_until)"' "0 0 0 0"
mig_check "... and no reading paused" mctl_json '"\(.reading.paused) \(.reading.counted_until)"' "0 0"

mctl_db --json stats --since 1h
mig_check "--since 1h: only the recent refusals" mctl_json '.mar.refused' 2
mctl_db stats --since never
mig_check "a bad --since: exit 2" mctl_rc_is 2

mctl_db stats
mig_check "stats for people: exit 0" mctl_rc_is 0
mig_check "... the bindings table" mctl_out_has "PARTNER"
mig_check "... the pools table" mctl_out_has "p1"
mig_check "... the refused MARs" grep -q '^refused  *3 ' "$MCTL_OUT"
mig_check "... the reading held back" grep -q '^paused  *0$' "$MCTL_OUT"
mig_check "... and the brokered MARs" grep -q '^brokered  *0$' "$MCTL_OUT"
mig_pass
