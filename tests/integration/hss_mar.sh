#!/bin/sh
# hss_mar: the test HSS (tools/test_hss.fdx) answers MARs in a real
# freeDiameterd; a second freeDiameterd with tools/test_hss_probe.fdx sends
# them and checks every MAA (result codes, item counts, each AKA vector
# verified as a USIM would, the SQN sequence, resynchronisation).  This
# script then checks the probe's result file, the Digest HA1s against
# md5sum, and the HSS's one log line per MAA.
. "$top_srcdir/tests/integration/lib.sh"
mig_test_init hss_mar

TOOLS=$top_builddir/tests/tools/.libs
RESULT=$MIG_TMP/probe.out

# What the HSS is given.  alice: TS 35.208 test set 1 with OP in hex;
# bob: keys as raw ASCII, as sipp takes aka_K= / aka_OP=; carol: Digest
# only; dave: both, with a Digest realm of its own.
cat > "$MIG_TMP/hss.json" <<'EOF'
{ "no_zero_xres": true,
  "subscribers": [
    { "impi": "alice@a.test", "impus": ["sip:alice@a.test", "tel:+15550001"],
      "k": "465b5ce8b199b49faa5f0a2ee238a6bc", "op": "cdc202d5123e20f62b6d676ac72cb318",
      "amf": "b9b9", "sqn": "ff9bb4d0b607" },
    { "impi": "bob@b.test", "impus": ["sip:bob@b.test"],
      "k_ascii": "0123456789abcdef", "op_ascii": "fedcba9876543210", "sqn": "000000000020" },
    { "impi": "carol@c.test", "impus": ["sip:carol@c.test"], "password": "secret" },
    { "impi": "dave@d.test", "impus": ["sip:dave@d.test"],
      "k": "000102030405060708090a0b0c0d0e0f", "opc": "0f0e0d0c0b0a09080706050403020100",
      "password": "pw", "realm": "ims.d.test" }
  ] }
EOF

# What the UE side knows, written independently: OPc of test set 1 where
# the HSS got OP, and the hex of bob's ASCII keys.
cat > "$MIG_TMP/probe.json" <<EOF
{ "result": "$RESULT", "hss": "hss.hss.test", "realm": "hss.test",
  "subscribers": [
    { "impi": "alice@a.test", "impus": ["sip:alice@a.test", "tel:+15550001"],
      "k": "465b5ce8b199b49faa5f0a2ee238a6bc", "opc": "cd63cb71954a9f4e48a5994e37a02baf",
      "amf": "b9b9", "sqn": "ff9bb4d0b607" },
    { "impi": "bob@b.test", "impus": ["sip:bob@b.test"],
      "k": "30313233343536373839616263646566", "op": "66656463626139383736353433323130",
      "sqn": "000000000020" },
    { "impi": "carol@c.test", "impus": ["sip:carol@c.test"], "password": "secret" },
    { "impi": "dave@d.test", "impus": ["sip:dave@d.test"],
      "k": "000102030405060708090a0b0c0d0e0f", "opc": "0f0e0d0c0b0a09080706050403020100",
      "password": "pw", "realm": "ims.d.test" }
  ] }
EOF

mig_fd_conf hss hss.hss.test hss.test
mig_fd_load_cx_dict hss
mig_fd_ext hss "$TOOLS/test_hss.fdx" "$MIG_TMP/hss.json"

mig_fd_conf probe probe.probe.test probe.test
mig_fd_load_cx_dict probe
mig_fd_ext probe "$TOOLS/test_hss_probe.fdx" "$MIG_TMP/probe.json"
mig_fd_link probe hss

mig_fd_start hss
mig_fd_wait_ready hss || mig_fail "the test HSS did not start"
mig_fd_start probe
mig_fd_wait_ready probe || mig_fail "the probe did not start"

has_done() { grep -q '^DONE ' "$RESULT" 2>/dev/null; }
mig_wait_for 90 has_done || mig_fail "the probe did not finish"
echo "---- probe results"
cat "$RESULT"

passed() { grep -qF "PASS $1: $2" "$RESULT"; }

mig_check "the probe saw no failure" grep -Eq '^DONE pass=[0-9]+ fail=0$' "$RESULT"
for c in 'aka_one[alice@a.test]' 'aka_one[bob@b.test]' 'aka_one[dave@d.test]' \
	aka_three aka_v2 aka_capped aka_zero_asked scheme_unknown_gives_aka \
	resync resync_bad_mac_gives_4001 aka_after_bad_resync \
	'digest[carol@c.test]' 'digest[dave@d.test]' digest_md5 \
	wrong_impu_gives_5002 unknown_user_gives_5001 unsupported_scheme_gives_5006 \
	digest_without_password_gives_5006; do
	mig_check "case $c passed" passed "$c"
done
mig_check "aka_three returns 3 items" passed aka_three items=3
mig_check "aka_capped returns 10 items" passed aka_capped items=10

# HA1 = MD5(IMPI:realm:password), computed here by other means.
ha1() { printf '%s' "$1" | md5sum | cut -d' ' -f1; }
mig_check "carol's HA1 is MD5(impi:realm:password)" \
	passed 'digest[carol@c.test]' "items=1 ha1=$(ha1 carol@c.test:c.test:secret) realm=c.test"
mig_check "dave's HA1 uses the configured realm" \
	passed 'digest[dave@d.test]' "items=1 ha1=$(ha1 dave@d.test:ims.d.test:pw) realm=ims.d.test"

# One NOTICE line per MAA, with user, scheme, item count and result.
LOG=$(mig_fd_log hss)
n_cases=$(grep -Ec '^(PASS|FAIL) ' "$RESULT")
mig_check "one MAA log line per request ($n_cases)" \
	[ "$(grep -c 'test_hss: MAA user=' "$LOG")" = "$n_cases" ]
mig_check "the log line names user, scheme, count and result" grep -q \
	'test_hss: MAA user=alice@a.test impu=tel:+15550001 scheme=Digest-AKAv1-MD5 items=3 result=2001 server=sip:scscf.probe.test:6060' "$LOG"
mig_check "refusals are logged with the reason" grep -q \
	'test_hss: MAA user=nobody@nowhere.test .* items=0 experimental=5001: unknown user' "$LOG"

mig_fd_stop probe 10
mig_check "the probe daemon stops cleanly" [ "$MIG_RC" = 0 ]
mig_fd_stop hss 10
mig_check "the test HSS stops cleanly" [ "$MIG_RC" = 0 ]
mig_pass
