/*
 * test_store_rtr.c: where a registration lives (the S-CSCF host) and the
 * queue of registration terminations that revoking or expiring a
 * registered binding fills (schema 3).
 */
#include <stdio.h>
#include <string.h>

#include "store_helpers.h"

struct rtr_rows {
	struct mig_rtr r[8];
	size_t n;
};

static int rtr_collect(void *arg, const struct mig_rtr *r)
{
	struct rtr_rows *rows = arg;

	if (rows->n < 8)
		rows->r[rows->n++] = *r;
	return 0;
}

static struct rtr_rows rtr_all(void)
{
	struct rtr_rows rows = { .n = 0 };

	ck_store_ok(fx.st, mig_rtr_list(fx.st, rtr_collect, &rows));
	return rows;
}

/* A binding registered at scscf.example by host scscf-host.example. */
static void registered(const char *user, struct mig_binding *b)
{
	store_alloc_ok(MIG_DIR_IN, user, STORE_PEER_BOTH, b);
	ck_store_ok(fx.st, mig_binding_register_host(fx.st, b->id, "sip:scscf.example",
	                                             "scscf-host.example"));
}

START_TEST(test_register_host_remembers_the_registering_node)
{
	struct mig_binding b;
	char host[MIG_IDENT_MAX + 1];

	registered("alice", &b);
	ck_store_ok(fx.st, mig_binding_get(fx.st, b.id, &b));
	ck_assert_int_eq(b.state, MIG_STATE_REGISTERED);
	ck_assert_str_eq(b.server, "sip:scscf.example");
	ck_store_ok(fx.st, mig_binding_host(fx.st, b.id, host));
	ck_assert_str_eq(host, "scscf-host.example");
	/* A NULL host keeps the one known. */
	ck_store_ok(fx.st, mig_binding_register_host(fx.st, b.id, "sip:scscf2.example", NULL));
	ck_store_ok(fx.st, mig_binding_host(fx.st, b.id, host));
	ck_assert_str_eq(host, "scscf-host.example");
	ck_store_rc(fx.st, mig_binding_register_host(fx.st, b.id, "sip:x", "bad host"),
	            MIG_INVALID);
	ck_store_rc(fx.st, mig_binding_host(fx.st, 999, host), MIG_NOTFOUND);
}
END_TEST

START_TEST(test_never_registered_binding_has_no_host)
{
	struct mig_binding b;
	char host[MIG_IDENT_MAX + 1];

	store_alloc_ok(MIG_DIR_OUT, "bob", STORE_PEER_BOTH, &b);
	ck_store_ok(fx.st, mig_binding_host(fx.st, b.id, host));
	ck_assert_str_eq(host, "");
}
END_TEST

START_TEST(test_revoking_a_registered_binding_queues_one_rtr)
{
	struct mig_binding b;
	struct rtr_rows rows;

	registered("alice", &b);
	fx.now += 7;
	ck_store_ok(fx.st, mig_binding_revoke(fx.st, b.id, "test", NULL));
	rows = rtr_all();
	ck_assert_uint_eq(rows.n, 1);
	ck_assert_int_eq(rows.r[0].binding_id, b.id);
	ck_assert_str_eq(rows.r[0].reason, "revoked");
	ck_assert_int_eq(rows.r[0].created, STORE_T0 + 7);
	ck_assert_int_eq(rows.r[0].attempts, 0);
	ck_assert_int_eq(rows.r[0].next_try, 0);
}
END_TEST

START_TEST(test_revoking_an_unregistered_binding_queues_nothing)
{
	struct mig_binding b;

	store_alloc_ok(MIG_DIR_IN, "alice", STORE_PEER_BOTH, &b);
	ck_store_ok(fx.st, mig_binding_revoke(fx.st, b.id, NULL, NULL));
	ck_assert_uint_eq(rtr_all().n, 0);
	registered("carol", &b);
	ck_store_ok(fx.st, mig_binding_unregister(fx.st, b.id));
	ck_store_ok(fx.st, mig_binding_revoke(fx.st, b.id, NULL, NULL));
	ck_assert_uint_eq(rtr_all().n, 0);
}
END_TEST

START_TEST(test_bulk_revoke_and_expiry_queue_one_rtr_per_registered_binding)
{
	struct mig_binding a, b, c;
	struct mig_alloc_req q;
	struct rtr_rows rows;
	size_t n = 0;

	registered("alice", &a);
	registered("bob", &b);
	store_alloc_ok(MIG_DIR_IN, "carol", STORE_PEER_BOTH, &c); /* never registered */
	ck_store_ok(fx.st, mig_binding_revoke_partner(fx.st, STORE_PEER_BOTH, NULL, &n));
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(rtr_all().n, 2);

	q = store_req(MIG_DIR_IN, "dave", STORE_PEER_BOTH);
	q.lifetime = 10;
	ck_store_ok(fx.st, mig_binding_allocate(fx.st, &q, &a));
	ck_store_ok(fx.st, mig_binding_register_host(fx.st, a.id, "sip:s.example", NULL));
	fx.now += 20;
	ck_store_ok(fx.st, mig_binding_expire(fx.st, &n));
	rows = rtr_all();
	ck_assert_uint_eq(rows.n, 3);
	ck_assert_str_eq(rows.r[2].reason, "expired");
	ck_assert_int_eq(rows.r[2].binding_id, a.id);
}
END_TEST

START_TEST(test_attempts_are_counted_and_postpone_the_row)
{
	struct mig_binding b;
	struct rtr_rows rows = { .n = 0 };

	registered("alice", &b);
	ck_store_ok(fx.st, mig_binding_revoke(fx.st, b.id, NULL, NULL));
	ck_store_ok(fx.st, mig_rtr_due(fx.st, fx.now, 0, rtr_collect, &rows));
	ck_assert_uint_eq(rows.n, 1);
	ck_store_ok(fx.st, mig_rtr_attempt(fx.st, rows.r[0].id, fx.now + 30));
	ck_store_ok(fx.st, mig_rtr_failed(fx.st, rows.r[0].id, "no answer"));
	rows.n = 0;
	ck_store_ok(fx.st, mig_rtr_due(fx.st, fx.now, 0, rtr_collect, &rows));
	ck_assert_uint_eq(rows.n, 0);
	ck_store_ok(fx.st, mig_rtr_due(fx.st, fx.now + 30, 0, rtr_collect, &rows));
	ck_assert_uint_eq(rows.n, 1);
	ck_assert_int_eq(rows.r[0].attempts, 1);
	ck_assert_str_eq(rows.r[0].last_error, "no answer");
	ck_store_rc(fx.st, mig_rtr_attempt(fx.st, 999, 0), MIG_NOTFOUND);
}
END_TEST

START_TEST(test_finish_removes_the_row_with_an_audit_row)
{
	struct mig_binding b;
	struct rtr_rows rows;

	registered("alice", &b);
	ck_store_ok(fx.st, mig_binding_revoke(fx.st, b.id, NULL, NULL));
	rows = rtr_all();
	ck_store_ok(fx.st, mig_rtr_finish(fx.st, rows.r[0].id, "rtr", "answered 2001"));
	ck_assert_uint_eq(rtr_all().n, 0);
	ck_assert_int_eq(store_audit_count("rtr", b.id), 1);
	ck_store_rc(fx.st, mig_rtr_finish(fx.st, rows.r[0].id, "rtr", ""), MIG_NOTFOUND);
	ck_store_rc(fx.st, mig_rtr_finish(fx.st, rows.r[0].id, "", ""), MIG_INVALID);
}
END_TEST

START_TEST(test_row_of_a_purged_binding_can_still_be_finished)
{
	struct mig_binding a, b;
	struct rtr_rows rows;
	size_t n = 0;

	registered("alice", &a);
	registered("bob", &b); /* the newest binding is never purged */
	ck_store_ok(fx.st, mig_binding_revoke(fx.st, a.id, NULL, NULL));
	fx.now += 100;
	ck_store_ok(fx.st, mig_binding_purge(fx.st, fx.now, &n));
	ck_assert_uint_eq(n, 1);
	rows = rtr_all();
	ck_assert_uint_eq(rows.n, 1);
	ck_store_ok(fx.st, mig_rtr_finish(fx.st, rows.r[0].id, "rtr-abandoned", "purged"));
	ck_assert_int_eq(store_audit_count("rtr-abandoned", a.id), 1);
}
END_TEST

static Suite *rtr_suite(void)
{
	Suite *s = suite_create("store_rtr");
	TCase *tc = tcase_create("rtr");

	tcase_add_checked_fixture(tc, store_setup, store_teardown);
	tcase_add_test(tc, test_register_host_remembers_the_registering_node);
	tcase_add_test(tc, test_never_registered_binding_has_no_host);
	tcase_add_test(tc, test_revoking_a_registered_binding_queues_one_rtr);
	tcase_add_test(tc, test_revoking_an_unregistered_binding_queues_nothing);
	tcase_add_test(tc, test_bulk_revoke_and_expiry_queue_one_rtr_per_registered_binding);
	tcase_add_test(tc, test_attempts_are_counted_and_postpone_the_row);
	tcase_add_test(tc, test_finish_removes_the_row_with_an_audit_row);
	tcase_add_test(tc, test_row_of_a_purged_binding_can_still_be_finished);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return store_run(rtr_suite());
}
