/*
 * test_store_pool.c: identity pools: create, bulk add (all or nothing),
 * list, allocation from a pool until it is exhausted, removal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_helpers.h"

/* n entries "p<i>@pool.example" / "sip:p<i>@pool.example" from first; the
 * caller frees the result with free_entries. */
static struct mig_pool_entry *make_entries(size_t first, size_t n)
{
	struct mig_pool_entry *e = calloc(n, sizeof *e);
	char buf[64];
	size_t i;

	ck_assert_ptr_nonnull(e);
	for (i = 0; i < n; i++) {
		snprintf(buf, sizeof buf, "p%zu@pool.example", first + i);
		e[i].impi = strdup(buf);
		snprintf(buf, sizeof buf, "sip:p%zu@pool.example", first + i);
		e[i].impu = strdup(buf);
	}
	return e;
}

static void free_entries(struct mig_pool_entry *e, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free((char *)e[i].impi);
		free((char *)e[i].impu);
	}
	free(e);
}

/* Pool name with n entries from make_entries(first, n). */
static void pool_with(const char *name, size_t first, size_t n)
{
	struct mig_pool_entry *e = make_entries(first, n);

	ck_store_ok(fx.st, mig_pool_create(fx.st, name));
	ck_store_ok(fx.st, mig_pool_add(fx.st, name, e, n, NULL));
	free_entries(e, n);
}

static void assert_counts(const char *name, uint64_t total, uint64_t free_)
{
	uint64_t t, f;

	ck_store_ok(fx.st, mig_pool_get(fx.st, name, &t, &f));
	ck_assert_uint_eq(t, total);
	ck_assert_uint_eq(f, free_);
}

/* Allocate user toward STORE_PEER_BOTH from pool. */
static int alloc_from(const char *pool, const char *user, struct mig_binding *b)
{
	struct mig_alloc_req r = store_req(MIG_DIR_OUT, user, STORE_PEER_BOTH);

	r.pool = pool;
	return mig_binding_allocate(fx.st, &r, b);
}

START_TEST(test_create_pool_twice_gives_conflict)
{
	ck_store_ok(fx.st, mig_pool_create(fx.st, "blue"));
	ck_store_rc(fx.st, mig_pool_create(fx.st, "blue"), MIG_CONFLICT);
	ck_assert_str_eq(mig_store_errmsg(fx.st), "pool 'blue' already exists");
	ck_store_rc(fx.st, mig_pool_create(fx.st, "bad name"), MIG_INVALID);
	ck_store_rc(fx.st, mig_pool_create(fx.st, ""), MIG_INVALID);
	assert_counts("blue", 0, 0);
}
END_TEST

START_TEST(test_add_to_unknown_pool_gives_notfound)
{
	struct mig_pool_entry e = { "a@pool.example", "sip:a@pool.example" };

	ck_store_rc(fx.st, mig_pool_add(fx.st, "nope", &e, 1, NULL), MIG_NOTFOUND);
	ck_assert_str_eq(mig_store_errmsg(fx.st), "pool 'nope' does not exist");
}
END_TEST

START_TEST(test_add_entries_then_list_counts_them)
{
	struct mig_pool_entry *e = make_entries(0, 3);

	ck_store_ok(fx.st, mig_pool_create(fx.st, "blue"));
	ck_store_ok(fx.st, mig_pool_add(fx.st, "blue", e, 2, NULL));
	ck_store_ok(fx.st, mig_pool_add(fx.st, "blue", e + 2, 1, NULL));
	free_entries(e, 3);
	assert_counts("blue", 3, 3);
	ck_assert_int_eq(store_audit_count("pool.add", 0), 2);
	ck_assert_int_eq(store_sql_int(fx.path, "SELECT count(*) FROM audit WHERE action = "
	                 "'pool.create' AND detail = 'pool=blue'"), 1);
}
END_TEST

START_TEST(test_add_duplicate_entry_gives_conflict_and_adds_nothing)
{
	struct mig_pool_entry *e = make_entries(0, 4);
	const char *saved = e[3].impi;
	size_t bad = 99;

	ck_store_ok(fx.st, mig_pool_create(fx.st, "blue"));
	e[3].impi = e[1].impi; /* same IMPI twice in one batch */
	ck_store_rc(fx.st, mig_pool_add(fx.st, "blue", e, 4, &bad), MIG_CONFLICT);
	ck_assert_uint_eq(bad, 3);
	ck_assert_ptr_nonnull(strstr(mig_store_errmsg(fx.st), "'p1@pool.example'"));
	assert_counts("blue", 0, 0);
	e[3].impi = saved;
	free_entries(e, 4);
}
END_TEST

START_TEST(test_entry_in_another_pool_gives_conflict)
{
	struct mig_pool_entry e = { "p0@pool.example", "sip:other@pool.example" };
	size_t bad = 99;

	pool_with("blue", 0, 2);
	ck_store_ok(fx.st, mig_pool_create(fx.st, "red"));
	ck_store_rc(fx.st, mig_pool_add(fx.st, "red", &e, 1, &bad), MIG_CONFLICT);
	ck_assert_uint_eq(bad, 0);
	e.impi = "other@pool.example";
	e.impu = "sip:p1@pool.example"; /* IMPUs are unique too */
	ck_store_rc(fx.st, mig_pool_add(fx.st, "red", &e, 1, &bad), MIG_CONFLICT);
	assert_counts("red", 0, 0);
}
END_TEST

START_TEST(test_add_malformed_entry_gives_invalid_naming_it)
{
	struct mig_pool_entry e[2] = { { "ok@pool.example", "sip:ok@pool.example" },
		                       { "broken.pool.example", "sip:b@pool.example" } };
	size_t bad = 99;

	ck_store_ok(fx.st, mig_pool_create(fx.st, "blue"));
	ck_store_rc(fx.st, mig_pool_add(fx.st, "blue", e, 2, &bad), MIG_INVALID);
	ck_assert_uint_eq(bad, 1);
	ck_assert_str_eq(mig_store_errmsg(fx.st),
	                 "pool entry 1: IMPI 'broken.pool.example': missing '@'");
	e[1].impi = "b@pool.example";
	e[1].impu = "b@pool.example";
	ck_store_rc(fx.st, mig_pool_add(fx.st, "blue", e, 2, &bad), MIG_INVALID);
	ck_assert_ptr_nonnull(strstr(mig_store_errmsg(fx.st), "pool entry 1: IMPU"));
	assert_counts("blue", 0, 0);
}
END_TEST

START_TEST(test_allocate_takes_entries_in_order_and_marks_them_used)
{
	struct mig_binding b;

	pool_with("blue", 0, 3);
	ck_store_ok(fx.st, alloc_from("blue", "alice", &b));
	ck_assert_str_eq(b.mig_impi, "p0@pool.example");
	ck_assert_str_eq(b.mig_impu, "sip:p0@pool.example");
	ck_assert_str_eq(b.pool, "blue");
	ck_assert_int_ne(b.pool_entry, 0);
	ck_store_ok(fx.st, alloc_from("blue", "bob", &b));
	ck_assert_str_eq(b.mig_impi, "p1@pool.example");
	assert_counts("blue", 3, 1);
	ck_assert_int_eq(store_sql_int(fx.path, "SELECT count(*) FROM audit WHERE action = "
	                 "'allocate' AND detail = 'pool=blue lifetime=0'"), 2);
}
END_TEST

START_TEST(test_allocate_from_exhausted_pool_gives_exhausted)
{
	struct mig_binding b;

	pool_with("blue", 0, 1);
	ck_store_ok(fx.st, alloc_from("blue", "alice", &b));
	ck_store_rc(fx.st, alloc_from("blue", "bob", &b), MIG_EXHAUSTED);
	ck_assert_str_eq(mig_store_errmsg(fx.st), "pool 'blue' has no free entry");
	ck_assert_int_eq(store_sql_int(fx.path, "SELECT count(*) FROM bindings"), 1);
	ck_assert_int_eq(store_audit_count("allocate", 0), 1);
}
END_TEST

START_TEST(test_allocate_from_unknown_pool_gives_notfound)
{
	struct mig_binding b;

	ck_store_rc(fx.st, alloc_from("nope", "alice", &b), MIG_NOTFOUND);
}
END_TEST

START_TEST(test_allocate_skips_entry_taken_by_a_live_binding)
{
	struct mig_binding b;

	pool_with("blue", 0, 2);
	/* A live binding made outside the pool already uses p0's identities. */
	store_sql_exec(fx.path, "INSERT INTO bindings (direction, mig_impi, mig_impu, home_impi, "
	               "home_impu, peer_realm, created) VALUES ('out', 'p0@pool.example', "
	               "'sip:p0@pool.example', 'x@home.example', 'sip:x@home.example', "
	               "'both.example', 1)");
	ck_store_ok(fx.st, alloc_from("blue", "alice", &b));
	ck_assert_str_eq(b.mig_impi, "p1@pool.example");
	assert_counts("blue", 2, 1);
}
END_TEST

START_TEST(test_remove_pool_in_use_gives_conflict_unless_forced)
{
	struct mig_binding b;
	size_t revoked = 0;
	uint64_t t, f;

	pool_with("blue", 0, 3);
	ck_store_ok(fx.st, alloc_from("blue", "alice", &b));
	ck_store_rc(fx.st, mig_pool_remove(fx.st, "blue", 0, NULL), MIG_CONFLICT);
	assert_counts("blue", 3, 2);
	ck_store_ok(fx.st, mig_pool_remove(fx.st, "blue", 1, &revoked));
	ck_assert_uint_eq(revoked, 1);
	ck_store_rc(fx.st, mig_pool_get(fx.st, "blue", &t, &f), MIG_NOTFOUND);
	ck_assert_int_eq(store_sql_int(fx.path, "SELECT count(*) FROM pool_entries"), 0);
	/* The binding keeps its identities, so a lookup still says revoked. */
	ck_store_ok(fx.st, mig_binding_by_mig_impi(fx.st, "p0@pool.example", &b));
	ck_assert_int_eq(b.state, MIG_STATE_REVOKED);
	ck_assert_str_eq(b.pool, "");
	ck_assert_int_eq(store_audit_count("pool.remove", 0), 1);
}
END_TEST

START_TEST(test_remove_pool_whose_bindings_are_dead_needs_no_force)
{
	struct mig_binding b;

	pool_with("blue", 0, 1);
	ck_store_ok(fx.st, alloc_from("blue", "alice", &b));
	ck_store_ok(fx.st, mig_binding_revoke(fx.st, b.id, NULL, NULL));
	ck_store_ok(fx.st, mig_pool_remove(fx.st, "blue", 0, NULL));
}
END_TEST

/* Collects pool names and counts. */
static int pool_seen(void *arg, const struct mig_pool_info *p)
{
	char *out = arg;

	sprintf(out + strlen(out), "%s:%llu/%llu;", p->name, (unsigned long long)p->free,
	        (unsigned long long)p->total);
	return 0;
}

START_TEST(test_list_gives_free_and_total_per_pool)
{
	struct mig_binding b;
	char out[256] = "";

	pool_with("red", 0, 2);
	pool_with("blue", 10, 3);
	ck_store_ok(fx.st, alloc_from("red", "alice", &b));
	ck_store_ok(fx.st, mig_pool_list(fx.st, pool_seen, out));
	ck_assert_str_eq(out, "blue:3/3;red:1/2;");
}
END_TEST

/*
 * A bulk import is one transaction however many chunks it adds: a reader
 * sees none of it until the commit, then all of it.  (Its speed is
 * measured in `make bench', not here.)
 */
START_TEST(test_bulk_add_inside_one_transaction_commits_once)
{
	enum { N = 50000, CHUNK = 5000 };
	struct mig_pool_entry *e = make_entries(0, N);
	const char *count = "SELECT count(*) FROM pool_entries";
	size_t i;

	ck_store_ok(fx.st, mig_pool_create(fx.st, "big"));
	ck_store_ok(fx.st, mig_store_begin(fx.st));
	for (i = 0; i < N; i += CHUNK)
		ck_store_ok(fx.st, mig_pool_add(fx.st, "big", e + i, CHUNK, NULL));
	ck_assert_int_eq(store_sql_int(fx.path, count), 0);
	ck_store_ok(fx.st, mig_store_commit(fx.st));
	ck_assert_int_eq(store_sql_int(fx.path, count), N);
	free_entries(e, N);
	assert_counts("big", N, N);
}
END_TEST

static Suite *pool_suite(void)
{
	Suite *s = suite_create("mig_pool");
	TCase *tc = tcase_create("pool");

	tcase_add_checked_fixture(tc, store_setup, store_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_create_pool_twice_gives_conflict);
	tcase_add_test(tc, test_add_to_unknown_pool_gives_notfound);
	tcase_add_test(tc, test_add_entries_then_list_counts_them);
	tcase_add_test(tc, test_add_duplicate_entry_gives_conflict_and_adds_nothing);
	tcase_add_test(tc, test_entry_in_another_pool_gives_conflict);
	tcase_add_test(tc, test_add_malformed_entry_gives_invalid_naming_it);
	tcase_add_test(tc, test_allocate_takes_entries_in_order_and_marks_them_used);
	tcase_add_test(tc, test_allocate_from_exhausted_pool_gives_exhausted);
	tcase_add_test(tc, test_allocate_from_unknown_pool_gives_notfound);
	tcase_add_test(tc, test_allocate_skips_entry_taken_by_a_live_binding);
	tcase_add_test(tc, test_remove_pool_in_use_gives_conflict_unless_forced);
	tcase_add_test(tc, test_remove_pool_whose_bindings_are_dead_needs_no_force);
	tcase_add_test(tc, test_list_gives_free_and_total_per_pool);
	tcase_add_test(tc, test_bulk_add_inside_one_transaction_commits_once);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return store_run(pool_suite());
}
