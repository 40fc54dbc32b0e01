/*
 * test_store_binding.c: allocation (checks, identities, audit), lookups
 * (live before dead, unknown), lists and statistics.
 */
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "store_helpers.h"

START_TEST(test_allocate_outbound_random_gives_a_live_binding_in_the_configured_form)
{
	struct mig_binding b;
	struct mig_alloc_req r = store_req(MIG_DIR_OUT, "alice", STORE_PEER_BOTH);

	r.lifetime = 3600;
	ck_store_ok(fx.st, mig_binding_allocate(fx.st, &r, &b));
	ck_assert_int_gt(b.id, 0);
	ck_assert_int_eq(b.dir, MIG_DIR_OUT);
	ck_assert_int_eq(b.state, MIG_STATE_ALLOCATED);
	ck_assert_int_eq(strncmp(b.mig_impi, "mig-", 4), 0);
	ck_assert_uint_eq(strlen(b.mig_impi), strlen("mig-") + 16 + strlen("@" STORE_REALM));
	ck_assert_str_eq(b.mig_impi + 20, "@" STORE_REALM);
	ck_assert_str_eq(b.mig_impu + 4, b.mig_impi);
	ck_assert_str_eq(b.home_impi, "alice@home.example");
	ck_assert_str_eq(b.home_impu, "sip:alice@home.example");
	ck_assert_str_eq(b.peer_realm, STORE_PEER_BOTH);
	ck_assert_str_eq(b.peer_sipdb, "");
	ck_assert_str_eq(b.pool, "");
	ck_assert_int_eq(b.created, STORE_T0);
	ck_assert_int_eq(b.expires, STORE_T0 + 3600);
	ck_assert_int_eq(b.last_used, 0);
	ck_assert_int_eq(mig_binding_live(&b, STORE_T0 + 3599), 1);
	ck_assert_int_eq(mig_binding_live(&b, STORE_T0 + 3600), 0);
}
END_TEST

START_TEST(test_allocate_inbound_records_the_primary_sipdb)
{
	struct mig_binding b;
	struct mig_alloc_req r = store_req(MIG_DIR_IN, "mig-abc", STORE_PEER_IN);

	r.peer_sipdb = "sipdb.in-only.example";
	ck_store_ok(fx.st, mig_binding_allocate(fx.st, &r, &b));
	ck_assert_int_eq(b.dir, MIG_DIR_IN);
	ck_assert_str_eq(b.peer_sipdb, "sipdb.in-only.example");
	ck_assert_int_eq(b.expires, 0);
	ck_assert_int_eq(mig_binding_live(&b, INT64_MAX), 1);
}
END_TEST

START_TEST(test_allocate_writes_one_audit_row_with_the_identities)
{
	struct mig_binding b;
	char sql[1200];

	mig_store_set_actor(fx.st, "broker");
	store_alloc_ok(MIG_DIR_OUT, "alice", STORE_PEER_BOTH, &b);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM audit WHERE action = 'allocate' AND "
	         "binding_id = %lld AND realm = '%s' AND mig_impi = '%s' AND mig_impu = '%s' "
	         "AND home_impi = 'alice@home.example' AND home_impu = 'sip:alice@home.example' "
	         "AND actor = 'broker' AND ts = %lld AND detail = 'random lifetime=0'",
	         (long long)b.id, STORE_PEER_BOTH, b.mig_impi, b.mig_impu, (long long)STORE_T0);
	ck_assert_int_eq(store_sql_int(fx.path, sql), 1);
}
END_TEST

START_TEST(test_allocate_to_unknown_partner_gives_notfound)
{
	struct mig_binding b;
	struct mig_alloc_req r = store_req(MIG_DIR_OUT, "alice", "stranger.example");

	ck_store_rc(fx.st, mig_binding_allocate(fx.st, &r, &b), MIG_NOTFOUND);
	ck_assert_str_eq(mig_store_errmsg(fx.st), "partner 'stranger.example' is not configured");
	ck_assert_int_eq(store_sql_int(fx.path, "SELECT count(*) FROM bindings"), 0);
}
END_TEST

START_TEST(test_allocate_outbound_to_inbound_only_partner_gives_denied)
{
	struct mig_binding b;
	struct mig_alloc_req r = store_req(MIG_DIR_OUT, "alice", STORE_PEER_IN);

	ck_store_rc(fx.st, mig_binding_allocate(fx.st, &r, &b), MIG_DENIED);
	ck_assert_ptr_nonnull(strstr(mig_store_errmsg(fx.st), "allow_out is off"));
}
END_TEST

START_TEST(test_allocate_inbound_from_outbound_only_partner_gives_denied)
{
	struct mig_binding b;
	struct mig_alloc_req r = store_req(MIG_DIR_IN, "alice", STORE_PEER_OUT);

	ck_store_rc(fx.st, mig_binding_allocate(fx.st, &r, &b), MIG_DENIED);
	ck_assert_ptr_nonnull(strstr(mig_store_errmsg(fx.st), "allow_in is off"));
	ck_assert_int_eq(store_sql_int(fx.path, "SELECT count(*) FROM bindings"), 0);
}
END_TEST

START_TEST(test_duplicate_allocation_gives_conflict_and_the_existing_binding)
{
	struct mig_binding first, again;
	struct mig_alloc_req r = store_req(MIG_DIR_OUT, "alice", STORE_PEER_BOTH);

	ck_store_ok(fx.st, mig_binding_allocate(fx.st, &r, &first));
	memset(&again, 0, sizeof again);
	ck_store_rc(fx.st, mig_binding_allocate(fx.st, &r, &again), MIG_CONFLICT);
	ck_assert_int_eq(again.id, first.id);
	ck_assert_str_eq(again.mig_impi, first.mig_impi);
	ck_assert_int_eq(store_sql_int(fx.path, "SELECT count(*) FROM bindings"), 1);
	ck_assert_int_eq(store_audit_count("allocate", 0), 1);
}
END_TEST

START_TEST(test_same_user_may_have_one_binding_per_direction_and_peer)
{
	struct mig_binding a, b, c;

	store_alloc_ok(MIG_DIR_OUT, "alice", STORE_PEER_BOTH, &a);
	store_alloc_ok(MIG_DIR_IN, "alice", STORE_PEER_BOTH, &b);
	store_alloc_ok(MIG_DIR_OUT, "alice", STORE_PEER_OUT, &c);
	ck_assert_str_ne(a.mig_impi, b.mig_impi);
	ck_assert_str_ne(a.mig_impi, c.mig_impi);
}
END_TEST

START_TEST(test_allocate_again_after_revoke_gives_a_new_binding)
{
	struct mig_binding a, b;

	store_alloc_ok(MIG_DIR_OUT, "alice", STORE_PEER_BOTH, &a);
	ck_store_ok(fx.st, mig_binding_revoke(fx.st, a.id, "lost phone", NULL));
	store_alloc_ok(MIG_DIR_OUT, "alice", STORE_PEER_BOTH, &b);
	ck_assert_int_gt(b.id, a.id);
	ck_assert_str_ne(b.mig_impi, a.mig_impi);
}
END_TEST

/* Allocation with r must fail with MIG_INVALID and a message containing want. */
static void assert_invalid(const struct mig_alloc_req *r, const char *want)
{
	struct mig_binding b;

	ck_store_rc(fx.st, mig_binding_allocate(fx.st, r, &b), MIG_INVALID);
	ck_assert_msg(strstr(mig_store_errmsg(fx.st), want), "'%s' lacks '%s'",
	              mig_store_errmsg(fx.st), want);
}

START_TEST(test_allocate_with_bad_input_gives_invalid_naming_the_field)
{
	char longuser[300];
	struct mig_alloc_req r;

	r = store_req(MIG_DIR_OUT, "alice", STORE_PEER_BOTH);
	r.home_impi = "alice";
	assert_invalid(&r, "home IMPI 'alice': missing '@'");
	r = store_req(MIG_DIR_OUT, "alice", STORE_PEER_BOTH);
	r.home_impu = "alice@home.example";
	assert_invalid(&r, "home IMPU 'alice@home.example': must start with");
	r = store_req(MIG_DIR_OUT, "alice", STORE_PEER_BOTH);
	r.home_impi = NULL;
	assert_invalid(&r, "home IMPI: missing");
	memset(longuser, 'u', 250);
	strcpy(longuser + 250, "@home.example"); /* 263 bytes */
	r = store_req(MIG_DIR_OUT, "alice", STORE_PEER_BOTH);
	r.home_impi = longuser;
	assert_invalid(&r, "home IMPI 'uuuu");
	assert_invalid(&r, "': longer than 255 bytes");
	r = store_req(MIG_DIR_OUT, "alice", "peer..example");
	assert_invalid(&r, "peer realm 'peer..example'");
	r = store_req(0, "alice", STORE_PEER_BOTH);
	assert_invalid(&r, "direction");
	r = store_req(MIG_DIR_OUT, "alice", STORE_PEER_BOTH);
	r.lifetime = -1;
	assert_invalid(&r, "lifetime -1");
	r = store_req(MIG_DIR_OUT, "alice", STORE_PEER_BOTH);
	r.peer_sipdb = "sipdb.both.example";
	assert_invalid(&r, "only for inbound");
	r = store_req(MIG_DIR_IN, "alice", STORE_PEER_BOTH);
	r.peer_sipdb = "sip db";
	assert_invalid(&r, "primary SIP database identity 'sip db'");
	ck_assert_int_eq(store_sql_int(fx.path, "SELECT count(*) FROM bindings"), 0);
}
END_TEST

/* max_live counts the peer's live bindings of both directions; a user who
 * already has one gets it back even at the limit; a revocation frees a
 * place; other peers are not concerned. */
static int alloc_limited(enum mig_dir dir, const char *user, const char *peer, int64_t max,
                         struct mig_binding *b)
{
	struct mig_alloc_req r = store_req(dir, user, peer);

	r.max_live = max;
	return mig_binding_allocate(fx.st, &r, b);
}

START_TEST(test_live_binding_limit_is_per_peer_and_counts_live_ones)
{
	struct mig_binding b, first;

	ck_store_ok(fx.st, alloc_limited(MIG_DIR_OUT, "u1", STORE_PEER_BOTH, 2, &first));
	ck_store_ok(fx.st, alloc_limited(MIG_DIR_IN, "u2", STORE_PEER_BOTH, 2, &b));
	ck_store_rc(fx.st, alloc_limited(MIG_DIR_OUT, "u3", STORE_PEER_BOTH, 2, &b), MIG_LIMIT);
	ck_assert_str_eq(mig_store_errmsg(fx.st),
	                 "partner '" STORE_PEER_BOTH "' has 2 live bindings, its limit");
	ck_store_rc(fx.st, alloc_limited(MIG_DIR_OUT, "u1", STORE_PEER_BOTH, 2, &b), MIG_CONFLICT);
	ck_assert_int_eq(b.id, first.id);
	ck_store_ok(fx.st, alloc_limited(MIG_DIR_OUT, "u3", STORE_PEER_OUT, 2, &b));
	ck_store_ok(fx.st, alloc_limited(MIG_DIR_OUT, "u3", STORE_PEER_BOTH, 0, &b)); /* none */
	ck_store_rc(fx.st, alloc_limited(MIG_DIR_OUT, "u4", STORE_PEER_BOTH, 3, &b), MIG_LIMIT);
	ck_store_ok(fx.st, mig_binding_revoke(fx.st, first.id, "test", NULL));
	ck_store_ok(fx.st, alloc_limited(MIG_DIR_OUT, "u4", STORE_PEER_BOTH, 3, &b));
	ck_store_rc(fx.st, alloc_limited(MIG_DIR_OUT, "u5", STORE_PEER_BOTH, 3, &b), MIG_LIMIT);
	ck_assert_int_eq(store_sql_int(fx.path, "SELECT count(*) FROM bindings WHERE peer_realm = '"
	                 STORE_PEER_BOTH "' AND state = 'allocated'"), 3);
	ck_assert_int_eq(store_audit_count("allocate", 0), 5);
}
END_TEST

START_TEST(test_random_allocation_without_generator_realm_gives_invalid)
{
	struct mig_alloc_req r = store_req(MIG_DIR_OUT, "alice", STORE_PEER_BOTH);
	struct mig_binding b;

	ck_store_ok(fx.st, mig_store_set_generator(fx.st, NULL, 0, STORE_REALM));
	mig_store_close(fx.st);
	fx.st = store_open(fx.path, 0, &(int){ 0 });
	ck_store_rc(fx.st, mig_binding_allocate(fx.st, &r, &b), MIG_INVALID);
	ck_assert_ptr_nonnull(strstr(mig_store_errmsg(fx.st), "need a realm"));
}
END_TEST

START_TEST(test_small_random_space_gives_exhausted_and_never_duplicates)
{
	struct mig_binding b[40];
	char user[16];
	int i, j, ok = 0, rc = MIG_OK;

	/* One base32 character: 32 possible identities. */
	ck_store_ok(fx.st, mig_store_set_generator(fx.st, "x", 1, STORE_REALM));
	for (i = 0; i < 40 && rc == MIG_OK; i++) {
		struct mig_alloc_req r;

		snprintf(user, sizeof user, "u%d", i);
		r = store_req(MIG_DIR_OUT, user, STORE_PEER_BOTH);
		rc = mig_binding_allocate(fx.st, &r, &b[i]);
		ok += rc == MIG_OK;
	}
	ck_store_rc(fx.st, rc, MIG_EXHAUSTED);
	ck_assert_ptr_nonnull(strstr(mig_store_errmsg(fx.st), "no unused random identity"));
	ck_assert_int_le(ok, 32);
	ck_assert_int_ge(ok, 8);
	for (i = 0; i < ok; i++)
		for (j = i + 1; j < ok; j++)
			ck_assert_str_ne(b[i].mig_impi, b[j].mig_impi);
}
END_TEST

START_TEST(test_lookup_by_migration_impi_impu_home_and_id)
{
	struct mig_binding b, got;

	store_alloc_ok(MIG_DIR_OUT, "alice", STORE_PEER_BOTH, &b);
	ck_store_ok(fx.st, mig_binding_by_mig_impi(fx.st, b.mig_impi, &got));
	ck_assert_int_eq(got.id, b.id);
	ck_store_ok(fx.st, mig_binding_by_mig_impu(fx.st, b.mig_impu, &got));
	ck_assert_int_eq(got.id, b.id);
	ck_store_ok(fx.st, mig_binding_by_home(fx.st, MIG_DIR_OUT, "alice@home.example",
	                                       STORE_PEER_BOTH, &got));
	ck_assert_int_eq(got.id, b.id);
	ck_store_ok(fx.st, mig_binding_get(fx.st, b.id, &got));
	ck_assert_str_eq(got.mig_impi, b.mig_impi);
	ck_store_rc(fx.st, mig_binding_by_home(fx.st, MIG_DIR_IN, "alice@home.example",
	                                       STORE_PEER_BOTH, &got), MIG_NOTFOUND);
}
END_TEST

START_TEST(test_lookup_unknown_identity_gives_notfound)
{
	struct mig_binding got;

	ck_store_rc(fx.st, mig_binding_by_mig_impi(fx.st, "mig-none@x.example", &got),
	            MIG_NOTFOUND);
	ck_assert_str_eq(mig_store_errmsg(fx.st),
	                 "migration IMPI 'mig-none@x.example': no such binding");
	ck_store_rc(fx.st, mig_binding_by_mig_impu(fx.st, "sip:x\n@y", &got), MIG_NOTFOUND);
	ck_assert_str_eq(mig_store_errmsg(fx.st), "migration IMPU 'sip:x?@y': no such binding");
	ck_store_rc(fx.st, mig_binding_by_mig_impi(fx.st, NULL, &got), MIG_INVALID);
	ck_store_rc(fx.st, mig_binding_get(fx.st, 12345, &got), MIG_NOTFOUND);
}
END_TEST

START_TEST(test_lookup_of_revoked_identity_gives_the_revoked_binding)
{
	struct mig_binding b, got;

	store_alloc_ok(MIG_DIR_OUT, "alice", STORE_PEER_BOTH, &b);
	ck_store_ok(fx.st, mig_binding_revoke(fx.st, b.id, NULL, NULL));
	ck_store_ok(fx.st, mig_binding_by_mig_impi(fx.st, b.mig_impi, &got));
	ck_assert_int_eq(got.id, b.id);
	ck_assert_int_eq(got.state, MIG_STATE_REVOKED);
	ck_store_ok(fx.st, mig_binding_by_home(fx.st, MIG_DIR_OUT, "alice@home.example",
	                                       STORE_PEER_BOTH, &got));
	ck_assert_int_eq(got.state, MIG_STATE_REVOKED);
}
END_TEST

START_TEST(test_lookup_prefers_the_live_binding_over_dead_ones)
{
	struct mig_binding a, b, got;
	char sql[1200];

	store_alloc_ok(MIG_DIR_OUT, "alice", STORE_PEER_BOTH, &a);
	ck_store_ok(fx.st, mig_binding_revoke(fx.st, a.id, NULL, NULL));
	store_alloc_ok(MIG_DIR_OUT, "bob", STORE_PEER_BOTH, &b);
	/* The older, dead binding had the identities the live one has now. */
	snprintf(sql, sizeof sql, "UPDATE bindings SET mig_impi = '%s', mig_impu = '%s' "
	         "WHERE id = %lld", b.mig_impi, b.mig_impu, (long long)a.id);
	store_sql_exec(fx.path, sql);
	ck_store_ok(fx.st, mig_binding_by_mig_impi(fx.st, b.mig_impi, &got));
	ck_assert_int_eq(got.id, b.id);
	ck_store_ok(fx.st, mig_binding_by_mig_impu(fx.st, b.mig_impu, &got));
	ck_assert_int_eq(got.id, b.id);
	ck_assert_int_eq(got.state, MIG_STATE_ALLOCATED);
}
END_TEST

START_TEST(test_newest_dead_binding_wins_among_dead_ones)
{
	struct mig_binding a, b, got;

	store_alloc_ok(MIG_DIR_OUT, "alice", STORE_PEER_BOTH, &a);
	ck_store_ok(fx.st, mig_binding_revoke(fx.st, a.id, NULL, NULL));
	store_alloc_ok(MIG_DIR_OUT, "alice", STORE_PEER_BOTH, &b);
	ck_store_ok(fx.st, mig_binding_revoke(fx.st, b.id, NULL, NULL));
	/* give the second dead binding the first one's identities */
	store_sql_exec(fx.path, "UPDATE bindings SET mig_impi = 'same@x.example' ");
	ck_store_ok(fx.st, mig_binding_by_mig_impi(fx.st, "same@x.example", &got));
	ck_assert_int_eq(got.id, b.id);
	ck_store_ok(fx.st, mig_binding_by_home(fx.st, MIG_DIR_OUT, "alice@home.example",
	                                       STORE_PEER_BOTH, &got));
	ck_assert_int_eq(got.id, b.id);
}
END_TEST

START_TEST(test_live_identities_are_unique_in_the_schema_itself)
{
	struct mig_binding a, b;
	char sql[1200];

	store_alloc_ok(MIG_DIR_OUT, "alice", STORE_PEER_BOTH, &a);
	store_alloc_ok(MIG_DIR_OUT, "bob", STORE_PEER_BOTH, &b);
	snprintf(sql, sizeof sql, "UPDATE bindings SET mig_impi = '%s' WHERE id = %lld",
	         a.mig_impi, (long long)b.id);
	ck_assert_int_ne(store_sql_int(fx.path, "SELECT count(*) FROM sqlite_master WHERE "
	                 "name = 'bindings_live_mig_impi' AND sql LIKE '%WHERE%'"), 0);
	/* Live + live with one IMPI: refused by the partial unique index. */
	{
		sqlite3 *db;

		ck_assert_int_eq(sqlite3_open(fx.path, &db), SQLITE_OK);
		ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL) & 0xff, SQLITE_CONSTRAINT);
		sqlite3_close(db);
	}
	/* Dead + live with one IMPI: allowed. */
	ck_store_ok(fx.st, mig_binding_revoke(fx.st, b.id, NULL, NULL));
	store_sql_exec(fx.path, sql);
}
END_TEST

/* Counts bindings given to the callback; stops at max. */
struct counter {
	int n, max;
	int64_t last_id;
};

static int count_cb(void *arg, const struct mig_binding *b)
{
	struct counter *c = arg;

	ck_assert_int_gt(b->id, c->last_id);
	c->last_id = b->id;
	return ++c->n == c->max;
}

static int list_count(const struct mig_filter *f)
{
	struct counter c = { .max = 1000 };

	ck_store_ok(fx.st, mig_binding_list(fx.st, f, count_cb, &c));
	return c.n;
}

START_TEST(test_list_filters_by_direction_state_peer_and_user)
{
	struct mig_binding b;
	struct mig_filter f = { 0 };

	store_alloc_ok(MIG_DIR_OUT, "alice", STORE_PEER_BOTH, &b);
	store_alloc_ok(MIG_DIR_IN, "alice", STORE_PEER_BOTH, &b);
	store_alloc_ok(MIG_DIR_OUT, "bob", STORE_PEER_OUT, &b);
	store_alloc_ok(MIG_DIR_IN, "carol", STORE_PEER_IN, &b);
	ck_store_ok(fx.st, mig_binding_revoke(fx.st, b.id, NULL, NULL));

	ck_assert_int_eq(list_count(NULL), 4);
	f.dir = MIG_DIR_OUT;
	ck_assert_int_eq(list_count(&f), 2);
	f = (struct mig_filter){ .state = MIG_STATE_REVOKED };
	ck_assert_int_eq(list_count(&f), 1);
	f = (struct mig_filter){ .peer_realm = STORE_PEER_BOTH };
	ck_assert_int_eq(list_count(&f), 2);
	f = (struct mig_filter){ .home_impi = "alice@home.example", .dir = MIG_DIR_IN };
	ck_assert_int_eq(list_count(&f), 1);
	f = (struct mig_filter){ .limit = 2, .offset = 1 };
	ck_assert_int_eq(list_count(&f), 2);
	f = (struct mig_filter){ .offset = 3 };
	ck_assert_int_eq(list_count(&f), 1);
}
END_TEST

static int stat_cb(void *arg, const struct mig_stat *s)
{
	char *out = arg;

	sprintf(out + strlen(out), "%s/%s/%s=%llu;", s->peer_realm, mig_dir_name(s->dir),
	        mig_state_name(s->state), (unsigned long long)s->count);
	return 0;
}

START_TEST(test_stats_count_by_peer_direction_and_state)
{
	struct mig_binding b;
	char out[512] = "";

	store_alloc_ok(MIG_DIR_OUT, "alice", STORE_PEER_BOTH, &b);
	store_alloc_ok(MIG_DIR_OUT, "bob", STORE_PEER_BOTH, &b);
	ck_store_ok(fx.st, mig_binding_revoke(fx.st, b.id, NULL, NULL));
	store_alloc_ok(MIG_DIR_IN, "carol", STORE_PEER_IN, &b);
	ck_store_ok(fx.st, mig_binding_stats(fx.st, stat_cb, out));
	ck_assert_str_eq(out, "both.example/out/allocated=1;both.example/out/revoked=1;"
	                      "in-only.example/in/allocated=1;");
}
END_TEST

START_TEST(test_direction_and_state_names_round_trip)
{
	enum mig_dir d;
	enum mig_state s;

	ck_assert_int_eq(mig_dir_parse("in", &d), MIG_OK);
	ck_assert_int_eq(d, MIG_DIR_IN);
	ck_assert_str_eq(mig_dir_name(MIG_DIR_OUT), "out");
	ck_assert_int_eq(mig_dir_parse("sideways", &d), MIG_INVALID);
	ck_assert_int_eq(mig_state_parse("expired", &s), MIG_OK);
	ck_assert_int_eq(s, MIG_STATE_EXPIRED);
	ck_assert_str_eq(mig_state_name(MIG_STATE_REGISTERED), "registered");
	ck_assert_int_eq(mig_state_parse(NULL, &s), MIG_INVALID);
}
END_TEST

static Suite *binding_suite(void)
{
	Suite *s = suite_create("mig_binding");
	TCase *tc = tcase_create("allocate");

	tcase_add_checked_fixture(tc, store_setup, store_teardown);
	tcase_add_test(tc, test_allocate_outbound_random_gives_a_live_binding_in_the_configured_form);
	tcase_add_test(tc, test_allocate_inbound_records_the_primary_sipdb);
	tcase_add_test(tc, test_allocate_writes_one_audit_row_with_the_identities);
	tcase_add_test(tc, test_allocate_to_unknown_partner_gives_notfound);
	tcase_add_test(tc, test_allocate_outbound_to_inbound_only_partner_gives_denied);
	tcase_add_test(tc, test_allocate_inbound_from_outbound_only_partner_gives_denied);
	tcase_add_test(tc, test_duplicate_allocation_gives_conflict_and_the_existing_binding);
	tcase_add_test(tc, test_same_user_may_have_one_binding_per_direction_and_peer);
	tcase_add_test(tc, test_allocate_again_after_revoke_gives_a_new_binding);
	tcase_add_test(tc, test_allocate_with_bad_input_gives_invalid_naming_the_field);
	tcase_add_test(tc, test_random_allocation_without_generator_realm_gives_invalid);
	tcase_add_test(tc, test_small_random_space_gives_exhausted_and_never_duplicates);
	tcase_add_test(tc, test_live_binding_limit_is_per_peer_and_counts_live_ones);
	suite_add_tcase(s, tc);
	tc = tcase_create("lookup");
	tcase_add_checked_fixture(tc, store_setup, store_teardown);
	tcase_add_test(tc, test_lookup_by_migration_impi_impu_home_and_id);
	tcase_add_test(tc, test_lookup_unknown_identity_gives_notfound);
	tcase_add_test(tc, test_lookup_of_revoked_identity_gives_the_revoked_binding);
	tcase_add_test(tc, test_lookup_prefers_the_live_binding_over_dead_ones);
	tcase_add_test(tc, test_newest_dead_binding_wins_among_dead_ones);
	tcase_add_test(tc, test_live_identities_are_unique_in_the_schema_itself);
	tcase_add_test(tc, test_list_filters_by_direction_state_peer_and_user);
	tcase_add_test(tc, test_stats_count_by_peer_direction_and_state);
	tcase_add_test(tc, test_direction_and_state_names_round_trip);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return store_run(binding_suite());
}
