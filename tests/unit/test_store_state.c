/*
 * test_store_state.c: state changes: register/unregister, touch, revoke
 * (by id, user, partner) with counts, expiry driven by the clock hook,
 * purge (which frees pool entries), and the audit rows of each.
 */
#include <stdio.h>
#include <string.h>

#include "store_helpers.h"

START_TEST(test_register_records_server_and_last_used_and_is_audited_once)
{
	struct mig_binding b;

	store_alloc_ok(MIG_DIR_IN, "alice", STORE_PEER_BOTH, &b);
	fx.now += 5;
	ck_store_ok(fx.st, mig_binding_register(fx.st, b.id, "sip:scscf1.mig.home.example"));
	ck_store_ok(fx.st, mig_binding_get(fx.st, b.id, &b));
	ck_assert_int_eq(b.state, MIG_STATE_REGISTERED);
	ck_assert_str_eq(b.server, "sip:scscf1.mig.home.example");
	ck_assert_int_eq(b.last_used, STORE_T0 + 5);
	fx.now += 5; /* re-registration at the same S-CSCF: no new audit row */
	ck_store_ok(fx.st, mig_binding_register(fx.st, b.id, "sip:scscf1.mig.home.example"));
	ck_store_ok(fx.st, mig_binding_get(fx.st, b.id, &b));
	ck_assert_int_eq(b.last_used, STORE_T0 + 10);
	ck_assert_int_eq(store_audit_count("register", b.id), 1);
	ck_store_ok(fx.st, mig_binding_register(fx.st, b.id, "sip:scscf2.mig.home.example"));
	ck_assert_int_eq(store_audit_count("register", b.id), 2);
}
END_TEST

START_TEST(test_unregister_goes_back_to_allocated)
{
	struct mig_binding b;

	store_alloc_ok(MIG_DIR_IN, "alice", STORE_PEER_BOTH, &b);
	ck_store_ok(fx.st, mig_binding_register(fx.st, b.id, "sip:scscf1.mig.home.example"));
	ck_store_ok(fx.st, mig_binding_unregister(fx.st, b.id));
	ck_store_ok(fx.st, mig_binding_get(fx.st, b.id, &b));
	ck_assert_int_eq(b.state, MIG_STATE_ALLOCATED);
	ck_assert_str_eq(b.server, "");
	ck_assert_int_eq(store_audit_count("unregister", b.id), 1);
}
END_TEST

START_TEST(test_register_dead_or_unknown_binding_is_refused)
{
	struct mig_binding b;

	store_alloc_ok(MIG_DIR_IN, "alice", STORE_PEER_BOTH, &b);
	ck_store_rc(fx.st, mig_binding_register(fx.st, b.id, "bad name"), MIG_INVALID);
	ck_store_ok(fx.st, mig_binding_revoke(fx.st, b.id, NULL, NULL));
	ck_store_rc(fx.st, mig_binding_register(fx.st, b.id, "sip:scscf.example"), MIG_CONFLICT);
	ck_assert_ptr_nonnull(strstr(mig_store_errmsg(fx.st), "is revoked"));
	ck_store_rc(fx.st, mig_binding_register(fx.st, 999, "sip:scscf.example"), MIG_NOTFOUND);
	ck_assert_int_eq(store_audit_count("register", 0), 0);
}
END_TEST

START_TEST(test_register_past_expiry_is_refused_before_expire_runs)
{
	struct mig_binding b;
	struct mig_alloc_req r = store_req(MIG_DIR_IN, "alice", STORE_PEER_BOTH);

	r.lifetime = 60;
	ck_store_ok(fx.st, mig_binding_allocate(fx.st, &r, &b));
	fx.now += 60;
	ck_store_rc(fx.st, mig_binding_register(fx.st, b.id, "sip:scscf.example"), MIG_CONFLICT);
	ck_assert_ptr_nonnull(strstr(mig_store_errmsg(fx.st), "past its expiry"));
}
END_TEST

START_TEST(test_touch_sets_last_used_only)
{
	struct mig_binding b;
	long long audits;

	store_alloc_ok(MIG_DIR_OUT, "alice", STORE_PEER_BOTH, &b);
	audits = store_sql_int(fx.path, "SELECT count(*) FROM audit");
	fx.now += 42;
	ck_store_ok(fx.st, mig_binding_touch(fx.st, b.id));
	ck_store_ok(fx.st, mig_binding_get(fx.st, b.id, &b));
	ck_assert_int_eq(b.last_used, STORE_T0 + 42);
	ck_assert_int_eq(b.state, MIG_STATE_ALLOCATED);
	ck_assert_int_eq(store_sql_int(fx.path, "SELECT count(*) FROM audit"), audits);
	ck_store_rc(fx.st, mig_binding_touch(fx.st, 999), MIG_NOTFOUND);
}
END_TEST

START_TEST(test_revoke_by_id_counts_and_audits_with_reason)
{
	struct mig_binding a, b;
	size_t n = 99;

	store_alloc_ok(MIG_DIR_OUT, "alice", STORE_PEER_BOTH, &a);
	store_alloc_ok(MIG_DIR_OUT, "bob", STORE_PEER_BOTH, &b);
	fx.now += 7;
	ck_store_ok(fx.st, mig_binding_revoke(fx.st, a.id, "lost phone", &n));
	ck_assert_uint_eq(n, 1);
	ck_store_ok(fx.st, mig_binding_get(fx.st, a.id, &a));
	ck_assert_int_eq(a.state, MIG_STATE_REVOKED);
	ck_assert_int_eq(a.ended, STORE_T0 + 7);
	ck_store_ok(fx.st, mig_binding_get(fx.st, b.id, &b));
	ck_assert_int_eq(b.state, MIG_STATE_ALLOCATED);
	ck_assert_int_eq(store_sql_int(fx.path, "SELECT count(*) FROM audit WHERE action = "
	                 "'revoke' AND detail = 'lost phone'"), 1);
	/* Again: nothing left to revoke, not an error. */
	ck_store_ok(fx.st, mig_binding_revoke(fx.st, a.id, NULL, &n));
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(store_audit_count("revoke", 0), 1);
	ck_store_rc(fx.st, mig_binding_revoke(fx.st, 999, NULL, &n), MIG_NOTFOUND);
}
END_TEST

START_TEST(test_revoke_user_revokes_every_live_binding_of_that_home_impi)
{
	struct mig_binding b;
	size_t n = 0;

	store_alloc_ok(MIG_DIR_OUT, "alice", STORE_PEER_BOTH, &b);
	store_alloc_ok(MIG_DIR_OUT, "alice", STORE_PEER_OUT, &b);
	store_alloc_ok(MIG_DIR_IN, "alice", STORE_PEER_IN, &b);
	store_alloc_ok(MIG_DIR_OUT, "bob", STORE_PEER_BOTH, &b);
	ck_store_ok(fx.st, mig_binding_revoke_user(fx.st, "alice@home.example", NULL, &n));
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(store_sql_int(fx.path, "SELECT count(*) FROM bindings WHERE "
	                 "state = 'revoked' AND home_impi = 'alice@home.example'"), 3);
	ck_assert_int_eq(store_sql_int(fx.path, "SELECT count(*) FROM bindings WHERE "
	                 "state = 'allocated'"), 1);
	ck_assert_int_eq(store_audit_count("revoke", 0), 3);
	ck_store_ok(fx.st, mig_binding_revoke_user(fx.st, "alice@home.example", NULL, &n));
	ck_assert_uint_eq(n, 0);
	ck_store_rc(fx.st, mig_binding_revoke_user(fx.st, NULL, NULL, &n), MIG_INVALID);
}
END_TEST

START_TEST(test_revoke_partner_revokes_both_directions_of_that_realm_only)
{
	struct mig_binding b;
	size_t n = 0;

	store_alloc_ok(MIG_DIR_OUT, "alice", STORE_PEER_BOTH, &b);
	store_alloc_ok(MIG_DIR_IN, "bob", STORE_PEER_BOTH, &b);
	store_alloc_ok(MIG_DIR_OUT, "carol", STORE_PEER_OUT, &b);
	ck_store_ok(fx.st, mig_binding_revoke_partner(fx.st, STORE_PEER_BOTH, "contract ended", &n));
	ck_assert_uint_eq(n, 2);
	ck_store_ok(fx.st, mig_binding_get(fx.st, b.id, &b));
	ck_assert_int_eq(b.state, MIG_STATE_ALLOCATED);
	ck_assert_int_eq(store_sql_int(fx.path, "SELECT count(*) FROM audit WHERE action = "
	                 "'revoke' AND realm = 'both.example' AND detail = 'contract ended'"), 2);
}
END_TEST

START_TEST(test_expire_uses_the_clock_hook)
{
	struct mig_binding short_, long_, forever;
	struct mig_alloc_req r;
	size_t n = 99;

	r = store_req(MIG_DIR_OUT, "a", STORE_PEER_BOTH);
	r.lifetime = 60;
	ck_store_ok(fx.st, mig_binding_allocate(fx.st, &r, &short_));
	r = store_req(MIG_DIR_OUT, "b", STORE_PEER_BOTH);
	r.lifetime = 3600;
	ck_store_ok(fx.st, mig_binding_allocate(fx.st, &r, &long_));
	store_alloc_ok(MIG_DIR_OUT, "c", STORE_PEER_BOTH, &forever);

	fx.now += 59;
	ck_store_ok(fx.st, mig_binding_expire(fx.st, &n));
	ck_assert_uint_eq(n, 0);
	fx.now += 1;
	ck_store_ok(fx.st, mig_binding_expire(fx.st, &n));
	ck_assert_uint_eq(n, 1);
	ck_store_ok(fx.st, mig_binding_get(fx.st, short_.id, &short_));
	ck_assert_int_eq(short_.state, MIG_STATE_EXPIRED);
	ck_assert_int_eq(short_.ended, STORE_T0 + 60);
	fx.now += 1000000;
	ck_store_ok(fx.st, mig_binding_expire(fx.st, &n));
	ck_assert_uint_eq(n, 1);
	ck_store_ok(fx.st, mig_binding_get(fx.st, forever.id, &forever));
	ck_assert_int_eq(forever.state, MIG_STATE_ALLOCATED);
	ck_assert_int_eq(store_audit_count("expire", 0), 2);
	ck_assert_int_eq(store_audit_count("expire", long_.id), 1);
}
END_TEST

START_TEST(test_purge_deletes_old_dead_bindings_and_frees_their_pool_entries)
{
	struct mig_pool_entry e[2] = { { "p0@pool.example", "sip:p0@pool.example" },
		                       { "p1@pool.example", "sip:p1@pool.example" } };
	struct mig_alloc_req r;
	struct mig_binding a, b, c;
	uint64_t total, free_;
	size_t n = 99;

	ck_store_ok(fx.st, mig_pool_create(fx.st, "blue"));
	ck_store_ok(fx.st, mig_pool_add(fx.st, "blue", e, 2, NULL));
	r = store_req(MIG_DIR_OUT, "alice", STORE_PEER_BOTH);
	r.pool = "blue";
	ck_store_ok(fx.st, mig_binding_allocate(fx.st, &r, &a));
	r = store_req(MIG_DIR_OUT, "bob", STORE_PEER_BOTH);
	r.pool = "blue";
	ck_store_ok(fx.st, mig_binding_allocate(fx.st, &r, &b));
	store_alloc_ok(MIG_DIR_OUT, "carol", STORE_PEER_BOTH, &c);
	ck_store_ok(fx.st, mig_binding_revoke(fx.st, a.id, NULL, NULL));
	fx.now += 100;
	ck_store_ok(fx.st, mig_binding_revoke(fx.st, c.id, NULL, NULL));

	ck_store_ok(fx.st, mig_binding_purge(fx.st, STORE_T0, &n)); /* ended == T0: not before */
	ck_assert_uint_eq(n, 0);
	ck_store_ok(fx.st, mig_binding_purge(fx.st, STORE_T0 + 50, &n));
	ck_assert_uint_eq(n, 1);
	ck_store_rc(fx.st, mig_binding_get(fx.st, a.id, &a), MIG_NOTFOUND);
	ck_store_ok(fx.st, mig_pool_get(fx.st, "blue", &total, &free_));
	ck_assert_uint_eq(free_, 1);
	ck_assert_int_eq(store_audit_count("purge", a.id), 1);
	/* the freed entry is handed out again */
	r = store_req(MIG_DIR_OUT, "dave", STORE_PEER_BOTH);
	r.pool = "blue";
	ck_store_ok(fx.st, mig_binding_allocate(fx.st, &r, &a));
	ck_assert_str_eq(a.mig_impi, "p0@pool.example");
	/* live bindings are never purged, whatever the time */
	ck_store_ok(fx.st, mig_binding_purge(fx.st, INT64_MAX, &n));
	ck_assert_uint_eq(n, 1); /* carol's */
	ck_store_ok(fx.st, mig_binding_get(fx.st, b.id, &b));
	ck_assert_int_eq(store_sql_int(fx.path, "SELECT count(*) FROM bindings"), 2);
}
END_TEST

START_TEST(test_purge_keeps_the_newest_binding_so_ids_are_never_reused)
{
	struct mig_binding a, b;
	size_t n = 99;

	store_alloc_ok(MIG_DIR_OUT, "alice", STORE_PEER_BOTH, &a);
	ck_store_ok(fx.st, mig_binding_revoke(fx.st, a.id, NULL, NULL));
	fx.now += 10;
	ck_store_ok(fx.st, mig_binding_purge(fx.st, fx.now, &n));
	ck_assert_uint_eq(n, 0);
	store_alloc_ok(MIG_DIR_OUT, "bob", STORE_PEER_BOTH, &b);
	ck_assert_int_gt(b.id, a.id);
	ck_store_ok(fx.st, mig_binding_purge(fx.st, fx.now, &n));
	ck_assert_uint_eq(n, 1);
	ck_store_ok(fx.st, mig_binding_revoke(fx.st, b.id, NULL, NULL));
	fx.now += 10;
	ck_store_ok(fx.st, mig_binding_purge(fx.st, fx.now, &n));
	ck_assert_uint_eq(n, 0);
	store_alloc_ok(MIG_DIR_OUT, "carol", STORE_PEER_BOTH, &a);
	ck_assert_int_gt(a.id, b.id);
}
END_TEST

/* Collects audit actions in order. */
static int audit_cb(void *arg, const struct mig_audit *a)
{
	char *out = arg;

	sprintf(out + strlen(out), "%s,", a->action);
	return 0;
}

START_TEST(test_audit_list_and_add_cover_every_change)
{
	struct mig_audit refusal = { .action = "refuse.mar", .binding_id = 0,
		                     .realm = STORE_PEER_BOTH, .mig_impi = "mig-x@y.example",
		                     .detail = "binding revoked" };
	struct mig_binding b;
	char out[512] = "";

	store_alloc_ok(MIG_DIR_IN, "alice", STORE_PEER_BOTH, &b);
	ck_store_ok(fx.st, mig_binding_register(fx.st, b.id, "sip:scscf.example"));
	ck_store_ok(fx.st, mig_binding_revoke(fx.st, b.id, NULL, NULL));
	ck_store_ok(fx.st, mig_audit_add(fx.st, &refusal));
	fx.now += 10;
	store_alloc_ok(MIG_DIR_IN, "bob", STORE_PEER_BOTH, &b);
	ck_store_ok(fx.st, mig_binding_purge(fx.st, fx.now, NULL));
	ck_store_ok(fx.st, mig_audit_list(fx.st, 0, 0, 0, audit_cb, out));
	ck_assert_str_eq(out, "partner.put,partner.put,partner.put,allocate,register,revoke,"
	                      "refuse.mar,allocate,purge,");
	out[0] = '\0';
	ck_store_ok(fx.st, mig_audit_list(fx.st, 4, 0, 2, audit_cb, out));
	ck_assert_str_eq(out, "register,revoke,");
	out[0] = '\0';
	ck_store_ok(fx.st, mig_audit_list(fx.st, 0, STORE_T0 + 10, 0, audit_cb, out));
	ck_assert_str_eq(out, "allocate,purge,");
	refusal.action = "";
	ck_store_rc(fx.st, mig_audit_add(fx.st, &refusal), MIG_INVALID);
	ck_assert_int_eq(store_sql_int(fx.path, "SELECT count(*) FROM audit WHERE action = "
	                 "'refuse.mar' AND binding_id IS NULL AND mig_impi = 'mig-x@y.example'"), 1);
}
END_TEST

static int count_rows(void *arg, const struct mig_audit *a)
{
	(void)a;
	++*(int *)arg;
	return 0;
}

START_TEST(test_audit_time_never_goes_back_when_the_clock_does)
{
	struct mig_audit a = { .action = "test" };
	int n = 0;

	fx.now = STORE_T0 + 100;
	ck_store_ok(fx.st, mig_audit_add(fx.st, &a));
	fx.now = STORE_T0 + 50; /* the clock steps back */
	ck_store_ok(fx.st, mig_audit_add(fx.st, &a));
	ck_assert_int_eq(store_sql_int(fx.path, "SELECT min(ts) FROM audit WHERE action = 'test'"),
	                 STORE_T0 + 100);
	ck_store_ok(fx.st, mig_audit_list(fx.st, 0, STORE_T0 + 100, 0, count_rows, &n));
	ck_assert_int_eq(n, 2);
}
END_TEST

START_TEST(test_audit_since_finds_exactly_the_rows_from_that_time)
{
	struct mig_audit a = { .action = "test" };
	char sql[128];
	int i, n;
	int64_t since;

	for (i = 0; i < 200; i++) {
		fx.now = STORE_T0 + (i / 3) * 7; /* runs of equal times, gaps between */
		ck_store_ok(fx.st, mig_audit_add(fx.st, &a));
	}
	store_sql_exec(fx.path, "DELETE FROM audit WHERE id IN (2, 5, 50, 51, 52, 203)");
	for (since = STORE_T0 - 1; since <= STORE_T0 + 470; since++) {
		n = 0;
		ck_store_ok(fx.st, mig_audit_list(fx.st, 0, since, 0, count_rows, &n));
		snprintf(sql, sizeof sql, "SELECT count(*) FROM audit WHERE ts >= %lld",
		         (long long)since);
		ck_assert_int_eq(n, store_sql_int(fx.path, sql));
	}
}
END_TEST

START_TEST(test_audit_last_gives_the_newest_rows_oldest_first)
{
	const char *actions[] = { "a1", "a2", "a3", "a4", "a5" };
	struct mig_audit a = { .action = NULL };
	char out[256] = "";
	size_t i;

	store_sql_exec(fx.path, "DELETE FROM audit");
	for (i = 0; i < 5; i++) {
		fx.now = STORE_T0 + 10 * (int64_t)i;
		a.action = actions[i];
		ck_store_ok(fx.st, mig_audit_add(fx.st, &a));
	}
	ck_store_ok(fx.st, mig_audit_last(fx.st, 0, 2, audit_cb, out));
	ck_assert_str_eq(out, "a4,a5,");
	out[0] = '\0';
	ck_store_ok(fx.st, mig_audit_last(fx.st, 0, 99, audit_cb, out));
	ck_assert_str_eq(out, "a1,a2,a3,a4,a5,");
	out[0] = '\0';
	ck_store_ok(fx.st, mig_audit_last(fx.st, STORE_T0 + 25, 99, audit_cb, out));
	ck_assert_str_eq(out, "a4,a5,");
	out[0] = '\0';
	ck_store_ok(fx.st, mig_audit_last(fx.st, STORE_T0 + 25, 1, audit_cb, out));
	ck_assert_str_eq(out, "a5,");
	out[0] = '\0';
	ck_store_ok(fx.st, mig_audit_last(fx.st, 0, 0, audit_cb, out));
	ck_store_ok(fx.st, mig_audit_last(fx.st, STORE_T0 + 1000, 5, audit_cb, out));
	ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(test_audit_count_counts_one_action_from_a_time)
{
	struct mig_audit refused = { .action = "mar-refused", .detail = "binding revoked" };
	struct mig_audit other = { .action = "other" };
	uint64_t n = 99;
	int i;

	for (i = 0; i < 6; i++) {
		fx.now = STORE_T0 + 100 * i;
		ck_store_ok(fx.st, mig_audit_add(fx.st, i % 2 ? &other : &refused));
	}
	ck_store_ok(fx.st, mig_audit_count(fx.st, "mar-refused", 0, &n));
	ck_assert_uint_eq(n, 3);
	ck_store_ok(fx.st, mig_audit_count(fx.st, "mar-refused", STORE_T0 + 150, &n));
	ck_assert_uint_eq(n, 2);
	ck_store_ok(fx.st, mig_audit_count(fx.st, "nothing", 0, &n));
	ck_assert_uint_eq(n, 0);
	ck_store_rc(fx.st, mig_audit_count(fx.st, "", 0, &n), MIG_INVALID);
}
END_TEST

START_TEST(test_counters_add_up_and_remember_when)
{
	int64_t v, updated;

	ck_store_ok(fx.st, mig_counter_get(fx.st, "mar.brokered", &v, &updated));
	ck_assert_int_eq(v, 0);
	ck_assert_int_eq(updated, 0);
	ck_store_ok(fx.st, mig_counter_add(fx.st, "mar.brokered", 5));
	fx.now += 10;
	ck_store_ok(fx.st, mig_counter_add(fx.st, "mar.brokered", 7));
	ck_store_ok(fx.st, mig_counter_add(fx.st, "mar.in", 1));
	ck_store_ok(fx.st, mig_counter_get(fx.st, "mar.brokered", &v, &updated));
	ck_assert_int_eq(v, 12);
	ck_assert_int_eq(updated, fx.now);
	ck_store_rc(fx.st, mig_counter_add(fx.st, "MAR brokered", 1), MIG_INVALID);
	ck_store_rc(fx.st, mig_counter_get(fx.st, "", &v, NULL), MIG_INVALID);
}
END_TEST

static Suite *state_suite(void)
{
	Suite *s = suite_create("mig_state");
	TCase *tc = tcase_create("state");

	tcase_add_checked_fixture(tc, store_setup, store_teardown);
	tcase_add_test(tc, test_register_records_server_and_last_used_and_is_audited_once);
	tcase_add_test(tc, test_unregister_goes_back_to_allocated);
	tcase_add_test(tc, test_register_dead_or_unknown_binding_is_refused);
	tcase_add_test(tc, test_register_past_expiry_is_refused_before_expire_runs);
	tcase_add_test(tc, test_touch_sets_last_used_only);
	tcase_add_test(tc, test_revoke_by_id_counts_and_audits_with_reason);
	tcase_add_test(tc, test_revoke_user_revokes_every_live_binding_of_that_home_impi);
	tcase_add_test(tc, test_revoke_partner_revokes_both_directions_of_that_realm_only);
	tcase_add_test(tc, test_expire_uses_the_clock_hook);
	tcase_add_test(tc, test_purge_deletes_old_dead_bindings_and_frees_their_pool_entries);
	tcase_add_test(tc, test_purge_keeps_the_newest_binding_so_ids_are_never_reused);
	tcase_add_test(tc, test_audit_list_and_add_cover_every_change);
	tcase_add_test(tc, test_audit_time_never_goes_back_when_the_clock_does);
	tcase_add_test(tc, test_audit_since_finds_exactly_the_rows_from_that_time);
	tcase_add_test(tc, test_audit_last_gives_the_newest_rows_oldest_first);
	tcase_add_test(tc, test_audit_count_counts_one_action_from_a_time);
	tcase_add_test(tc, test_counters_add_up_and_remember_when);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return store_run(state_suite());
}
