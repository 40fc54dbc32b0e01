/*
 * test_store_concurrency.c: several processes allocating from one database
 * at once, as the broker and migctl do: random identities (from a small
 * space, so that collisions between processes really happen) and entries
 * of one shared pool.  Afterwards: every success is in the database, no
 * identity is handed out twice, and nobody failed with MIG_BUSY.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "store_helpers.h"

enum { PROCS = 4, PER_PROC = 300 };

/* When each child ran (CLOCK_MONOTONIC, ns), to prove they overlapped. */
static long long now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* One child: its own handle (never a connection inherited across fork),
 * wait for the start signal, allocate, write "<id> <mig_impi>" per success
 * to its result file.  Exit status: number of failed allocations (capped). */
static int child(int k, int start_fd)
{
	struct mig_binding b;
	struct mig_alloc_req r;
	char user[32], path[400], go;
	int i, rc, failed = 0;
	mig_store_t *st = store_open(fx.path, 0, &rc);
	FILE *out;

	snprintf(path, sizeof path, "%s/child%d.txt", fx.dir, k);
	out = fopen(path, "w");
	if (rc != MIG_OK || out == NULL || read(start_fd, &go, 1) != 1)
		return 100;
	/* 32768 identities: collisions between processes happen, exhaustion not */
	mig_store_set_generator(st, "r", 3, STORE_REALM);
	fprintf(out, "start %lld\n", now_ns());
	for (i = 0; i < PER_PROC; i++) {
		snprintf(user, sizeof user, "c%d-u%d", k, i);
		r = store_req(MIG_DIR_OUT, user, STORE_PEER_BOTH);
		r.pool = (i % 2) ? "shared" : NULL;
		rc = mig_binding_allocate(st, &r, &b);
		if (rc == MIG_OK)
			fprintf(out, "%lld %s %s\n", (long long)b.id, b.mig_impi, b.home_impi);
		else if (failed++ < 5)
			fprintf(stderr, "child %d: %s: %s\n", k, mig_strerror(rc),
			        mig_store_errmsg(st));
	}
	fprintf(out, "end %lld\n", now_ns());
	fclose(out);
	mig_store_close(st);
	return failed > 99 ? 99 : failed;
}

/* Latest start and earliest end over the children. */
static long long last_start, first_end = -1;

/* Check one child's successes against the database: each id exists with
 * the identity and the home user the child was given. */
static int verify_child(int k)
{
	char path[400], line[600], sql[900], impi[300], home[300];
	long long id, t;
	int n = 0;
	FILE *in;

	snprintf(path, sizeof path, "%s/child%d.txt", fx.dir, k);
	in = fopen(path, "r");
	ck_assert_ptr_nonnull(in);
	while (fgets(line, sizeof line, in)) {
		if (sscanf(line, "start %lld", &t) == 1) {
			last_start = t > last_start ? t : last_start;
			continue;
		}
		if (sscanf(line, "end %lld", &t) == 1) {
			first_end = first_end < 0 || t < first_end ? t : first_end;
			continue;
		}
		ck_assert_int_eq(sscanf(line, "%lld %299s %299s", &id, impi, home), 3);
		snprintf(sql, sizeof sql, "SELECT count(*) FROM bindings WHERE id = %lld AND "
		         "mig_impi = '%s' AND home_impi = '%s' AND state = 'allocated'", id, impi,
		         home);
		ck_assert_msg(store_sql_int(fx.path, sql) == 1, "lost: %s", line);
		n++;
	}
	fclose(in);
	return n;
}

/* n pool entries q<i>@pool.example. */
static void make_pool(int n)
{
	static char impi[PROCS * PER_PROC][40], impu[PROCS * PER_PROC][48];
	struct mig_pool_entry e[PROCS * PER_PROC];
	int i;

	for (i = 0; i < n; i++) {
		snprintf(impi[i], sizeof impi[i], "q%d@pool.example", i);
		snprintf(impu[i], sizeof impu[i], "sip:q%d@pool.example", i);
		e[i].impi = impi[i];
		e[i].impu = impu[i];
	}
	ck_store_ok(fx.st, mig_pool_create(fx.st, "shared"));
	ck_store_ok(fx.st, mig_pool_add(fx.st, "shared", e, (size_t)n, NULL));
}

/* Fork PROCS children running fn(k, start fd) and start them all at once. */
static void start_children(pid_t *pid, int (*fn)(int k, int start_fd))
{
	int start[2], k;

	ck_assert_int_eq(pipe(start), 0);
	for (k = 0; k < PROCS; k++) {
		pid[k] = fork();
		ck_assert_int_ge(pid[k], 0);
		if (pid[k] == 0)
			_exit(fn(k, start[0]));
	}
	for (k = 0; k < PROCS; k++)
		ck_assert_int_eq(write(start[1], "g", 1), 1);
}

START_TEST(test_concurrent_processes_never_hand_out_one_identity_twice)
{
	int k, status, total = 0;
	pid_t pid[PROCS];
	uint64_t t, f;

	make_pool(PROCS * PER_PROC / 2);
	start_children(pid, child);
	for (k = 0; k < PROCS; k++) {
		ck_assert_int_eq(waitpid(pid[k], &status, 0), pid[k]);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		              "child %d: status %d (failed allocations, see log)", k, status);
	}
	for (k = 0; k < PROCS; k++)
		total += verify_child(k);
	ck_assert_int_eq(total, PROCS * PER_PROC);
	ck_assert_msg(last_start < first_end, "the children did not run at the same time");
	ck_assert_int_eq(store_sql_int(fx.path, "SELECT count(*) FROM bindings"), total);
	ck_assert_int_eq(store_sql_int(fx.path, "SELECT count(DISTINCT mig_impi) FROM bindings"),
	                 total);
	ck_assert_int_eq(store_sql_int(fx.path, "SELECT count(DISTINCT mig_impu) FROM bindings"),
	                 total);
	ck_assert_int_eq(store_audit_count("allocate", 0), total);
	/* every pool entry used once, by the binding carrying its identities */
	ck_store_ok(fx.st, mig_pool_get(fx.st, "shared", &t, &f));
	ck_assert_uint_eq(f, 0);
	ck_assert_int_eq(store_sql_int(fx.path, "SELECT count(*) FROM pool_entries e JOIN "
	                 "bindings b ON b.id = e.binding_id AND b.mig_impi = e.impi AND "
	                 "b.mig_impu = e.impu"), (long long)t);
}
END_TEST

/*
 * A live-binding limit under the same race: PROCS processes allocate for
 * one partner with max_live LIMITED at once.  The count runs inside each
 * allocation's transaction, so exactly LIMITED succeed, whatever the
 * interleaving; every other attempt is MIG_LIMIT.  Exit status: successes.
 */
enum { LIMITED = 100, LIMIT_TRIES = 60 };

static int child_limited(int k, int start_fd)
{
	struct mig_binding b;
	struct mig_alloc_req r;
	char user[32], go;
	int i, rc, ok = 0;
	mig_store_t *st = store_open(fx.path, 0, &rc);

	if (rc != MIG_OK || read(start_fd, &go, 1) != 1)
		return 255;
	mig_store_set_generator(st, "l", 16, STORE_REALM);
	for (i = 0; i < LIMIT_TRIES; i++) {
		snprintf(user, sizeof user, "l%d-u%d", k, i);
		r = store_req(MIG_DIR_OUT, user, STORE_PEER_BOTH);
		r.max_live = LIMITED;
		rc = mig_binding_allocate(st, &r, &b);
		if (rc == MIG_OK)
			ok++;
		else if (rc != MIG_LIMIT)
			return 254;
	}
	mig_store_close(st);
	return ok;
}

START_TEST(test_concurrent_processes_never_exceed_the_live_binding_limit)
{
	int k, status, total = 0;
	pid_t pid[PROCS];

	start_children(pid, child_limited);
	for (k = 0; k < PROCS; k++) {
		ck_assert_int_eq(waitpid(pid[k], &status, 0), pid[k]);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) <= LIMIT_TRIES,
		              "child %d: status %d", k, status);
		total += WEXITSTATUS(status);
	}
	ck_assert_int_eq(total, LIMITED);
	ck_assert_int_eq(store_sql_int(fx.path, "SELECT count(*) FROM bindings"), LIMITED);
	ck_assert_int_eq(store_audit_count("allocate", 0), LIMITED);
}
END_TEST

static Suite *concurrency_suite(void)
{
	Suite *s = suite_create("mig_store_concurrency");
	TCase *tc = tcase_create("processes");

	tcase_add_checked_fixture(tc, store_setup, store_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_concurrent_processes_never_hand_out_one_identity_twice);
	tcase_add_test(tc, test_concurrent_processes_never_exceed_the_live_binding_limit);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return store_run(concurrency_suite());
}
