#!/bin/sh
# The load generator of the crash tests (crash_alloc.sh): cx_client --count
# with %u in --impi/--impu sends one user per request, and --answer-log
# records every answer as one JSON line as it arrives.  Against the real
# broker A: 40 GORs, each answered for its own user, each line naming the
# request it answers, every answered binding in A's store as answered; and
# a client killed mid-run leaves whole lines behind (the last one may be cut
# short: Linux ends a write(2) at a page boundary for SIGKILL).
. "$top_srcdir/tests/integration/lib.sh"
mig_test_init crash_answer_log
. "$top_srcdir/tests/integration/client_lib.sh"
. "$top_srcdir/tests/integration/broker_lib.sh"
. "$top_srcdir/tests/integration/crash_lib.sh"

trap 'crash__rc=$?; crash_load_stop; mig__on_exit $crash__rc' EXIT
mb_setup true
mb_start

ans=$MIG_TMP/answers
cxc_run cmsa --dest-host sipdb.a.test --count 40 --inflight 8 --answer-log "$ans" \
	gor --impi "log-%u@a.test" --impu "sip:log-%u@a.test" --partner b.test
mig_check "40 GORs, 8 in flight: all answered 2001" cxc_json '[.answered, .result_codes["2001"]] == [40, 40]'
mig_check "... the answer log has 40 lines, one JSON object each" \
	test "$(jq -s 'map(type == "object") | [length, all] == [40, true]' "$ans")" = true
mig_check "... one for each request number 0-39" \
	test "$(jq -s '[.[].request] | sort == [range(40)]' "$ans")" = true
mig_check "... each answered for the user of its number (%u)" \
	test "$(jq -s 'all(.user_name == "log-\(.request)@a.test" and .public_identity == "sip:log-\(.request)@a.test")' "$ans")" = true
mig_check "... with the answer's fields, without the AVP tree" \
	test "$(jq -s 'all(.command == "GOA" and .result_code == 2001 and (.migration_impi | test("^mig-")) and has("avps") == false)' "$ans")" = true
mig_check "... 40 different migration identities" \
	test "$(jq -s '[.[].migration_impi] | unique | length' "$ans")" = 40
crash_answered "$ans" "log-%u@a.test" >"$MIG_TMP/answers.tsv"
mig_check "... every answered binding is in A's store as answered" \
	crash_check_store brka out b.test "$MIG_TMP/answers.tsv" all

# Lines are written as answers arrive: the log grows while the client runs,
# and a SIGKILL cuts at most the last one.
crash_load cmsa "$ans.killed" --dest-host sipdb.a.test --count 50000 --inflight 4 \
	gor --impi "kill-%u@a.test" --impu "sip:kill-%u@a.test" --partner b.test
mig_check "a long run logs answers while it runs" mig_wait_for 30 crash_has_success "$ans.killed"
crash_load_stop
mig_check "... killed mid-run, every line of its log is whole JSON (but an unterminated last)" \
	test "$(crash_whole_lines "$ans.killed" | jq -s 'length > 0 and all(type == "object")')" = true
crash_answered "$ans.killed" "kill-%u@a.test" >"$MIG_TMP/killed.tsv"
mig_check "... and every allocation it logged is in A's store as answered" \
	crash_check_store brka out b.test "$MIG_TMP/killed.tsv" all
mig_pass
