#!/bin/sh
# RFC 7683 overload control between brokers (doc/RELIABILITY.md, "Overload
# control between brokers").  A's max_inflight is 16, so that a flood of
# 400 MARs in flight overloads it.
#
# Reporting (A): an answer carries OC-Supported-Features (loss algorithm)
# only when its request did; OC-OLR (HOST_REPORT, a reduction, validity
# 5 s) only while A refuses requests for its own overload, which a client
# that advertised DOIC heeds (cx_client --doic leaves that share unsent,
# as a Rel-13 S-CSCF would); after the flood, the end of it (validity 0).
#
# Reacting (B): B's requests to A carry OC-Supported-Features, so A
# reports to B; under the flood of B's S-CSCF, B heeds the reports and
# answers the share A asks for with 3004 itself (busy.olr, audited)
# instead of sending it; A's reports never reach the S-CSCF; once A's
# report is gone, B serves everything again: forgotten at once when A
# connects again (restarted, here with "doic": false, after which A sends
# no overload control AVPs at all).
. "$top_srcdir/tests/integration/lib.sh"
mig_test_init broker_doic
. "$top_srcdir/tests/integration/client_lib.sh"
. "$top_srcdir/tests/integration/broker_lib.sh"
. "$top_srcdir/tests/integration/broker_overload_lib.sh"

# A flood: FLOOD MARs, WINDOW in flight (well over half a second here:
# A's report is recomputed every 200 ms).
FLOOD=${DOIC_FLOOD:-8000}
WINDOW=${DOIC_WINDOW:-400}
ov_setup '{ "max_inflight": 16 }'
mb_start
ov_binding_c
mb_allocate
ANSWERS=$MIG_TMP/answers.jsonl
log_has() { grep -qF -- "$2" "$(mig_fd_log "$1")"; }
counted() { [ "$(mb_counter "$1" "$2")" -gt 0 ]; }
audited_olr()
{
	mb_sql "$1" "select detail from audit where action = 'too-busy'" |
		grep -q ', [1-9][0-9]* under next hops. overload reports$'
}

# ---- reporting, at A ----------------------------------------------------------
mar_c 1 1
mig_check "a request without OC-Supported-Features: no overload control AVPs in the answer" \
	jq -e '.result_codes == {"2001": 1}' "$CXC_OUT"
cxc_run partc --dest-host sipdb.a.test mar --impi "$C_IMPI" --impu "$C_IMPU"
mig_check "... none at all" cxc_json '"\(.oc_supported_features) \(.oc_olr)"' 'null null'
cxc_run partc --doic --dest-host sipdb.a.test mar --impi "$C_IMPI" --impu "$C_IMPU"
mig_check "with OC-Supported-Features: the answer has A's, the loss algorithm" \
	cxc_json .oc_supported_features.feature_vector 1
mig_check "... and no overload report while A is not overloaded" cxc_json .oc_olr null

mar_c "$FLOOD" "$WINDOW" --doic --answer-log "$ANSWERS"
echo "# flood at A: $(jq -c '{result_codes, abated, answers_per_s}' "$CXC_OUT")"
mig_check "flood at A: every request answered (2001 or 3004) or left unsent by the client" \
	jq -e "[.answered + .abated, .lost, .expired, (.result_codes | keys - [\"2001\", \"3004\"])] == [$FLOOD, 0, 0, []]" "$CXC_OUT"
mig_check "the client heeds A's reports: it left some requests unsent" jq -e '.abated > 0' "$CXC_OUT"
olrs=$(jq -s '[.[] | select(.oc_olr != null and .oc_olr.validity_duration > 0)] | length' "$ANSWERS")
echo "# $olrs answers carried an overload report; reductions asked: $(jq -s -c \
	'[.[] | .oc_olr.reduction_percentage // empty] | unique' "$ANSWERS")"
mig_check "A reports its overload: HOST_REPORT, a reduction of 1 to 95 %, validity 5 s" \
	jq -se '[.[] | .oc_olr | select(. != null and .validity_duration > 0)] | length > 0 and
		all(.report_type == 0 and .reduction_percentage >= 1 and .reduction_percentage <= 95
		    and .validity_duration == 5)' "$ANSWERS"
mig_check "every answer of the flood has OC-Supported-Features" \
	jq -se "map(select(.oc_supported_features.feature_vector == 1)) | length == $(jq .answered "$CXC_OUT")" "$ANSWERS"
mig_check "A logs that it reports overload" log_has brka "reporting it, senders asked to abate"

# Quiet, A lowers its reduction by a sixteenth each 200 ms: from 95 % to 0
# in under 9 s.  Each MAR lets A close the intervals that passed.
ended()
{
	cxc_run partc --doic --dest-host sipdb.a.test mar --impi "$C_IMPI" --impu "$C_IMPU"
	[ "$(jq -c '[.result_code, .oc_olr.reduction_percentage, .oc_olr.validity_duration]' \
		"$CXC_OUT")" = '[2001,0,0]' ]
}
sleep 5
mig_check "after the flood A reports the end: reduction 0, validity 0" mig_wait_for 10 ended
seq_end=$(jq .oc_olr.sequence_number "$CXC_OUT")
mig_check "... with a sequence number above every report of the flood" \
	jq -se "[.[] | .oc_olr.sequence_number // empty] | max < $seq_end" "$ANSWERS"

# ---- reacting, at B -------------------------------------------------------------
rm -f "$ANSWERS"
mar_b "$FLOOD" "$WINDOW" --answer-log "$ANSWERS"
echo "# flood through B: $(jq -c '{result_codes, answers_per_s}' "$CXC_OUT")"
mig_check "flood through B: every request answered, 2001 or 3004" \
	jq -e "[.answered, .lost, .expired, (.result_codes | keys - [\"2001\", \"3004\"])] == [$FLOOD, 0, 0, []]" "$CXC_OUT"
mig_check "B heeds A's report (its log)" log_has brkb "sipdb.a.test reports overload: abating"
mig_check "A's reports and features never reach B's S-CSCF" \
	jq -se 'all(.oc_olr == null and .oc_supported_features == null)' "$ANSWERS"
mig_check "B answered a share itself: busy.olr counted" mig_wait_for 10 counted brkb "'busy.olr'"
abated=$(mb_counter brkb "'busy.olr'")
refused_a=$(mb_counter brka "'busy.inflight', 'busy.queue'")
echo "# B abated $abated; A refused $refused_a in all (both floods)"
"$top_builddir/src/migctl/migctl" --db "$MIG_TMP/brkb.db" --json stats > "$MIG_TMP/stats.json"
mig_check "migctl stats shows them at B" jq -e ".busy.overload_report == $abated" "$MIG_TMP/stats.json"
mig_check "B's refusals are audited in aggregate" mig_wait_for 10 audited_olr brkb
# B's own limits count too: in a slow (sanitizer) build B's queue waits.
busy=$(jq '.result_codes."3004" // 0' "$CXC_OUT")
accounted()
{
	[ "$busy" -le $(($(mb_counter brkb "'busy.olr', 'busy.inflight', 'busy.queue'") +
		$(mb_counter brka "'busy.inflight', 'busy.queue'"))) ]
}
mig_check "every 3004 the S-CSCF got was counted at B or A" mig_wait_for 10 accounted

# ---- A restarted, with "doic": false ------------------------------------------
# B forgets the report of a next hop that connects again (restarted or
# replaced): B's copy of A's last report is still in force here (5 s), yet
# B sends everything to the new A at once.
mig_fd_stop brka
ov_conf '{ "doic": false }'
mig_fd_start brka
mig_fd_wait_ready brka || mig_fail "brka did not restart"
mig_fd_wait_open brka hss.a.test || mig_fail "brka never reconnected to hssa"
mig_fd_wait_open brkb sipdb.a.test || mig_fail "brkb never reconnected to brka"
log_has brkb "sipdb.a.test connected again: its overload report is forgotten" &&
	echo "# B forgot A's report when A connected again"
mar_b 50 4
mig_check "A back: 50 MARs through B at once, all 2001" \
	jq -e '[.answered, .result_codes."2001"] == [50, 50]' "$CXC_OUT"

# B is a reporting node too, toward an S-CSCF that takes reports.
cxc_run scscfb --doic --dest-host sipdb.b.test mar --impi "$MB_IN_IMPI" --impu "$MB_IN_IMPU"
mig_check "an S-CSCF that advertises DOIC gets B's OC-Supported-Features" \
	cxc_json '"\(.result_code) \(.oc_supported_features.feature_vector)"' '2001 1'

# "doic": false at A: no reports, whatever the asker says.
rm -f "$ANSWERS"
mar_c "$FLOOD" "$WINDOW" --doic --answer-log "$ANSWERS"
echo "# flood at A without doic: $(jq -c '{result_codes, answers_per_s}' "$CXC_OUT")"
mig_check "doic false: the flood is still refused in part (3004), nothing left unsent" \
	jq -e '.result_codes."3004" > 0 and .lost == 0 and .abated == 0' "$CXC_OUT"
mig_check "... but no answer has overload control AVPs" \
	jq -se 'all(.oc_olr == null and .oc_supported_features == null)' "$ANSWERS"
mig_pass
