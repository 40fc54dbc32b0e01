/*
 * test_store_ident.c: identity syntax rules (one test per rule) and the
 * random identity generator.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mig_ident.h"
#include "store_helpers.h"

/* Assert that check(s) fails with a reason containing want. */
#define ck_refused(check, s, want)                                                     \
	do {                                                                           \
		const char *why_ = check(s);                                           \
		ck_assert_msg(why_ != NULL, "%s('%s') accepted", #check, s);          \
		ck_assert_msg(strstr(why_, want), "%s('%s'): '%s' lacks '%s'", #check, \
		              s, why_, want);                                          \
	} while (0)
#define ck_accepted(check, s)                                                          \
	do {                                                                           \
		const char *why_ = check(s);                                           \
		ck_assert_msg(why_ == NULL, "%s('%s'): %s", #check, s, why_);         \
	} while (0)

/* A string of n copies of c followed by tail, in a static buffer. */
static const char *repeat(char c, size_t n, const char *tail)
{
	static char buf[1024];

	memset(buf, c, n);
	strcpy(buf + n, tail);
	return buf;
}

START_TEST(test_impi_accepts_nai)
{
	ck_accepted(mig_ident_check_impi, "alice@home.example");
	ck_accepted(mig_ident_check_impi, "mig-abc_1.x+y@a-b.c0");
	ck_accepted(mig_ident_check_impi, repeat('u', 200, "@r.example"));
}
END_TEST

START_TEST(test_impi_empty_or_null_is_refused)
{
	ck_refused(mig_ident_check_impi, "", "empty");
	ck_assert_ptr_nonnull(mig_ident_check_impi(NULL));
}
END_TEST

START_TEST(test_impi_longer_than_255_bytes_is_refused)
{
	ck_accepted(mig_ident_check_impi, repeat('u', 255 - 10, "@r.example"));
	ck_refused(mig_ident_check_impi, repeat('u', 256 - 10, "@r.example"), "longer than 255");
}
END_TEST

START_TEST(test_impi_without_at_is_refused)
{
	ck_refused(mig_ident_check_impi, "alice.home.example", "missing '@'");
}
END_TEST

START_TEST(test_impi_with_two_ats_is_refused)
{
	ck_refused(mig_ident_check_impi, "alice@bob@home.example", "more than one '@'");
}
END_TEST

START_TEST(test_impi_with_empty_user_is_refused)
{
	ck_refused(mig_ident_check_impi, "@home.example", "empty user");
}
END_TEST

START_TEST(test_impi_with_empty_realm_is_refused)
{
	ck_refused(mig_ident_check_impi, "alice@", "empty realm");
}
END_TEST

START_TEST(test_impi_with_whitespace_or_control_is_refused)
{
	ck_refused(mig_ident_check_impi, "ali ce@home.example", "whitespace");
	ck_refused(mig_ident_check_impi, "alice@home.example\n", "control");
	ck_refused(mig_ident_check_impi, "al\tice@home.example", "control");
	ck_refused(mig_ident_check_impi, "al\x7f" "ice@home.example", "control");
}
END_TEST

START_TEST(test_impi_with_non_ascii_is_refused)
{
	ck_refused(mig_ident_check_impi, "al\xc3\xa9@home.example", "non-ASCII");
}
END_TEST

START_TEST(test_impi_with_bad_realm_is_refused)
{
	ck_refused(mig_ident_check_impi, "alice@home..example", "empty label");
	ck_refused(mig_ident_check_impi, "alice@home.example.", "empty label");
	ck_refused(mig_ident_check_impi, "alice@-home.example", "starts or ends with '-'");
	ck_refused(mig_ident_check_impi, "alice@home_x.example", "only letters");
}
END_TEST

START_TEST(test_realm_label_longer_than_63_is_refused)
{
	ck_accepted(mig_ident_check_realm, repeat('a', 63, ".example"));
	ck_refused(mig_ident_check_realm, repeat('a', 64, ".example"), "longer than 63");
}
END_TEST

START_TEST(test_realm_rules)
{
	ck_accepted(mig_ident_check_realm, "localhost");
	ck_accepted(mig_ident_check_realm, "hss1.IMS.mnc001.mcc001.3gppnetwork.org");
	ck_refused(mig_ident_check_realm, "", "empty");
	ck_refused(mig_ident_check_realm, ".example", "empty label");
	ck_refused(mig_ident_check_realm, "exa mple", "whitespace");
	ck_refused(mig_ident_check_realm, "a@b", "only letters");
	ck_refused(mig_ident_check_realm, "ex-.ample", "starts or ends with '-'");
	ck_refused(mig_ident_check_realm, repeat('a', 256, ""), "longer than 255");
}
END_TEST

START_TEST(test_impu_accepts_sip_sips_tel)
{
	ck_accepted(mig_ident_check_impu, "sip:alice@home.example");
	ck_accepted(mig_ident_check_impu, "SIP:alice@home.example");
	ck_accepted(mig_ident_check_impu, "sips:alice@home.example");
	ck_accepted(mig_ident_check_impu, "tel:+358401234567");
	ck_accepted(mig_ident_check_impu, "tel:+1");
}
END_TEST

START_TEST(test_impu_with_other_scheme_is_refused)
{
	ck_refused(mig_ident_check_impu, "alice@home.example", "must start with");
	ck_refused(mig_ident_check_impu, "mailto:alice@home.example", "must start with");
}
END_TEST

START_TEST(test_impu_sip_rules)
{
	ck_refused(mig_ident_check_impu, "sip:alice.home.example", "missing '@'");
	ck_refused(mig_ident_check_impu, "sip:@home.example", "empty user");
	ck_refused(mig_ident_check_impu, "sip:alice@", "empty realm");
	ck_refused(mig_ident_check_impu, "sip:a@b@home.example", "more than one '@'");
	ck_refused(mig_ident_check_impu, "sip:alice@home.example:5060", "only letters");
	ck_refused(mig_ident_check_impu, "sip:al ice@home.example", "whitespace");
	ck_refused(mig_ident_check_impu, repeat('u', 250, "@r.example"), "longer than 255");
}
END_TEST

START_TEST(test_impu_tel_rules)
{
	ck_refused(mig_ident_check_impu, "tel:358401234567", "'tel:+' followed by digits");
	ck_refused(mig_ident_check_impu, "tel:+", "'tel:+' followed by digits");
	ck_refused(mig_ident_check_impu, "tel:+35840-123", "'tel:+' followed by digits");
	ck_refused(mig_ident_check_impu, "tel:+1234567890123456", "longer than 15");
	ck_accepted(mig_ident_check_impu, "tel:+123456789012345");
}
END_TEST

START_TEST(test_server_name_is_a_uri_without_spaces)
{
	ck_accepted(mig_ident_check_server, "sip:scscf1.b.example:6060;transport=tcp");
	ck_refused(mig_ident_check_server, "", "empty");
	ck_refused(mig_ident_check_server, "sip:scscf b", "whitespace");
	ck_refused(mig_ident_check_server, repeat('s', 256, ""), "longer than 255");
}
END_TEST

START_TEST(test_prefix_rules)
{
	ck_accepted(mig_ident_check_prefix, "");
	ck_accepted(mig_ident_check_prefix, "mig-");
	ck_refused(mig_ident_check_prefix, "mig@", "only letters");
	ck_refused(mig_ident_check_prefix, repeat('p', 33, ""), "longer than 32");
}
END_TEST

START_TEST(test_random_identity_has_the_configured_form)
{
	char impi[MIG_IDENT_MAX + 1], impu[MIG_IDENT_MAX + 1];
	size_t i;

	ck_assert_ptr_null(mig_ident_random(impi, impu, "mig-", 16, "r.example"));
	ck_assert_uint_eq(strlen(impi), 4 + 16 + 1 + 9);
	ck_assert_int_eq(strncmp(impi, "mig-", 4), 0);
	ck_assert_str_eq(impi + 20, "@r.example");
	for (i = 4; i < 20; i++)
		ck_assert_msg(strchr("abcdefghijklmnopqrstuvwxyz234567", impi[i]),
		              "'%c' is not base32", impi[i]);
	ck_assert_int_eq(strncmp(impu, "sip:", 4), 0);
	ck_assert_str_eq(impu + 4, impi);
	ck_assert_ptr_null(mig_ident_check_impi(impi));
	ck_assert_ptr_null(mig_ident_check_impu(impu));
}
END_TEST

START_TEST(test_random_identities_differ_and_use_the_whole_alphabet)
{
	char impi[MIG_IDENT_MAX + 1], impu[MIG_IDENT_MAX + 1], first[MIG_IDENT_MAX + 1];
	int seen[256] = { 0 }, i, distinct = 0;

	ck_assert_ptr_null(mig_ident_random(first, impu, "", 16, "r"));
	for (i = 0; i < 200; i++) {
		ck_assert_ptr_null(mig_ident_random(impi, impu, "", 16, "r"));
		ck_assert_str_ne(impi, first);
		for (int j = 0; j < 16; j++)
			seen[(unsigned char)impi[j]]++;
	}
	for (i = 0; i < 256; i++)
		distinct += seen[i] > 0;
	/* 3200 uniform draws over 32 symbols: all appear (P(miss) ~ 1e-43). */
	ck_assert_int_eq(distinct, 32);
}
END_TEST

START_TEST(test_random_identity_refuses_bad_form)
{
	char impi[MIG_IDENT_MAX + 1], impu[MIG_IDENT_MAX + 1], realm[300];

	ck_assert_ptr_nonnull(mig_ident_random(impi, impu, "a b", 16, "r.example"));
	ck_assert_ptr_nonnull(mig_ident_random(impi, impu, "mig-", 0, "r.example"));
	ck_assert_ptr_nonnull(mig_ident_random(impi, impu, "mig-", 65, "r.example"));
	ck_assert_ptr_nonnull(mig_ident_random(impi, impu, "mig-", 16, "bad..realm"));
	/* 4 labels of 60: a valid 243-byte realm, too long with prefix and @. */
	memset(realm, 'a', 4 * 61);
	realm[60] = realm[121] = realm[182] = '.';
	realm[243] = '\0';
	ck_assert_ptr_null(mig_ident_check_realm(realm));
	ck_assert_str_eq(mig_ident_random(impi, impu, "mig-", 16, realm),
	                 "generated identity longer than 255 bytes");
}
END_TEST

static Suite *ident_suite(void)
{
	Suite *s = suite_create("mig_ident");
	TCase *tc = tcase_create("syntax");

	tcase_add_test(tc, test_impi_accepts_nai);
	tcase_add_test(tc, test_impi_empty_or_null_is_refused);
	tcase_add_test(tc, test_impi_longer_than_255_bytes_is_refused);
	tcase_add_test(tc, test_impi_without_at_is_refused);
	tcase_add_test(tc, test_impi_with_two_ats_is_refused);
	tcase_add_test(tc, test_impi_with_empty_user_is_refused);
	tcase_add_test(tc, test_impi_with_empty_realm_is_refused);
	tcase_add_test(tc, test_impi_with_whitespace_or_control_is_refused);
	tcase_add_test(tc, test_impi_with_non_ascii_is_refused);
	tcase_add_test(tc, test_impi_with_bad_realm_is_refused);
	tcase_add_test(tc, test_realm_label_longer_than_63_is_refused);
	tcase_add_test(tc, test_realm_rules);
	tcase_add_test(tc, test_impu_accepts_sip_sips_tel);
	tcase_add_test(tc, test_impu_with_other_scheme_is_refused);
	tcase_add_test(tc, test_impu_sip_rules);
	tcase_add_test(tc, test_impu_tel_rules);
	tcase_add_test(tc, test_server_name_is_a_uri_without_spaces);
	tcase_add_test(tc, test_prefix_rules);
	suite_add_tcase(s, tc);
	tc = tcase_create("random");
	tcase_add_test(tc, test_random_identity_has_the_configured_form);
	tcase_add_test(tc, test_random_identities_differ_and_use_the_whole_alphabet);
	tcase_add_test(tc, test_random_identity_refuses_bad_form);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return store_run(ident_suite());
}
