/*
 * test_config.c: the broker's JSON configuration (src/mig_config.c).
 *
 * Every refusal must name the field, since the message is all an operator
 * sees when freeDiameterd stops at start.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mig_config.h"

#define MINIMAL_HEAD \
	"{ \"system\": { \"realm\": \"a.test\", \"sipdb\": \"sipdb.a.test\" }," \
	"  \"database\": \"/tmp/x.db\", \"hss\": { \"host\": \"hss.a.test\" },"
#define PARTNER_B \
	"{ \"realm\": \"b.test\", \"sipdb\": \"sipdb.b.test\", \"migrate_in\": true," \
	"  \"migrate_out\": false, \"obfuscate\": true }"

static struct mig_config *cfg;
static char err[MIG_CONFIG_ERR_MAX];

static int parse(const char *text)
{
	mig_config_free(cfg);
	cfg = NULL;
	err[0] = '\0';
	return mig_config_parse(text, strlen(text), &cfg, err, sizeof(err));
}

/* The text must be refused with a message containing want. */
static void refused(const char *text, const char *want)
{
	ck_assert_int_eq(parse(text), -1);
	ck_assert_ptr_null(cfg);
	ck_assert_msg(strstr(err, want) != NULL, "message '%s' lacks '%s'", err, want);
}

static void teardown(void)
{
	mig_config_free(cfg);
	cfg = NULL;
}

START_TEST(test_minimal_config_gets_documented_defaults)
{
	ck_assert_int_eq(parse(MINIMAL_HEAD "\"partners\": [" PARTNER_B "] }"), 0);
	ck_assert_str_eq(cfg->realm, "a.test");
	ck_assert_str_eq(cfg->hss_realm, "a.test");
	ck_assert_str_eq(cfg->id_realm, "a.test");
	ck_assert_str_eq(cfg->id_prefix, "mig-");
	ck_assert_uint_eq(cfg->id_chars, 16);
	ck_assert_uint_eq(cfg->lifetime, 86400);
	ck_assert_uint_eq(cfg->timeout_ms, 3000);
	ck_assert_str_eq(cfg->border_server_name, "sip:sipdb.a.test");
	ck_assert_str_eq(cfg->id_pool, "");
}
END_TEST

START_TEST(test_every_field_is_read)
{
	ck_assert_int_eq(parse(MINIMAL_HEAD
		"\"identities\": { \"prefix\": \"v-\", \"chars\": 20, \"realm\": \"mig.a.test\","
		"  \"pool\": \"p1\", \"lifetime\": 60 },"
		"\"border_server_name\": \"sip:border.a.test\", \"timeout_ms\": 1500,"
		"\"partners\": [" PARTNER_B ", { \"realm\": \"c.test\", \"migrate_in\": false,"
		"  \"migrate_out\": true }] }"), 0);
	ck_assert_str_eq(cfg->id_prefix, "v-");
	ck_assert_uint_eq(cfg->id_chars, 20);
	ck_assert_str_eq(cfg->id_realm, "mig.a.test");
	ck_assert_str_eq(cfg->id_pool, "p1");
	ck_assert_uint_eq(cfg->lifetime, 60);
	ck_assert_str_eq(cfg->border_server_name, "sip:border.a.test");
	ck_assert_uint_eq(cfg->timeout_ms, 1500);
	ck_assert_uint_eq(cfg->n_partners, 2);
	ck_assert_str_eq(cfg->partners[0].sipdb, "sipdb.b.test");
	ck_assert_int_eq(cfg->partners[0].migrate_in, 1);
	ck_assert_int_eq(cfg->partners[0].migrate_out, 0);
	ck_assert_int_eq(cfg->partners[0].obfuscate, 1);
	ck_assert_str_eq(cfg->partners[1].sipdb, "");
	ck_assert_int_eq(cfg->partners[1].obfuscate, 0);
}
END_TEST

START_TEST(test_partner_lookup_ignores_case)
{
	ck_assert_int_eq(parse(MINIMAL_HEAD "\"partners\": [" PARTNER_B "] }"), 0);
	ck_assert_ptr_nonnull(mig_config_partner(cfg, "B.TEST"));
	ck_assert_ptr_null(mig_config_partner(cfg, "c.test"));
}
END_TEST

START_TEST(test_missing_required_fields_are_named)
{
	refused("{ \"database\": \"x\", \"hss\": { \"host\": \"h.a\" }, \"partners\": [] }",
	        "system: missing");
	refused("{ \"system\": { \"sipdb\": \"s.a\" }, \"database\": \"x\","
	        "  \"hss\": { \"host\": \"h.a\" }, \"partners\": [] }", "system.realm: missing");
	refused(MINIMAL_HEAD " \"identities\": {} }", "partners: missing");
	refused(MINIMAL_HEAD "\"partners\": [ { \"realm\": \"b.test\", \"migrate_in\": true } ] }",
	        "partners[0].migrate_out: missing");
}
END_TEST

START_TEST(test_unknown_fields_are_refused)
{
	refused(MINIMAL_HEAD "\"partners\": [], \"partner\": [] }", "partner: unknown field");
	refused(MINIMAL_HEAD "\"partners\": [" PARTNER_B ", { \"realm\": \"c.test\","
	        " \"migrate_in\": true, \"migrate_out\": true, \"obfsucate\": true } ] }",
	        "partners[1].obfsucate: unknown field");
}
END_TEST

START_TEST(test_wrong_types_and_ranges_are_refused)
{
	refused(MINIMAL_HEAD "\"timeout_ms\": \"3\", \"partners\": [] }",
	        "timeout_ms: must be a whole number");
	refused(MINIMAL_HEAD "\"timeout_ms\": -1, \"partners\": [] }", "timeout_ms: -1 is out of range");
	refused(MINIMAL_HEAD "\"identities\": { \"chars\": 65 }, \"partners\": [] }",
	        "identities.chars: 65 is out of range");
	refused(MINIMAL_HEAD "\"identities\": { \"chars\": 0 }, \"partners\": [] }",
	        "identities.chars: must be at least");
	refused(MINIMAL_HEAD "\"partners\": [ { \"realm\": \"b.test\", \"migrate_in\": 1,"
	        " \"migrate_out\": true } ] }", "partners[0].migrate_in: must be true or false");
	refused(MINIMAL_HEAD "\"partners\": {} }", "partners: must be an array");
	refused(MINIMAL_HEAD "\"partners\": [ 3 ] }", "partners[0]: must be an object");
	refused("[]", "must be an object");
}
END_TEST

START_TEST(test_bad_names_are_refused_with_the_reason)
{
	refused("{ \"system\": { \"realm\": \"a test\", \"sipdb\": \"s.a\" }, \"database\": \"x\","
	        "  \"hss\": { \"host\": \"h.a\" }, \"partners\": [] }", "system.realm: 'a test'");
	refused(MINIMAL_HEAD "\"identities\": { \"prefix\": \"a/b\" }, \"partners\": [] }",
	        "identities.prefix: 'a/b'");
	refused(MINIMAL_HEAD "\"partners\": [ { \"realm\": \"b\\u0000x\", \"migrate_in\": true,"
	        " \"migrate_out\": true } ] }", "is not allowed");
	refused("{ \"system\": { \"realm\": \"a.test\", \"sipdb\": \"\" }, \"database\": \"x\","
	        "  \"hss\": { \"host\": \"h.a\" }, \"partners\": [] }", "system.sipdb: must not be empty");
}
END_TEST

START_TEST(test_partner_listed_twice_or_ourselves_is_refused)
{
	refused(MINIMAL_HEAD "\"partners\": [" PARTNER_B ", { \"realm\": \"B.test\","
	        " \"migrate_in\": true, \"migrate_out\": true } ] }", "listed twice");
	refused(MINIMAL_HEAD "\"partners\": [ { \"realm\": \"a.test\", \"migrate_in\": true,"
	        " \"migrate_out\": true } ] }", "our own realm");
}
END_TEST

START_TEST(test_json_errors_give_line_and_column)
{
	refused("{ \"system\": ", "line 1");
	refused(MINIMAL_HEAD "\"partners\": [], \"partners\": [] }", "duplicate");
}
END_TEST

START_TEST(test_load_names_the_file)
{
	char path[] = "/tmp/mig_config_XXXXXX";
	int fd = mkstemp(path);
	FILE *f;

	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	fputs(MINIMAL_HEAD "\"partners\": [ {} ] }", f);
	fclose(f);
	ck_assert_int_eq(mig_config_load(path, &cfg, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, path) && strstr(err, "partners[0].realm: missing"), "%s", err);
	unlink(path);
	ck_assert_int_eq(mig_config_load("/nonexistent/mig.json", &cfg, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "/nonexistent/mig.json") != NULL, "%s", err);
}
END_TEST

/* ---- the Cx commands beyond MAR: our S-CSCF (UAR/LIR), partners' TLS and
 * visitor profile, how long registration terminations are retried ---- */

#define CX_HEAD \
	"{ \"system\": { \"realm\": \"b.test\", \"sipdb\": \"sipdb.b.test\" }," \
	"  \"database\": \"/tmp/x.db\", \"hss\": { \"host\": \"hss.b.test\" },"
#define CX_PARTNER(extra) \
	"\"partners\": [ { \"realm\": \"a.test\", \"migrate_in\": true, \"migrate_out\": true" \
	extra " } ]"

START_TEST(test_defaults_tls_on_primary_profile_one_day_of_retries)
{
	ck_assert_int_eq(parse(CX_HEAD CX_PARTNER("") "}"), 0);
	ck_assert_int_eq(cfg->partners[0].tls, 1);
	ck_assert_str_eq(cfg->partners[0].profile_mode, "primary");
	ck_assert_ptr_null(cfg->partners[0].profile_template);
	ck_assert_str_eq(cfg->scscf_name, "");
	ck_assert_uint_eq(cfg->scscf_mandatory.n, 0);
	ck_assert_uint_eq(cfg->rtr_retry_for, 86400);
}
END_TEST

START_TEST(test_scscf_and_retry_fields_are_read)
{
	ck_assert_int_eq(parse(CX_HEAD CX_PARTNER("") ", \"rtr_retry_for\": 600,"
	                       "\"scscf\": { \"name\": \"sip:scscf.b.test:6060\", \"capabilities\":"
	                       "  { \"mandatory\": [1, 2], \"optional\": [4294967295] } } }"),
	                 0);
	ck_assert_str_eq(cfg->scscf_name, "sip:scscf.b.test:6060");
	ck_assert_uint_eq(cfg->scscf_mandatory.n, 2);
	ck_assert_uint_eq(cfg->scscf_mandatory.v[1], 2);
	ck_assert_uint_eq(cfg->scscf_optional.n, 1);
	ck_assert_uint_eq(cfg->scscf_optional.v[0], 4294967295u);
	ck_assert_uint_eq(cfg->rtr_retry_for, 600);
}
END_TEST

START_TEST(test_partner_tls_and_profile_are_read)
{
	ck_assert_int_eq(parse(CX_HEAD CX_PARTNER(", \"tls\": false, \"profile_mode\": \"merge\","
	                                    " \"profile_template\": \"/etc/visitors.xml\"") "}"),
	                 0);
	ck_assert_int_eq(cfg->partners[0].tls, 0);
	ck_assert_str_eq(cfg->partners[0].profile_mode, "merge");
	ck_assert_str_eq(cfg->partners[0].profile_template, "/etc/visitors.xml");
	ck_assert_int_eq(parse(CX_HEAD CX_PARTNER(", \"profile_mode\": \"template\", \"profile_template\":"
	                                    " \"<IMSSubscription/>\"") "}"),
	                 0);
	ck_assert_str_eq(cfg->partners[0].profile_template, "<IMSSubscription/>");
}
END_TEST

START_TEST(test_bad_scscf_fields_are_named)
{
	refused(CX_HEAD CX_PARTNER("") ", \"scscf\": { \"name\": \"sip:a b\" } }", "scscf.name: 'sip:a b'");
	refused(CX_HEAD CX_PARTNER("") ", \"scscf\": { \"nmae\": \"x\" } }", "scscf.nmae: unknown field");
	refused(CX_HEAD CX_PARTNER("") ", \"scscf\": { \"capabilities\": { \"mandatory\": 1 } } }",
	        "scscf.capabilities.mandatory: must be an array");
	refused(CX_HEAD CX_PARTNER("") ", \"scscf\": { \"capabilities\": { \"optional\": [1, -2] } } }",
	        "scscf.capabilities.optional: [1]: must be a whole number");
	refused(CX_HEAD CX_PARTNER("") ", \"scscf\": { \"capabilities\": { \"optional\":"
	        " [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17] } } }",
	        "scscf.capabilities.optional: more than 16 numbers");
	refused(CX_HEAD CX_PARTNER("") ", \"rtr_retry_for\": 99999999 }", "rtr_retry_for: 99999999 is out of range");
}
END_TEST

START_TEST(test_alloc_batch_and_database_mmap_are_read_and_checked)
{
	ck_assert_int_eq(parse(CX_HEAD CX_PARTNER("") "}"), 0);
	ck_assert_uint_eq(cfg->alloc_batch, 64);
	ck_assert_int_eq(parse(CX_HEAD CX_PARTNER("") ", \"alloc_batch\": 1 }"), 0);
	ck_assert_uint_eq(cfg->alloc_batch, 1);
	refused(CX_HEAD CX_PARTNER("") ", \"alloc_batch\": 0 }", "alloc_batch: must be at least 1");
	refused(CX_HEAD CX_PARTNER("") ", \"alloc_batch\": 4097 }", "alloc_batch: 4097 is out of range");
	ck_assert_int_eq(parse(CX_HEAD CX_PARTNER("") "}"), 0);
	ck_assert_uint_eq(cfg->database_mmap_mib, 0);
	ck_assert_int_eq(parse(CX_HEAD CX_PARTNER("") ", \"database_mmap_mib\": 2047 }"), 0);
	ck_assert_uint_eq(cfg->database_mmap_mib, 2047);
	refused(CX_HEAD CX_PARTNER("") ", \"database_mmap_mib\": 2048 }",
	        "database_mmap_mib: 2048 is out of range");
}
END_TEST

START_TEST(test_bad_profile_settings_are_named)
{
	refused(CX_HEAD CX_PARTNER(", \"profile_mode\": \"own\"") "}",
	        "partners[0].profile_mode: 'own': must be primary, template or merge");
	refused(CX_HEAD CX_PARTNER(", \"profile_mode\": \"template\"") "}",
	        "partners[0].profile_template: missing (profile_mode template needs it)");
	refused(CX_HEAD CX_PARTNER(", \"profile_template\": \"/x.xml\"") "}",
	        "partners[0].profile_template: not used with profile_mode primary");
	refused(CX_HEAD CX_PARTNER(", \"profile_mode\": \"merge\", \"profile_template\": \"\"") "}",
	        "partners[0].profile_template: must not be empty");
	refused(CX_HEAD CX_PARTNER(", \"tls\": \"yes\"") "}", "partners[0].tls: must be true or false");
}
END_TEST

START_TEST(test_limits_default_to_none_and_are_read)
{
	ck_assert_int_eq(parse(CX_HEAD CX_PARTNER("") "}"), 0);
	ck_assert_uint_eq(cfg->max_inflight, MIG_CONFIG_DEFAULT_MAX_INFLIGHT);
	ck_assert_uint_eq(cfg->max_queue_ms, MIG_CONFIG_DEFAULT_MAX_QUEUE_MS);
	ck_assert_int_eq(cfg->doic, 1);
	ck_assert_uint_eq(cfg->max_backlog_kb, MIG_CONFIG_DEFAULT_MAX_BACKLOG_KB);
	ck_assert_uint_eq(cfg->partners[0].max_bindings, 0);
	ck_assert_uint_eq(cfg->partners[0].max_rps, 0);
	ck_assert_uint_eq(cfg->partners[0].burst, 0);
	ck_assert_int_eq(parse(CX_HEAD CX_PARTNER(", \"limits\": { \"bindings\": 5000, \"rps\": 200 }")
	                       ", \"max_inflight\": 64, \"max_queue_ms\": 0, \"doic\": false, "
	                       "\"max_backlog_kb\": 0 }"),
	                 0);
	ck_assert_int_eq(cfg->doic, 0);
	ck_assert_uint_eq(cfg->max_backlog_kb, 0);
	ck_assert_uint_eq(cfg->max_inflight, 64);
	ck_assert_uint_eq(cfg->max_queue_ms, 0);
	ck_assert_uint_eq(cfg->partners[0].max_bindings, 5000);
	ck_assert_uint_eq(cfg->partners[0].max_rps, 200);
	ck_assert_uint_eq(cfg->partners[0].burst, 200); /* a second's worth */
	ck_assert_int_eq(parse(CX_HEAD CX_PARTNER(", \"limits\": { \"rps\": 10, \"burst\": 50 }") "}"), 0);
	ck_assert_uint_eq(cfg->partners[0].burst, 50);
}
END_TEST

START_TEST(test_bad_limits_are_named)
{
	refused(CX_HEAD CX_PARTNER(", \"limits\": { \"rps\": -1 }") "}",
	        "partners[0].limits.rps: -1 is out of range");
	refused(CX_HEAD CX_PARTNER(", \"limits\": { \"bindings\": \"many\" }") "}",
	        "partners[0].limits.bindings: must be a whole number");
	refused(CX_HEAD CX_PARTNER(", \"limits\": { \"bindings\": 1.5 }") "}",
	        "partners[0].limits.bindings: must be a whole number");
	refused(CX_HEAD CX_PARTNER(", \"limits\": { \"burst\": 100000001, \"rps\": 1 }") "}",
	        "partners[0].limits.burst: 100000001 is out of range");
	refused(CX_HEAD CX_PARTNER(", \"limits\": { \"burst\": 10 }") "}",
	        "partners[0].limits.burst: needs limits.rps");
	refused(CX_HEAD CX_PARTNER(", \"limits\": { \"rate\": 10 }") "}",
	        "partners[0].limits.rate: unknown field");
	refused(CX_HEAD CX_PARTNER(", \"limits\": 10") "}", "partners[0].limits: must be an object");
	refused(CX_HEAD CX_PARTNER("") ", \"max_inflight\": 0 }", "max_inflight: must be at least 1");
	refused(CX_HEAD CX_PARTNER("") ", \"max_inflight\": 1000001 }",
	        "max_inflight: 1000001 is out of range");
	refused(CX_HEAD CX_PARTNER("") ", \"max_queue_ms\": 60001 }",
	        "max_queue_ms: 60001 is out of range (0 to 60000)");
	refused(CX_HEAD CX_PARTNER("") ", \"doic\": 1 }", "doic: must be true or false");
	refused(CX_HEAD CX_PARTNER("") ", \"max_backlog_kb\": 1048577 }",
	        "max_backlog_kb: 1048577 is out of range (0 to 1048576)");
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("parse");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_minimal_config_gets_documented_defaults);
	tcase_add_test(tc, test_every_field_is_read);
	tcase_add_test(tc, test_partner_lookup_ignores_case);
	tcase_add_test(tc, test_missing_required_fields_are_named);
	tcase_add_test(tc, test_unknown_fields_are_refused);
	tcase_add_test(tc, test_wrong_types_and_ranges_are_refused);
	tcase_add_test(tc, test_bad_names_are_refused_with_the_reason);
	tcase_add_test(tc, test_partner_listed_twice_or_ourselves_is_refused);
	tcase_add_test(tc, test_json_errors_give_line_and_column);
	tcase_add_test(tc, test_load_names_the_file);
	tcase_add_test(tc, test_defaults_tls_on_primary_profile_one_day_of_retries);
	tcase_add_test(tc, test_scscf_and_retry_fields_are_read);
	tcase_add_test(tc, test_partner_tls_and_profile_are_read);
	tcase_add_test(tc, test_bad_scscf_fields_are_named);
	tcase_add_test(tc, test_bad_profile_settings_are_named);
	tcase_add_test(tc, test_limits_default_to_none_and_are_read);
	tcase_add_test(tc, test_bad_limits_are_named);
	tcase_add_test(tc, test_alloc_batch_and_database_mmap_are_read_and_checked);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(config_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
