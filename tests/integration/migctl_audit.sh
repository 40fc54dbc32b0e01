#!/bin/sh
# migctl audit [--since T] [--follow] [--limit N]: the trail of every
# change, times in each accepted form, the newest N rows, JSON, and
# --follow: new rows within a second, no busy loop, a clean exit 0 on
# SIGINT and SIGTERM.
. "$top_srcdir/tests/integration/lib.sh"
mig_test_init migctl_audit
. "$top_srcdir/tests/integration/migctl_lib.sh"

mctl_partners
id=$(mctl_alloc_out alice b.test)
mctl_db binding revoke "$id" --reason "audit test" >/dev/null
# A row from long ago, before all the others (ids and times grow together):
# the others move up one id to make room for it as id 1.
mctl_sql "update audit set id = -id; update audit set id = 1 - id;
	insert into audit (id, ts, action, realm, detail) values (1, 500, 'old', 'z.test', '1970')"

mctl_db audit
mig_check "audit: exit 0" mctl_rc_is 0
mig_check "... shows the allocation" mctl_out_has "allocate"
mig_check "... and the revocation with its reason" mctl_out_has "detail='audit test'"
mig_check "... with ISO times" grep -q '^20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9:]*Z ' "$MCTL_OUT"
mctl_db --json audit
mig_check "audit --json: an array, oldest first" mctl_json '[.[].id] == ([.[].id] | sort)'
mig_check "... with the fields of the man page" mctl_json '.[0] | keys_unsorted | join(",")' \
	id,ts,action,binding_id,realm,mig_impi,mig_impu,home_impi,home_impu,actor,detail
mig_check "... the actor is migctl and the operator" mctl_json '.[1].actor | startswith("migctl:")'
total=$(jq length "$MCTL_OUT")

mctl_db --json audit --limit 2
mig_check "--limit 2: the two newest rows, oldest first" \
	mctl_json '[.[].action] | join(",")' "allocate,revoke"
now=$(date +%s)
mctl_db --json audit --since "$((now - 3600))"
mig_check "--since unix seconds" mctl_json "length" "$((total - 1))"
mctl_db --json audit --since 1h
mig_check "--since a duration ago" mctl_json "length" "$((total - 1))"
mctl_db --json audit --since "$(date -u -d @$((now - 3600)) +%Y-%m-%dT%H:%M:%SZ)"
mig_check "--since ISO 8601 (Z)" mctl_json "length" "$((total - 1))"
mctl_db --json audit --since "$(date -u -d @$((now - 3600)) +%Y-%m-%dT%H:%M:%S+00:00)"
mig_check "--since ISO 8601 with an offset" mctl_json "length" "$((total - 1))"
mctl_db --json audit --since 1970-01-01T00:10:00Z
mig_check "--since just after the old row" mctl_json "length" "$((total - 1))"
mctl_db --json audit --since "$((now + 3600))"
mig_check "--since the future: an empty array" mctl_json "length" 0
for bad in yesterday 2026-13-01T00:00:00Z 1x -5 ''; do
	mctl_db audit --since "$bad"
	mig_check "--since '$bad': exit 2" mctl_rc_is 2
done
mig_check "... naming the option" mctl_err_has "--since"

# --follow: new rows appear, the follower sleeps between polls, and a
# signal ends it with exit 0.
follow_start()
{
	"$MCTL" --db "$MCTL_DB" audit --follow "$@" >"$MIG_TMP/follow.out" 2>"$MIG_TMP/follow.err" &
	fpid=$!
}
has() { grep -qsF -- "$1" "$MIG_TMP/follow.out"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
follow_stop()
{
	t0=$(date +%s%N)
	kill "-$1" "$fpid"
	wait "$fpid"
	frc=$?
	fms=$((($(date +%s%N) - t0) / 1000000))
}

follow_start
mig_check "--follow starts with the last rows" mig_wait_for 5 has "revoke"
mctl_db partner add f1.test >/dev/null
mig_check "... and shows a new row within a few seconds" mig_wait_for 5 has "realm=f1.test"
sleep 2
mig_check "... without a busy loop (< 0.3 s CPU in 2+ s)" test "$(cpu_ticks "$fpid")" -lt 30
follow_stop INT
mig_check "SIGINT ends --follow with exit 0" test "$frc" = 0
mig_check "... promptly (< 2 s)" test "$fms" -lt 2000
mig_check "... and nothing on stderr" test ! -s "$MIG_TMP/follow.err"

follow_start --json --limit 1
mig_check "--follow --json starts" mig_wait_for 5 has '"action":"partner.put"'
mctl_db partner add f2.test >/dev/null
mig_check "... streams the new row" mig_wait_for 5 has '"realm":"f2.test"'
follow_stop TERM
mig_check "SIGTERM ends it with exit 0" test "$frc" = 0
mig_check "... each line is one JSON object" \
	sh -c '[ "$(jq -c . "$1" | wc -l)" = 2 ] && [ "$(wc -l <"$1")" = 2 ]' _ "$MIG_TMP/follow.out"
mig_pass
