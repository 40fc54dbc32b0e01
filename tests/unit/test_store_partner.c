/*
 * test_store_partner.c: partners: put, get, list, remove (with and without
 * force), their checks and their audit rows.
 */
#include <stdio.h>
#include <string.h>

#include "store_helpers.h"

static struct mig_partner partner(const char *realm, const char *sipdb, int in, int out)
{
	struct mig_partner p = { .allow_in = in, .allow_out = out, .obfuscate = 1 };

	snprintf(p.realm, sizeof p.realm, "%s", realm);
	snprintf(p.sipdb, sizeof p.sipdb, "%s", sipdb);
	return p;
}

START_TEST(test_put_then_get_returns_the_partner)
{
	struct mig_partner p = partner("c.example", "sipdb.c.example", 1, 0), got;

	ck_store_ok(fx.st, mig_partner_put(fx.st, &p));
	ck_store_ok(fx.st, mig_partner_get(fx.st, "c.example", &got));
	ck_assert_str_eq(got.realm, "c.example");
	ck_assert_str_eq(got.sipdb, "sipdb.c.example");
	ck_assert_int_eq(got.allow_in, 1);
	ck_assert_int_eq(got.allow_out, 0);
	ck_assert_int_eq(got.obfuscate, 1);
	ck_assert_int_eq(got.created, STORE_T0);
}
END_TEST

START_TEST(test_put_existing_updates_flags_and_keeps_created)
{
	struct mig_partner p = partner("c.example", "", 1, 0), got;

	ck_store_ok(fx.st, mig_partner_put(fx.st, &p));
	fx.now += 100;
	p = partner("c.example", "db.c.example", 0, 7);
	p.obfuscate = 0;
	ck_store_ok(fx.st, mig_partner_put(fx.st, &p));
	ck_store_ok(fx.st, mig_partner_get(fx.st, "c.example", &got));
	ck_assert_int_eq(got.allow_in, 0);
	ck_assert_int_eq(got.allow_out, 1); /* stored as 0/1 */
	ck_assert_int_eq(got.obfuscate, 0);
	ck_assert_str_eq(got.sipdb, "db.c.example");
	ck_assert_int_eq(got.created, STORE_T0);
	ck_assert_int_eq(store_sql_int(fx.path, "SELECT count(*) FROM partners "
	                                        "WHERE realm = 'c.example'"), 1);
}
END_TEST

START_TEST(test_put_with_bad_realm_or_sipdb_gives_invalid)
{
	struct mig_partner p = partner("bad..realm", "", 1, 1);

	ck_store_rc(fx.st, mig_partner_put(fx.st, &p), MIG_INVALID);
	ck_assert_str_eq(mig_store_errmsg(fx.st),
	                 "partner realm 'bad..realm': empty label (leading, trailing or double '.')");
	p = partner("ok.example", "db with space", 1, 1);
	ck_store_rc(fx.st, mig_partner_put(fx.st, &p), MIG_INVALID);
	ck_assert_ptr_nonnull(strstr(mig_store_errmsg(fx.st), "SIP database identity"));
	ck_assert_int_eq(store_sql_int(fx.path, "SELECT count(*) FROM partners"), 3);
}
END_TEST

START_TEST(test_get_unknown_partner_gives_notfound)
{
	struct mig_partner got;

	ck_store_rc(fx.st, mig_partner_get(fx.st, "nobody.example", &got), MIG_NOTFOUND);
	ck_assert_str_eq(mig_store_errmsg(fx.st), "partner 'nobody.example' is not configured");
}
END_TEST

/* Collects realms, stops after max. */
struct seen {
	char realms[8][MIG_IDENT_MAX + 1];
	int n, max;
};

static int collect(void *arg, const struct mig_partner *p)
{
	struct seen *s = arg;

	snprintf(s->realms[s->n++], sizeof s->realms[0], "%s", p->realm);
	return s->n == s->max;
}

START_TEST(test_list_walks_partners_by_realm_and_stops_on_request)
{
	struct seen s = { .max = 8 };

	ck_store_ok(fx.st, mig_partner_list(fx.st, collect, &s));
	ck_assert_int_eq(s.n, 3);
	ck_assert_str_eq(s.realms[0], STORE_PEER_BOTH);
	ck_assert_str_eq(s.realms[1], STORE_PEER_IN);
	ck_assert_str_eq(s.realms[2], STORE_PEER_OUT);
	s = (struct seen){ .max = 2 };
	ck_store_ok(fx.st, mig_partner_list(fx.st, collect, &s));
	ck_assert_int_eq(s.n, 2);
}
END_TEST

START_TEST(test_remove_partner_without_bindings)
{
	struct mig_partner got;
	size_t revoked = 99;

	ck_store_ok(fx.st, mig_partner_remove(fx.st, STORE_PEER_IN, 0, &revoked));
	ck_assert_uint_eq(revoked, 0);
	ck_store_rc(fx.st, mig_partner_get(fx.st, STORE_PEER_IN, &got), MIG_NOTFOUND);
	ck_store_rc(fx.st, mig_partner_remove(fx.st, STORE_PEER_IN, 0, NULL), MIG_NOTFOUND);
}
END_TEST

START_TEST(test_remove_partner_with_live_bindings_gives_conflict)
{
	struct mig_binding b;
	struct mig_partner got;

	store_alloc_ok(MIG_DIR_OUT, "alice", STORE_PEER_BOTH, &b);
	ck_store_rc(fx.st, mig_partner_remove(fx.st, STORE_PEER_BOTH, 0, NULL), MIG_CONFLICT);
	ck_assert_ptr_nonnull(strstr(mig_store_errmsg(fx.st), "1 live binding"));
	ck_store_ok(fx.st, mig_partner_get(fx.st, STORE_PEER_BOTH, &got));
	ck_store_ok(fx.st, mig_binding_get(fx.st, b.id, &b));
	ck_assert_int_eq(b.state, MIG_STATE_ALLOCATED);
}
END_TEST

START_TEST(test_forced_remove_revokes_live_bindings_in_the_same_transaction)
{
	struct mig_binding a, b, other;
	struct mig_partner got;
	size_t revoked = 0;

	store_alloc_ok(MIG_DIR_OUT, "alice", STORE_PEER_BOTH, &a);
	store_alloc_ok(MIG_DIR_IN, "bob", STORE_PEER_BOTH, &b);
	store_alloc_ok(MIG_DIR_IN, "carol", STORE_PEER_IN, &other);
	ck_store_ok(fx.st, mig_partner_remove(fx.st, STORE_PEER_BOTH, 1, &revoked));
	ck_assert_uint_eq(revoked, 2);
	ck_store_rc(fx.st, mig_partner_get(fx.st, STORE_PEER_BOTH, &got), MIG_NOTFOUND);
	ck_store_ok(fx.st, mig_binding_by_mig_impi(fx.st, a.mig_impi, &a));
	ck_assert_int_eq(a.state, MIG_STATE_REVOKED);
	ck_assert_int_eq(a.ended, STORE_T0);
	ck_store_ok(fx.st, mig_binding_get(fx.st, other.id, &other));
	ck_assert_int_eq(other.state, MIG_STATE_ALLOCATED);
	ck_assert_int_eq(store_audit_count("revoke", a.id), 1);
	ck_assert_int_eq(store_audit_count("revoke", b.id), 1);
	ck_assert_int_eq(store_audit_count("partner.remove", 0), 1);
}
END_TEST

START_TEST(test_partner_changes_are_audited)
{
	struct mig_partner p = partner("c.example", "", 1, 0);

	ck_assert_int_eq(store_audit_count("partner.put", 0), 3); /* the fixture's */
	mig_store_set_actor(fx.st, "migctl:alice");
	ck_store_ok(fx.st, mig_partner_put(fx.st, &p));
	ck_store_ok(fx.st, mig_partner_remove(fx.st, "c.example", 0, NULL));
	ck_assert_int_eq(store_sql_int(fx.path, "SELECT count(*) FROM audit WHERE realm = "
	                 "'c.example' AND actor = 'migctl:alice' AND action IN "
	                 "('partner.put', 'partner.remove')"), 2);
	ck_assert_int_eq(store_sql_int(fx.path, "SELECT count(*) FROM audit WHERE realm = 'c.example' "
	                 "AND detail = 'allow_in=1 allow_out=0 obfuscate=1 sipdb='"), 1);
}
END_TEST

static Suite *partner_suite(void)
{
	Suite *s = suite_create("mig_partner");
	TCase *tc = tcase_create("partner");

	tcase_add_checked_fixture(tc, store_setup, store_teardown);
	tcase_add_test(tc, test_put_then_get_returns_the_partner);
	tcase_add_test(tc, test_put_existing_updates_flags_and_keeps_created);
	tcase_add_test(tc, test_put_with_bad_realm_or_sipdb_gives_invalid);
	tcase_add_test(tc, test_get_unknown_partner_gives_notfound);
	tcase_add_test(tc, test_list_walks_partners_by_realm_and_stops_on_request);
	tcase_add_test(tc, test_remove_partner_without_bindings);
	tcase_add_test(tc, test_remove_partner_with_live_bindings_gives_conflict);
	tcase_add_test(tc, test_forced_remove_revokes_live_bindings_in_the_same_transaction);
	tcase_add_test(tc, test_partner_changes_are_audited);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return store_run(partner_suite());
}
