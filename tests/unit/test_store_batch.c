/*
 * test_store_batch.c: mig_binding_allocate_batch, the group commit of
 * allocations: every item atomic on its own, one commit for all, and a
 * batch that cannot commit stores nothing and says so in every item.
 */
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "store_helpers.h"

#define BATCH_MAX 8

/* The items of a batch and the strings their requests point to. */
struct batch {
	struct mig_alloc_item it[BATCH_MAX];
	char impi[BATCH_MAX][64], impu[BATCH_MAX][64];
	size_t n;
};

/* Add a request for user "<user>@home.example" toward peer (random
 * identities, no expiry), as store_req() makes them. */
static struct mig_alloc_item *batch_add(struct batch *b, enum mig_dir dir, const char *user,
                                        const char *peer)
{
	struct mig_alloc_item *it = &b->it[b->n];

	ck_assert_uint_lt(b->n, BATCH_MAX);
	snprintf(b->impi[b->n], sizeof b->impi[0], "%s@home.example", user);
	snprintf(b->impu[b->n], sizeof b->impu[0], "sip:%s@home.example", user);
	memset(it, 0, sizeof *it);
	it->req.dir = dir;
	it->req.home_impi = b->impi[b->n];
	it->req.home_impu = b->impu[b->n];
	it->req.peer_realm = peer;
	it->rc = -1; /* must be overwritten */
	b->n++;
	return it;
}

static long long bindings_count(void)
{
	return store_sql_int(fx.path, "SELECT count(*) FROM bindings");
}

START_TEST(test_batch_allocates_every_item_with_its_audit_row)
{
	struct batch b = { .n = 0 };
	size_t i;

	batch_add(&b, MIG_DIR_OUT, "alice", STORE_PEER_BOTH);
	batch_add(&b, MIG_DIR_OUT, "bob", STORE_PEER_BOTH);
	batch_add(&b, MIG_DIR_IN, "carol", STORE_PEER_IN);
	ck_store_ok(fx.st, mig_binding_allocate_batch(fx.st, b.it, b.n));
	for (i = 0; i < b.n; i++) {
		ck_assert_int_eq(b.it[i].rc, MIG_OK);
		ck_assert_str_eq(b.it[i].errmsg, "");
		ck_assert_int_eq(b.it[i].b.state, MIG_STATE_ALLOCATED);
		ck_assert_str_eq(b.it[i].b.home_impi, b.impi[i]);
		ck_assert_int_eq(store_audit_count("allocate", b.it[i].b.id), 1);
	}
	ck_assert_int_ne(b.it[0].b.id, b.it[1].b.id);
	ck_assert_str_ne(b.it[0].b.mig_impi, b.it[1].b.mig_impi);
	ck_assert_int_eq(b.it[2].b.dir, MIG_DIR_IN);
	ck_assert_int_eq(bindings_count(), 3);
	/* Committed: another connection sees them; the handle is free again. */
	ck_assert_int_eq(store_sql_int(fx.path, "SELECT count(DISTINCT mig_impi) FROM bindings "
	                               "WHERE state = 'allocated'"), 3);
	store_alloc_ok(MIG_DIR_OUT, "dave", STORE_PEER_BOTH, &b.it[0].b);
}
END_TEST

START_TEST(test_failing_items_leave_nothing_and_do_not_lose_the_others)
{
	struct batch b = { .n = 0 };
	struct mig_binding got;

	batch_add(&b, MIG_DIR_OUT, "alice", STORE_PEER_BOTH);
	batch_add(&b, MIG_DIR_OUT, "bob", "stranger.example");
	batch_add(&b, MIG_DIR_OUT, "carol", STORE_PEER_IN);
	batch_add(&b, MIG_DIR_OUT, "no-at-sign", STORE_PEER_BOTH)->req.home_impi = "dave";
	batch_add(&b, MIG_DIR_OUT, "erin", STORE_PEER_BOTH);
	ck_store_ok(fx.st, mig_binding_allocate_batch(fx.st, b.it, b.n));
	ck_assert_int_eq(b.it[0].rc, MIG_OK);
	ck_assert_int_eq(b.it[1].rc, MIG_NOTFOUND);
	ck_assert_str_eq(b.it[1].errmsg, "partner 'stranger.example' is not configured");
	ck_assert_int_eq(b.it[2].rc, MIG_DENIED);
	ck_assert_msg(strstr(b.it[2].errmsg, "allow_out is off"), "%s", b.it[2].errmsg);
	ck_assert_int_eq(b.it[3].rc, MIG_INVALID);
	ck_assert_msg(strstr(b.it[3].errmsg, "home IMPI 'dave'"), "%s", b.it[3].errmsg);
	ck_assert_int_eq(b.it[4].rc, MIG_OK);
	ck_assert_int_eq(bindings_count(), 2);
	ck_assert_int_eq(store_audit_count("allocate", 0), 2);
	ck_store_ok(fx.st, mig_binding_by_mig_impi(fx.st, b.it[4].b.mig_impi, &got));
	ck_assert_int_eq(got.id, b.it[4].b.id);
}
END_TEST

START_TEST(test_same_user_twice_in_a_batch_gets_one_binding)
{
	struct batch b = { .n = 0 };

	batch_add(&b, MIG_DIR_OUT, "alice", STORE_PEER_BOTH);
	batch_add(&b, MIG_DIR_OUT, "alice", STORE_PEER_BOTH);
	ck_store_ok(fx.st, mig_binding_allocate_batch(fx.st, b.it, b.n));
	ck_assert_int_eq(b.it[0].rc, MIG_OK);
	ck_assert_int_eq(b.it[1].rc, MIG_CONFLICT);
	ck_assert_int_eq(b.it[1].b.id, b.it[0].b.id);
	ck_assert_str_eq(b.it[1].b.mig_impi, b.it[0].b.mig_impi);
	ck_assert_int_eq(bindings_count(), 1);
}
END_TEST

START_TEST(test_a_batch_that_cannot_take_the_lock_stores_nothing_and_says_so_in_every_item)
{
	struct mig_store_opts o = { .busy_timeout_ms = 50 };
	struct batch b = { .n = 0 };
	mig_store_t *st = NULL;
	sqlite3 *other;
	size_t i;

	ck_store_ok(st, mig_store_open(&st, fx.path, &o));
	ck_store_ok(st, mig_store_set_generator(st, NULL, 0, STORE_REALM));
	ck_assert_int_eq(sqlite3_open(fx.path, &other), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	batch_add(&b, MIG_DIR_OUT, "alice", STORE_PEER_BOTH);
	batch_add(&b, MIG_DIR_OUT, "bob", STORE_PEER_BOTH);
	ck_store_rc(st, mig_binding_allocate_batch(st, b.it, b.n), MIG_BUSY);
	for (i = 0; i < b.n; i++) {
		ck_assert_int_eq(b.it[i].rc, MIG_BUSY);
		ck_assert_str_ne(b.it[i].errmsg, "");
	}
	sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(other);
	ck_assert_int_eq(bindings_count(), 0);
	/* The handle is usable afterwards: the same batch goes through. */
	ck_store_ok(st, mig_binding_allocate_batch(st, b.it, b.n));
	ck_assert_int_eq(b.it[1].rc, MIG_OK);
	ck_assert_int_eq(bindings_count(), 2);
	mig_store_close(st);
}
END_TEST

START_TEST(test_a_batch_inside_a_caller_transaction_is_undone_by_its_rollback)
{
	struct batch b = { .n = 0 };

	batch_add(&b, MIG_DIR_OUT, "alice", STORE_PEER_BOTH);
	batch_add(&b, MIG_DIR_OUT, "bob", STORE_PEER_BOTH);
	ck_store_ok(fx.st, mig_store_begin(fx.st));
	ck_store_ok(fx.st, mig_binding_allocate_batch(fx.st, b.it, b.n));
	ck_assert_int_eq(b.it[0].rc, MIG_OK);
	ck_store_ok(fx.st, mig_store_rollback(fx.st));
	ck_assert_int_eq(bindings_count(), 0);
	ck_store_ok(fx.st, mig_binding_allocate_batch(fx.st, b.it, 0));
}
END_TEST

static Suite *batch_suite(void)
{
	Suite *s = suite_create("mig_binding_allocate_batch");
	TCase *tc = tcase_create("batch");

	tcase_add_checked_fixture(tc, store_setup, store_teardown);
	tcase_add_test(tc, test_batch_allocates_every_item_with_its_audit_row);
	tcase_add_test(tc, test_failing_items_leave_nothing_and_do_not_lose_the_others);
	tcase_add_test(tc, test_same_user_twice_in_a_batch_gets_one_binding);
	tcase_add_test(tc, test_a_batch_that_cannot_take_the_lock_stores_nothing_and_says_so_in_every_item);
	tcase_add_test(tc, test_a_batch_inside_a_caller_transaction_is_undone_by_its_rollback);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return store_run(batch_suite());
}
