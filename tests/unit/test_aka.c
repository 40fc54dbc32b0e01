/*
** AKA vectors, the UE-side check, resynchronisation, SQN arithmetic and
** the hex helpers (tests/tools/aka.c).
**
** Known answers come from TS 35.208 test sets 1, 3 and 6: RAND, XRES, CK
** and IK are the published f2/f3/f4 values, and AUTN is
** (SQN xor f5) || AMF || f1 built from them by hand, which also matches the
** AUTNs in an independent Python HSS test suite.
*/
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "aka.h"
#include "milenage.h"

/* A subscriber and a challenge: the inputs of one vector. */
struct subscriber {
	uint8_t k[AKA_K_LEN], opc[AKA_OPC_LEN], rand[AKA_RAND_LEN];
	uint8_t sqn[AKA_SQN_LEN], amf[AKA_AMF_LEN];
};

struct known_vector {
	const char *name;
	const char *k, *opc, *rand, *sqn, *amf;
	const char *autn, *xres, *ck, *ik;
};

static const struct known_vector known[] = {
	{"ts35208_set01", "465b5ce8b199b49faa5f0a2ee238a6bc", "cd63cb71954a9f4e48a5994e37a02baf",
	 "23553cbe9637a89d218ae64dae47bf35", "ff9bb4d0b607", "b9b9",
	 "55f328b43577b9b94a9ffac354dfafb3", "a54211d5e3ba50bf",
	 "b40ba9a3c58b2a05bbf0d987b21bf8cb", "f769bcd751044604127672711c6d3441"},
	{"ts35208_set03", "fec86ba6eb707ed08905757b1bb44b8f", "1006020f0a478bf6b699f15c062e42b3",
	 "9f7c8d021accf4db213ccff0c7f71a6a", "9d0277595ffc", "725c",
	 "ae4a3a9b4c97725c9cabc3e99baf7281", "8011c48c0c214ed2",
	 "5dbdbb2954e8f3cde665b046179a5098", "59a92d3b476a0443487055cf88b2307b"},
	{"ts35208_set06", "6c38a116ac280c454f59332ee35c8c4f", "3803ef5363b947c6aaa225e58fae3934",
	 "ee6466bc96202c5a557abbeff8babf63", "414b98222181", "4464",
	 "04fb6eb891ed4464078adfb488241a57", "16c8233f05a0ac28",
	 "3f8c7587fe8e4b233af676aede30ba3b", "a7466cc1e6b2a1337d49d3b66e95d7b4"},
};

#define NKNOWN ((int)(sizeof known / sizeof known[0]))

static void unhex(const char *hex, uint8_t *out, size_t len)
{
	ck_assert_msg(aka_hex_to_bytes(hex, out, len) == 0, "malformed table entry %s", hex);
}

static void expect(const char *what, const uint8_t *got, size_t len, const char *want)
{
	char hex[2 * AKA_AUTN_LEN + 1];

	aka_bytes_to_hex(got, len, hex);
	ck_assert_msg(strcmp(hex, want) == 0, "%s: got %s, want %s", what, hex, want);
}

static void load(const struct known_vector *kv, struct subscriber *s)
{
	unhex(kv->k, s->k, sizeof s->k);
	unhex(kv->opc, s->opc, sizeof s->opc);
	unhex(kv->rand, s->rand, sizeof s->rand);
	unhex(kv->sqn, s->sqn, sizeof s->sqn);
	unhex(kv->amf, s->amf, sizeof s->amf);
}

/* Test set 1 with the vector the HSS makes for it. */
static void set1_vector(struct subscriber *s, struct aka_vector *v)
{
	load(&known[0], s);
	ck_assert_int_eq(aka_vector_make(s->k, s->opc, s->sqn, s->amf, s->rand, v), AKA_OK);
}

/* ---- vectors ---- */

START_TEST(vector_matches_published_values)
{
	const struct known_vector *kv = &known[_i];
	struct subscriber s;
	struct aka_vector v;

	load(kv, &s);
	ck_assert_int_eq(aka_vector_make(s.k, s.opc, s.sqn, s.amf, s.rand, &v), AKA_OK);
	expect("RAND", v.rand, sizeof v.rand, kv->rand);
	expect("AUTN", v.autn, sizeof v.autn, kv->autn);
	expect("XRES", v.xres, sizeof v.xres, kv->xres);
	expect("CK", v.ck, sizeof v.ck, kv->ck);
	expect("IK", v.ik, sizeof v.ik, kv->ik);
}
END_TEST

START_TEST(vector_may_take_rand_from_its_own_output)
{
	struct subscriber s;
	struct aka_vector v;

	load(&known[0], &s);
	memcpy(v.rand, s.rand, sizeof v.rand);
	ck_assert_int_eq(aka_vector_make(s.k, s.opc, s.sqn, s.amf, v.rand, &v), AKA_OK);
	expect("AUTN", v.autn, sizeof v.autn, known[0].autn);
}
END_TEST

START_TEST(fresh_vectors_have_fresh_rand_and_are_genuine)
{
	struct subscriber s;
	struct aka_vector v1, v2;
	struct aka_ue_answer a;

	load(&known[0], &s);
	ck_assert_int_eq(aka_vector_fresh(s.k, s.opc, s.sqn, s.amf, 0, &v1), AKA_OK);
	ck_assert_int_eq(aka_vector_fresh(s.k, s.opc, s.sqn, s.amf, 0, &v2), AKA_OK);
	ck_assert(memcmp(v1.rand, v2.rand, AKA_RAND_LEN) != 0);
	ck_assert_int_eq(aka_ue_check(s.k, s.opc, v1.rand, v1.autn, &a), AKA_OK);
	ck_assert(memcmp(a.res, v1.xres, AKA_XRES_LEN) == 0);
	ck_assert(memcmp(a.sqn, s.sqn, AKA_SQN_LEN) == 0);
}
END_TEST

/* sipp 3.6.1 measures RES with strlen(): a zero byte would cut it short. */
START_TEST(no_zero_option_never_yields_a_zero_xres_byte)
{
	struct subscriber s;
	struct aka_vector v;
	struct aka_ue_answer a;
	int i;

	load(&known[0], &s);
	for (i = 0; i < 500; i++) {
		ck_assert_int_eq(aka_vector_fresh(s.k, s.opc, s.sqn, s.amf, AKA_FRESH_XRES_NO_ZERO, &v),
		                 AKA_OK);
		ck_assert_msg(memchr(v.xres, 0, AKA_XRES_LEN) == NULL, "zero byte in XRES at draw %d", i);
		/* The retry must not break the vector's consistency. */
		ck_assert_int_eq(aka_ue_check(s.k, s.opc, v.rand, v.autn, &a), AKA_OK);
		ck_assert(memcmp(a.res, v.xres, AKA_XRES_LEN) == 0);
	}
}
END_TEST

/* ---- UE side ---- */

START_TEST(ue_accepts_a_genuine_vector)
{
	struct subscriber s;
	struct aka_vector v;
	struct aka_ue_answer a;

	set1_vector(&s, &v);
	ck_assert_int_eq(aka_ue_check(s.k, s.opc, v.rand, v.autn, &a), AKA_OK);
	expect("SQN", a.sqn, sizeof a.sqn, known[0].sqn);
	expect("AMF", a.amf, sizeof a.amf, known[0].amf);
	expect("RES", a.res, sizeof a.res, known[0].xres);
	expect("CK", a.ck, sizeof a.ck, known[0].ck);
	expect("IK", a.ik, sizeof a.ik, known[0].ik);
}
END_TEST

/* Flip one bit in every octet of AUTN in turn: SQN xor AK, AMF, MAC-A. */
START_TEST(ue_rejects_autn_tampered_in_any_part)
{
	struct subscriber s;
	struct aka_vector v;
	struct aka_ue_answer a, untouched;
	int i;

	set1_vector(&s, &v);
	memset(&a, 0xa5, sizeof a);
	untouched = a;
	for (i = 0; i < AKA_AUTN_LEN; i++) {
		uint8_t autn[AKA_AUTN_LEN];

		memcpy(autn, v.autn, sizeof autn);
		autn[i] ^= 0x01;
		ck_assert_msg(aka_ue_check(s.k, s.opc, v.rand, autn, &a) == AKA_ERR_MAC,
		              "AUTN octet %d tampered but accepted", i);
		ck_assert(memcmp(&a, &untouched, sizeof a) == 0);
	}
}
END_TEST

START_TEST(ue_rejects_tampered_rand)
{
	struct subscriber s;
	struct aka_vector v;
	struct aka_ue_answer a;

	set1_vector(&s, &v);
	v.rand[AKA_RAND_LEN - 1] ^= 0x80;
	ck_assert_int_eq(aka_ue_check(s.k, s.opc, v.rand, v.autn, &a), AKA_ERR_MAC);
}
END_TEST

START_TEST(ue_rejects_wrong_k_or_opc)
{
	struct subscriber s;
	struct aka_vector v;
	struct aka_ue_answer a;

	set1_vector(&s, &v);
	s.k[0] ^= 0x01;
	ck_assert_int_eq(aka_ue_check(s.k, s.opc, v.rand, v.autn, &a), AKA_ERR_MAC);
	s.k[0] ^= 0x01;
	s.opc[7] ^= 0x10;
	ck_assert_int_eq(aka_ue_check(s.k, s.opc, v.rand, v.autn, &a), AKA_ERR_MAC);
	/* A vector of another subscriber of the table fails as well. */
	load(&known[1], &s);
	ck_assert_int_eq(aka_ue_check(s.k, s.opc, v.rand, v.autn, &a), AKA_ERR_MAC);
}
END_TEST

/* ---- resynchronisation ---- */

/*
** AUTS = (SQN_MS xor f5*) || f1*(SQN_MS, AMF 0x0000): TS 33.102 6.3.3 has
** the USIM use a dummy zero AMF for MAC-S, not the subscriber's AMF.
*/
START_TEST(auts_is_sqn_ms_under_f5star_then_f1star_with_zero_amf)
{
	static const uint8_t zero_amf[AKA_AMF_LEN] = {0, 0};
	struct subscriber s;
	uint8_t auts[AKA_AUTS_LEN], mac_s[MIL_MAC_LEN];
	char hex[2 * MIL_MAC_LEN + 1];

	load(&known[0], &s);
	ck_assert_int_eq(aka_ue_auts(s.k, s.opc, s.rand, s.sqn, auts), AKA_OK);
	/* ff9bb4d0b607 xor the published f5* 451e8beca43b */
	expect("SQN_MS xor AK*", auts, AKA_SQN_LEN, "ba853f3c123c");
	ck_assert_int_eq(mil_f1(s.k, s.opc, s.rand, s.sqn, zero_amf, NULL, mac_s), 0);
	ck_assert(memcmp(auts + AKA_SQN_LEN, mac_s, MIL_MAC_LEN) == 0);
	/* With the subscriber's AMF b9b9 it would be the published f1*. */
	ck_assert_str_ne(aka_bytes_to_hex(mac_s, MIL_MAC_LEN, hex), "01cfaf9ec4e871e9");
}
END_TEST

START_TEST(resync_recovers_the_sqn_ms_of_the_ue)
{
	static const uint64_t sqn_ms[] = {0, 1, 0xff9bb4d0b607, AKA_SQN_MAX - 1, AKA_SQN_MAX};
	struct subscriber s;
	unsigned i;

	load(&known[0], &s);
	for (i = 0; i < sizeof sqn_ms / sizeof sqn_ms[0]; i++) {
		uint8_t rand[AKA_RAND_LEN], ms[AKA_SQN_LEN], auts[AKA_AUTS_LEN], got[AKA_SQN_LEN];

		ck_assert_int_eq(aka_rand_fresh(rand), AKA_OK);
		aka_sqn_to_bytes(sqn_ms[i], ms);
		ck_assert_int_eq(aka_ue_auts(s.k, s.opc, rand, ms, auts), AKA_OK);
		ck_assert_int_eq(aka_resync(s.k, s.opc, rand, auts, got), AKA_OK);
		ck_assert(aka_sqn_from_bytes(got) == sqn_ms[i]);
	}
}
END_TEST

/*
** The whole story: the UE sees a stale SQN, answers with AUTS, the HSS
** recovers SQN_MS and issues SQN_MS + 1, which the UE then accepts.
*/
START_TEST(resync_then_next_vector_is_fresh_for_the_ue)
{
	struct subscriber s;
	struct aka_vector v;
	struct aka_ue_answer a;
	uint8_t ue_sqn_ms[AKA_SQN_LEN], auts[AKA_AUTS_LEN], got[AKA_SQN_LEN], next[AKA_SQN_LEN];

	set1_vector(&s, &v);
	aka_sqn_to_bytes(aka_sqn_from_bytes(s.sqn) + 1000, ue_sqn_ms);
	ck_assert_int_eq(aka_ue_check(s.k, s.opc, v.rand, v.autn, &a), AKA_OK);
	ck_assert(aka_sqn_cmp(aka_sqn_from_bytes(a.sqn), aka_sqn_from_bytes(ue_sqn_ms)) < 0);

	ck_assert_int_eq(aka_ue_auts(s.k, s.opc, v.rand, ue_sqn_ms, auts), AKA_OK);
	ck_assert_int_eq(aka_resync(s.k, s.opc, v.rand, auts, got), AKA_OK);
	ck_assert(memcmp(got, ue_sqn_ms, AKA_SQN_LEN) == 0);

	aka_sqn_to_bytes(aka_sqn_next(aka_sqn_from_bytes(got)), next);
	ck_assert_int_eq(aka_vector_fresh(s.k, s.opc, next, s.amf, 0, &v), AKA_OK);
	ck_assert_int_eq(aka_ue_check(s.k, s.opc, v.rand, v.autn, &a), AKA_OK);
	ck_assert(aka_sqn_cmp(aka_sqn_from_bytes(a.sqn), aka_sqn_from_bytes(ue_sqn_ms)) > 0);
}
END_TEST

START_TEST(resync_rejects_tampered_auts)
{
	struct subscriber s;
	uint8_t auts[AKA_AUTS_LEN], got[AKA_SQN_LEN] = {0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a};
	int i;

	load(&known[0], &s);
	ck_assert_int_eq(aka_ue_auts(s.k, s.opc, s.rand, s.sqn, auts), AKA_OK);
	for (i = 0; i < AKA_AUTS_LEN; i++) {
		auts[i] ^= 0x04;
		ck_assert_msg(aka_resync(s.k, s.opc, s.rand, auts, got) == AKA_ERR_MAC,
		              "AUTS octet %d tampered but accepted", i);
		auts[i] ^= 0x04;
	}
	expect("SQN_MS left alone", got, sizeof got, "5a5a5a5a5a5a");
	/* The same AUTS against another RAND is no better. */
	s.rand[0] ^= 0x01;
	ck_assert_int_eq(aka_resync(s.k, s.opc, s.rand, auts, got), AKA_ERR_MAC);
}
END_TEST

/* ---- SQN arithmetic ---- */

START_TEST(sqn_bytes_round_trip_big_endian)
{
	uint8_t b[AKA_SQN_LEN];

	unhex("ff9bb4d0b607", b, sizeof b);
	ck_assert(aka_sqn_from_bytes(b) == UINT64_C(0xff9bb4d0b607));
	aka_sqn_to_bytes(UINT64_C(0x0000000100ff), b);
	expect("SQN", b, sizeof b, "0000000100ff");
	/* Bits above 48 are not part of an SQN. */
	aka_sqn_to_bytes(UINT64_C(0xabcd000000000001), b);
	expect("SQN", b, sizeof b, "000000000001");
}
END_TEST

START_TEST(sqn_increment_carries_and_wraps)
{
	uint8_t b[AKA_SQN_LEN];

	ck_assert(aka_sqn_next(5) == 6);
	aka_sqn_to_bytes(aka_sqn_next(UINT64_C(0x00ffffffffff)), b);
	expect("carry", b, sizeof b, "010000000000");
	ck_assert(aka_sqn_next(AKA_SQN_MAX) == 0);
	aka_sqn_to_bytes(aka_sqn_next(AKA_SQN_MAX), b);
	expect("wrap", b, sizeof b, "000000000000");
}
END_TEST

START_TEST(sqn_compare_is_numeric_and_a_wrapped_sqn_is_older)
{
	ck_assert_int_lt(aka_sqn_cmp(1, 2), 0);
	ck_assert_int_eq(aka_sqn_cmp(7, 7), 0);
	ck_assert_int_gt(aka_sqn_cmp(AKA_SQN_MAX, 0), 0);
	ck_assert_int_lt(aka_sqn_cmp(aka_sqn_next(AKA_SQN_MAX), AKA_SQN_MAX), 0);
	/* Compared mod 2^48, like everything else here. */
	ck_assert_int_eq(aka_sqn_cmp(AKA_SQN_MAX + 1, 0), 0);
}
END_TEST

/* ---- hex helpers and messages ---- */

START_TEST(hex_round_trip_accepts_either_case)
{
	uint8_t b[4];
	char hex[2 * sizeof b + 1];

	ck_assert_int_eq(aka_hex_to_bytes("00Ff7a", b, 3), 0);
	ck_assert(b[0] == 0x00 && b[1] == 0xff && b[2] == 0x7a);
	ck_assert_str_eq(aka_bytes_to_hex(b, 3, hex), "00ff7a");
	ck_assert_str_eq(aka_bytes_to_hex(b, 0, hex), "");
}
END_TEST

START_TEST(hex_rejects_bad_digits_and_lengths)
{
	uint8_t b[4];

	ck_assert_int_eq(aka_hex_to_bytes("0g", b, 1), -1);
	ck_assert_int_eq(aka_hex_to_bytes(" 01", b, 1), -1);
	ck_assert_int_eq(aka_hex_to_bytes("012", b, 1), -1);
	ck_assert_int_eq(aka_hex_to_bytes("01", b, 2), -1);
	ck_assert_int_eq(aka_hex_to_bytes("", b, 0), 0);
}
END_TEST

START_TEST(errors_have_distinct_messages)
{
	ck_assert_str_ne(aka_strerror(AKA_ERR_MAC), aka_strerror(AKA_ERR_CRYPTO));
	ck_assert_str_ne(aka_strerror(AKA_OK), aka_strerror(AKA_ERR_MAC));
	ck_assert_str_eq(aka_strerror(42), "unknown AKA error");
}
END_TEST

static Suite *aka_suite(void)
{
	Suite *s = suite_create("aka");
	TCase *tc;

	tc = tcase_create("vector");
	tcase_add_loop_test(tc, vector_matches_published_values, 0, NKNOWN);
	tcase_add_test(tc, vector_may_take_rand_from_its_own_output);
	tcase_add_test(tc, fresh_vectors_have_fresh_rand_and_are_genuine);
	tcase_add_test(tc, no_zero_option_never_yields_a_zero_xres_byte);
	suite_add_tcase(s, tc);

	tc = tcase_create("ue");
	tcase_add_test(tc, ue_accepts_a_genuine_vector);
	tcase_add_test(tc, ue_rejects_autn_tampered_in_any_part);
	tcase_add_test(tc, ue_rejects_tampered_rand);
	tcase_add_test(tc, ue_rejects_wrong_k_or_opc);
	suite_add_tcase(s, tc);

	tc = tcase_create("resync");
	tcase_add_test(tc, auts_is_sqn_ms_under_f5star_then_f1star_with_zero_amf);
	tcase_add_test(tc, resync_recovers_the_sqn_ms_of_the_ue);
	tcase_add_test(tc, resync_then_next_vector_is_fresh_for_the_ue);
	tcase_add_test(tc, resync_rejects_tampered_auts);
	suite_add_tcase(s, tc);

	tc = tcase_create("sqn");
	tcase_add_test(tc, sqn_bytes_round_trip_big_endian);
	tcase_add_test(tc, sqn_increment_carries_and_wraps);
	tcase_add_test(tc, sqn_compare_is_numeric_and_a_wrapped_sqn_is_older);
	suite_add_tcase(s, tc);

	tc = tcase_create("helpers");
	tcase_add_test(tc, hex_round_trip_accepts_either_case);
	tcase_add_test(tc, hex_rejects_bad_digits_and_lengths);
	tcase_add_test(tc, errors_have_distinct_messages);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(aka_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
