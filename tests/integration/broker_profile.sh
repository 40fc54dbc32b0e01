#!/bin/sh
# The partner's own profile for visitors (TR 23.781 5.2.1):
# partners[].profile_mode "merge" adds the partner's service data (from a
# template file) to the primary's profile, "template" replaces the
# primary's profile by the partner's (inline XML), identities filled in
# either way.  An unusable template stops the broker at start.
. "$top_srcdir/tests/integration/lib.sh"
mig_test_init broker_profile
. "$top_srcdir/tests/integration/client_lib.sh"
. "$top_srcdir/tests/integration/broker_lib.sh"

# B's service data for visitors: its MCPTT server in the filter criteria.
cat >"$MIG_TMP/visitor.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<IMSSubscription>
  <PrivateID>${impi}</PrivateID>
  <ServiceProfile>
    <PublicIdentity><Identity>${impu}</Identity></PublicIdentity>
    <InitialFilterCriteria>
      <Priority>10</Priority>
      <ApplicationServer>
        <ServerName>sip:mcptt.b.test</ServerName>
        <DefaultHandling>0</DefaultHandling>
        <ServiceInfo>visitor ${impu}</ServiceInfo>
      </ApplicationServer>
    </InitialFilterCriteria>
    <SharedIFCSetID>42</SharedIFCSetID>
  </ServiceProfile>
</IMSSubscription>
XML

MB_B_PARTNER_A="\"profile_mode\": \"merge\", \"profile_template\": \"$MIG_TMP/visitor.xml\""
mb_setup true
mb_start
mb_allocate

sar_b() { cxc_run scscfb --dest-host sipdb.b.test sar --impi "$MB_IN_IMPI" --impu "$MB_IN_IMPU"; }
data_has() { jq -r '.user_data // ""' "$CXC_OUT" | grep -qF -- "$1"; }
data_count() { jq -r '.user_data // ""' "$CXC_OUT" | grep -oF -- "$1" | wc -l | tr -d ' '; }

# merge
sar_b
mig_check "merge: SAR answered 2001" cxc_json .result_code 2001
mig_check "... the primary's profile under B's identities" \
	data_has "<PrivateID>$MB_IN_IMPI</PrivateID>"
mig_check "... B's service data added" data_has "<ServerName>sip:mcptt.b.test</ServerName>"
mig_check "... its placeholders filled" data_has "<ServiceInfo>visitor $MB_IN_IMPU</ServiceInfo>"
mig_check "... one PublicIdentity (the template's is not added)" test "$(data_count '<PublicIdentity>')" = 1
mig_check "... nothing of alice" sh -c "! jq -r .user_data '$CXC_OUT' | grep -q alice"

# template, inline: B restarted with the other mode
mig_fd_stop brkb
MB_B_PARTNER_A='"profile_mode": "template", "profile_template": "<IMSSubscription><PrivateID>${impi}</PrivateID><ServiceProfile><PublicIdentity><Identity>${impu}</Identity></PublicIdentity><SharedIFCSetID>7</SharedIFCSetID></ServiceProfile></IMSSubscription>"'
mb__broker_json brkb b.test "$(mb__partner a.test true true true true "$MB_B_PARTNER_A")"
mig_fd_start brkb
mig_fd_wait_ready brkb || mig_fail "brkb did not restart"
mig_fd_wait_open brkb sipdb.a.test 30 || mig_fail "brkb never reconnected to brka"
sar_b
mig_check "template: SAR answered 2001" cxc_json .result_code 2001
mig_check "... B's own profile" data_has "<SharedIFCSetID>7</SharedIFCSetID>"
mig_check "... with B's inbound IMPI" data_has "<PrivateID>$MB_IN_IMPI</PrivateID>"
mig_check "... and IMPU" data_has "<Identity>$MB_IN_IMPU</Identity>"
mig_check "A's HSS was still asked (A authorizes the registration)" \
	test "$(grep -c 'SAA user=alice@a.test' "$(mig_fd_log hssa)")" = 2

# An unusable template stops the broker at start, naming the field.
bad_template()
{
	mig_fd_conf "$1" sipdb.b.test b.test
	mig_fd_load_cx_dict "$1"
	printf '{ "system": { "realm": "b.test", "sipdb": "sipdb.b.test" }, "database": "%s/%s.db", "hss": { "host": "hss.b.test" }, "partners": [ { "realm": "a.test", "migrate_in": true, "migrate_out": true, %s } ] }\n' \
		"$MIG_TMP" "$1" "$2" >"$MIG_TMP/$1.json"
	mig_fd_ext "$1" "$MB_SIPDB" "$MIG_TMP/$1.json"
	mig_fd_run "$1" 20
	[ "$MIG_RC" != 0 ] && [ "$MIG_RC" != 124 ] || { echo "# exit status $MIG_RC"; return 1; }
	grep -qF -- "$3" "$(mig_fd_log "$1")" || { mig_fd_log_tail "$1" 5; return 1; }
}
mig_check "a template file that does not exist" \
	bad_template bt1 "\"profile_mode\": \"merge\", \"profile_template\": \"$MIG_TMP/nowhere.xml\"" \
	"partners[0].profile_template $MIG_TMP/nowhere.xml: No such file or directory"
mig_check "a template that is not an IMS subscription" \
	bad_template bt2 '"profile_mode": "template", "profile_template": "<Profile/>"' \
	"partners[0].profile_template: the root element is not IMSSubscription"
mig_check "template mode without a template" \
	bad_template bt3 '"profile_mode": "template"' \
	"partners[0].profile_template: missing (profile_mode template needs it)"
mig_check "an unknown mode" \
	bad_template bt4 '"profile_mode": "mine"' \
	"partners[0].profile_mode: 'mine': must be primary, template or merge"
mig_pass
