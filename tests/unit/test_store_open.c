/*
 * test_store_open.c: opening the store: creation, upgrade, refusal of
 * newer, foreign and corrupt databases, read-only handles, the busy
 * timeout, transactions, and the query plans of the hot statements.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mig_int.h"
#include "mig_schema.h"
#include "store_helpers.h"

static double elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1e3 + (t1.tv_nsec - t0->tv_nsec) / 1e6;
}

START_TEST(test_open_creates_schema_at_known_version_in_wal_mode)
{
	ck_assert_int_eq(mig_store_schema_version(fx.st), mig_store_schema_known());
	ck_assert_int_ge(mig_store_schema_known(), 2);
	ck_assert_int_eq(store_sql_int(fx.path, "SELECT count(*) FROM schema_version"),
	                 mig_store_schema_known());
	ck_assert_int_eq(store_sql_int(fx.path, "SELECT count(*) FROM pragma_journal_mode "
	                                        "WHERE journal_mode = 'wal'"), 1);
}
END_TEST

/* The value of a one-row pragma on the handle's own connection. */
static long long handle_pragma(mig_store_t *st, const char *sql)
{
	sqlite3_stmt *s;
	long long v;

	ck_assert_int_eq(sqlite3_prepare_v2(st->db, sql, -1, &s, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
	v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

START_TEST(test_memory_map_is_off_unless_asked_for)
{
	struct mig_store_opts o = { .mmap_mib = 64 };
	struct mig_binding b, got;
	mig_store_t *st = NULL;

	ck_assert_int_eq(handle_pragma(fx.st, "PRAGMA mmap_size"), 0);
	store_alloc_ok(MIG_DIR_OUT, "alice", STORE_PEER_BOTH, &b);
	ck_store_ok(st, mig_store_open(&st, fx.path, &o));
	ck_assert_int_eq(handle_pragma(st, "PRAGMA mmap_size"), 64LL << 20);
	/* Reads through the map see what the other handle wrote. */
	ck_store_ok(st, mig_binding_by_mig_impi(st, b.mig_impi, &got));
	ck_assert_int_eq(got.id, b.id);
	mig_store_close(st);
}
END_TEST

START_TEST(test_reopen_keeps_data_and_does_not_reapply_schema)
{
	struct mig_partner p;
	int rc;

	mig_store_close(fx.st);
	fx.st = store_open(fx.path, 0, &rc);
	ck_store_ok(fx.st, rc);
	ck_store_ok(fx.st, mig_partner_get(fx.st, STORE_PEER_BOTH, &p));
	ck_assert_int_eq(p.allow_in && p.allow_out, 1);
	ck_assert_int_eq(store_sql_int(fx.path, "SELECT count(*) FROM schema_version"),
	                 mig_store_schema_known());
}
END_TEST

START_TEST(test_readonly_open_of_missing_file_gives_notfound_and_creates_nothing)
{
	char path[400];
	int rc;
	mig_store_t *st;

	snprintf(path, sizeof path, "%s/missing.db", fx.dir);
	st = store_open(path, 1, &rc);
	ck_store_rc(st, rc, MIG_NOTFOUND);
	ck_assert_ptr_nonnull(strstr(mig_store_errmsg(st), "does not exist"));
	mig_store_close(st);
	ck_assert_int_ne(access(path, F_OK), 0);
}
END_TEST

START_TEST(test_readonly_handle_reads_but_refuses_changes)
{
	struct mig_binding b, got;
	struct mig_partner p = { .realm = "new.example" };
	mig_store_t *ro;
	int rc;

	store_alloc_ok(MIG_DIR_OUT, "alice", STORE_PEER_BOTH, &b);
	ro = store_open(fx.path, 1, &rc);
	ck_store_ok(ro, rc);
	ck_store_ok(ro, mig_binding_by_mig_impi(ro, b.mig_impi, &got));
	ck_assert_int_eq(got.id, b.id);
	ck_store_rc(ro, mig_partner_put(ro, &p), MIG_IO);
	ck_store_rc(ro, mig_binding_revoke(ro, b.id, NULL, NULL), MIG_IO);
	ck_assert_ptr_nonnull(strstr(mig_store_errmsg(ro), "read-only"));
	mig_store_close(ro);
}
END_TEST

/* Write n bytes of garbage at offset of path. */
static void scribble(const char *path, off_t offset, size_t n)
{
	char junk[4096];
	int fd = open(path, O_WRONLY | O_CREAT, 0600);

	ck_assert_int_ge(fd, 0);
	memset(junk, 0xA5, sizeof junk);
	strcpy(junk, "this is not an SQLite database");
	ck_assert_int_eq(pwrite(fd, junk, n, offset), (ssize_t)n);
	close(fd);
}

START_TEST(test_open_garbage_file_gives_corrupt)
{
	char path[400];
	mig_store_t *st;
	int rc, ro;

	snprintf(path, sizeof path, "%s/garbage.db", fx.dir);
	scribble(path, 0, 4096);
	for (ro = 0; ro <= 1; ro++) {
		st = store_open(path, ro, &rc);
		ck_store_rc(st, rc, MIG_CORRUPT);
		ck_assert_ptr_nonnull(strstr(mig_store_errmsg(st), path));
		mig_store_close(st);
	}
}
END_TEST

START_TEST(test_damaged_page_gives_corrupt_at_open_or_check)
{
	struct mig_binding b;
	char user[32];
	mig_store_t *st;
	int i, rc;

	for (i = 0; i < 500; i++) {
		snprintf(user, sizeof user, "user%d", i);
		store_alloc_ok(MIG_DIR_OUT, user, STORE_PEER_BOTH, &b);
	}
	mig_store_close(fx.st); /* the last close checkpoints the WAL into the file */
	fx.st = NULL;
	for (i = 2; i < 10; i++) /* whole b-tree pages, past the file header */
		scribble(fx.path, 4096 * i, 4096);
	st = store_open(fx.path, 0, &rc);
	if (rc == MIG_OK)
		rc = mig_store_check(st);
	ck_store_rc(st, rc, MIG_CORRUPT);
	mig_store_close(st);
}
END_TEST

START_TEST(test_check_of_sound_database_is_ok)
{
	ck_store_ok(fx.st, mig_store_check(fx.st));
}
END_TEST

START_TEST(test_check_full_of_sound_database_is_ok)
{
	struct mig_binding b;
	size_t problems = 99;

	store_alloc_ok(MIG_DIR_OUT, "alice", STORE_PEER_BOTH, &b);
	ck_store_ok(fx.st, mig_store_check_full(fx.st, &problems));
	ck_assert_uint_eq(problems, 0);
	ck_store_ok(fx.st, mig_store_check_full(fx.st, NULL));
}
END_TEST

/* An index whose definition no longer matches its entries: every page is
 * sound (quick_check passes), only the complete check compares the index
 * with its table. */
START_TEST(test_check_full_finds_an_index_that_quick_check_misses)
{
	struct mig_binding b;
	size_t problems = 0;
	int rc;

	store_alloc_ok(MIG_DIR_OUT, "alice", STORE_PEER_BOTH, &b);
	store_alloc_ok(MIG_DIR_OUT, "bob", STORE_PEER_BOTH, &b);
	mig_store_close(fx.st);
	store_sql_exec(fx.path, "PRAGMA writable_schema = ON; UPDATE sqlite_master SET sql = "
	               "'CREATE UNIQUE INDEX bindings_live_mig_impi ON bindings (home_impi) "
	               "WHERE state IN (''allocated'', ''registered'')' "
	               "WHERE name = 'bindings_live_mig_impi'");
	fx.st = store_open(fx.path, 1, &rc);
	ck_store_ok(fx.st, rc);
	ck_store_ok(fx.st, mig_store_check(fx.st));
	ck_store_rc(fx.st, mig_store_check_full(fx.st, &problems), MIG_CORRUPT);
	ck_assert_uint_ge(problems, 2); /* each of the two rows */
	ck_assert_ptr_nonnull(strstr(mig_store_errmsg(fx.st), "bindings_live_mig_impi"));
}
END_TEST

/* A child process that allocates for ms milliseconds through its own handle. */
static pid_t spawn_writer(const char *path, int ms)
{
	struct mig_binding b;
	struct timespec t0;
	mig_store_t *st;
	char user[32];
	pid_t pid = fork();
	int i, rc;

	ck_assert_int_ge(pid, 0);
	if (pid > 0)
		return pid;
	st = store_open(path, 0, &rc);
	mig_store_set_generator(st, NULL, 0, STORE_REALM);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; elapsed_ms(&t0) < ms; i++) {
		struct mig_alloc_req r;

		snprintf(user, sizeof user, "w%d", i);
		r = store_req(MIG_DIR_OUT, user, STORE_PEER_BOTH);
		mig_binding_allocate(st, &r, &b);
	}
	mig_store_close(st);
	_exit(0);
}

/* Each allocation writes its binding and its audit row in one transaction:
 * a copy that is one snapshot has as many of each. */
static void assert_consistent_copy(const char *path)
{
	mig_store_t *st;
	size_t problems;
	int rc;

	st = store_open(path, 1, &rc);
	ck_store_ok(st, rc);
	ck_store_ok(st, mig_store_check_full(st, &problems));
	mig_store_close(st);
	ck_assert_int_eq(store_sql_int(path, "SELECT (SELECT count(*) FROM bindings) = "
	                 "(SELECT count(*) FROM audit WHERE action = 'allocate')"), 1);
	ck_assert_int_gt(store_sql_int(path, "SELECT count(*) FROM bindings"), 0);
}

START_TEST(test_backup_is_one_snapshot_taken_while_another_process_writes)
{
	char path[400], tmp[410];
	pid_t pid = spawn_writer(fx.path, 1500);
	int i, status;

	for (i = 0; i < 100 && store_sql_int(fx.path, "SELECT count(*) FROM bindings") < 10; i++)
		usleep(20000);
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "%s/backup%d.db", fx.dir, i);
		ck_store_ok(fx.st, mig_store_backup(fx.st, path));
		assert_consistent_copy(path);
		snprintf(tmp, sizeof tmp, "%s.tmp", path);
		ck_assert_int_ne(access(tmp, F_OK), 0);
	}
	ck_assert_int_eq(waitpid(pid, &status, WNOHANG), 0); /* still writing */
	waitpid(pid, &status, 0);
}
END_TEST

START_TEST(test_backup_replaces_a_file_and_refuses_itself_or_an_unwritable_path)
{
	char path[400];
	mig_store_t *ro;
	int rc;

	snprintf(path, sizeof path, "%s/old.db", fx.dir);
	scribble(path, 0, 4096);
	ro = store_open(fx.path, 1, &rc); /* a read-only handle will do */
	ck_store_ok(ro, rc);
	ck_store_ok(ro, mig_store_backup(ro, path));
	mig_store_close(ro);
	ck_assert_int_eq(store_sql_int(path, "SELECT count(*) FROM partners"), 3);
	ck_store_rc(fx.st, mig_store_backup(fx.st, fx.path), MIG_INVALID);
	ck_assert_ptr_nonnull(strstr(mig_store_errmsg(fx.st), "is the database itself"));
	snprintf(path, sizeof path, "%s/no/such/dir.db", fx.dir);
	ck_store_rc(fx.st, mig_store_backup(fx.st, path), MIG_IO);
	ck_store_rc(fx.st, mig_store_backup(fx.st, ""), MIG_INVALID);
}
END_TEST

START_TEST(test_open_newer_schema_gives_schema_and_leaves_it_alone)
{
	mig_store_t *st;
	int rc, ro;

	store_sql_exec(fx.path, "INSERT INTO schema_version VALUES (99, 0, '099_future.sql')");
	for (ro = 0; ro <= 1; ro++) {
		st = store_open(fx.path, ro, &rc);
		ck_store_rc(st, rc, MIG_SCHEMA);
		ck_assert_ptr_nonnull(strstr(mig_store_errmsg(st), "version 99 is newer"));
		mig_store_close(st);
	}
	ck_assert_int_eq(store_sql_int(fx.path, "SELECT max(version) FROM schema_version"), 99);
}
END_TEST

START_TEST(test_open_foreign_sqlite_database_gives_schema)
{
	char path[400];
	mig_store_t *st;
	int rc;

	snprintf(path, sizeof path, "%s/foreign.db", fx.dir);
	store_sql_exec(path, "CREATE TABLE accounts (id INTEGER PRIMARY KEY)");
	st = store_open(path, 0, &rc);
	ck_store_rc(st, rc, MIG_SCHEMA);
	ck_assert_ptr_nonnull(strstr(mig_store_errmsg(st), "not a migbroker database"));
	mig_store_close(st);
}
END_TEST

/* A database exactly as version 1 of the library left it, with one partner
 * and one live outbound binding. */
static void make_version_1(const char *path)
{
	char sql[256];

	ck_assert_str_eq(mig_schema_scripts[0].name, "001_initial.sql");
	store_sql_exec(path, mig_schema_scripts[0].sql);
	snprintf(sql, sizeof sql, "INSERT INTO schema_version VALUES (1, %lld, '%s')",
	         (long long)STORE_T0, mig_schema_scripts[0].name);
	store_sql_exec(path, sql);
	store_sql_exec(path, "INSERT INTO partners (realm, allow_out, created) "
	                     "VALUES ('old.example', 1, 1)");
	store_sql_exec(path, "INSERT INTO bindings (direction, mig_impi, mig_impu, home_impi, "
	                     "home_impu, peer_realm, created) VALUES ('out', 'mig-old@m.example', "
	                     "'sip:mig-old@m.example', 'bob@home.example', "
	                     "'sip:bob@home.example', 'old.example', 1)");
}

START_TEST(test_upgrade_from_version_1_keeps_bindings)
{
	struct mig_binding b;
	char path[400];
	mig_store_t *st;
	int rc;

	snprintf(path, sizeof path, "%s/v1.db", fx.dir);
	make_version_1(path);
	st = store_open(path, 1, &rc);
	ck_store_rc(st, rc, MIG_SCHEMA); /* read-only never upgrades */
	ck_assert_ptr_nonnull(strstr(mig_store_errmsg(st), "older"));
	mig_store_close(st);

	st = store_open(path, 0, &rc);
	ck_store_ok(st, rc);
	ck_assert_int_eq(mig_store_schema_version(st), mig_store_schema_known());
	ck_store_ok(st, mig_binding_by_mig_impi(st, "mig-old@m.example", &b));
	ck_assert_str_eq(b.home_impi, "bob@home.example");
	ck_assert_str_eq(b.server, "");
	ck_store_ok(st, mig_binding_register(st, b.id, "sip:scscf.m.example"));
	ck_store_ok(st, mig_binding_get(st, b.id, &b));
	ck_assert_str_eq(b.server, "sip:scscf.m.example");
	mig_store_close(st);
	ck_assert_int_eq(store_sql_int(path, "SELECT count(*) FROM schema_version"),
	                 mig_store_schema_known());
}
END_TEST

/* Hold the write lock of path in a child for ms milliseconds. */
static pid_t hold_lock(const char *path, int ms)
{
	int ready[2];
	char c;
	pid_t pid;

	ck_assert_int_eq(pipe(ready), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		sqlite3 *db;

		sqlite3_open(path, &db);
		sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		usleep(ms * 1000);
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
		sqlite3_close(db);
		_exit(0);
	}
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	close(ready[0]);
	close(ready[1]);
	return pid;
}

START_TEST(test_locked_database_gives_busy_after_the_timeout)
{
	struct mig_store_opts o = { .busy_timeout_ms = 200 };
	struct mig_alloc_req r = store_req(MIG_DIR_OUT, "alice", STORE_PEER_BOTH);
	struct mig_binding b;
	struct timespec t0;
	mig_store_t *st;
	pid_t pid;
	int status, rc = mig_store_open(&st, fx.path, &o);

	ck_store_ok(st, rc);
	ck_store_ok(st, mig_store_set_generator(st, NULL, 0, STORE_REALM));
	pid = hold_lock(fx.path, 1500);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_store_rc(st, mig_binding_allocate(st, &r, &b), MIG_BUSY);
	ck_assert_double_ge(elapsed_ms(&t0), 150);
	ck_assert_double_lt(elapsed_ms(&t0), 1400);
	waitpid(pid, &status, 0);
	ck_store_ok(st, mig_binding_allocate(st, &r, &b));
	mig_store_close(st);
}
END_TEST

START_TEST(test_busy_timeout_waits_for_a_short_lock)
{
	struct mig_binding b;
	struct timespec t0;
	pid_t pid;
	int status;

	pid = hold_lock(fx.path, 300);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	store_alloc_ok(MIG_DIR_OUT, "alice", STORE_PEER_BOTH, &b);
	ck_assert_double_ge(elapsed_ms(&t0), 200);
	waitpid(pid, &status, 0);
}
END_TEST

START_TEST(test_user_transaction_commits_or_rolls_back_as_a_whole)
{
	struct mig_binding b;
	struct mig_alloc_req r = store_req(MIG_DIR_OUT, "alice", STORE_PEER_BOTH);

	ck_store_ok(fx.st, mig_store_begin(fx.st));
	ck_store_rc(fx.st, mig_store_begin(fx.st), MIG_INVALID);
	store_alloc_ok(MIG_DIR_OUT, "alice", STORE_PEER_BOTH, &b);
	store_alloc_ok(MIG_DIR_OUT, "bob", STORE_PEER_BOTH, &b);
	ck_store_ok(fx.st, mig_store_rollback(fx.st));
	ck_assert_int_eq(store_sql_int(fx.path, "SELECT count(*) FROM bindings"), 0);
	ck_assert_int_eq(store_sql_int(fx.path, "SELECT count(*) FROM audit "
	                                        "WHERE action = 'allocate'"), 0);

	ck_store_ok(fx.st, mig_store_begin(fx.st));
	store_alloc_ok(MIG_DIR_OUT, "alice", STORE_PEER_BOTH, &b);
	/* A failing operation inside undoes only itself. */
	ck_store_rc(fx.st, mig_binding_allocate(fx.st, &r, &b), MIG_CONFLICT);
	ck_store_ok(fx.st, mig_store_commit(fx.st));
	ck_store_rc(fx.st, mig_store_commit(fx.st), MIG_INVALID);
	ck_assert_int_eq(store_sql_int(fx.path, "SELECT count(*) FROM bindings"), 1);
	ck_assert_int_eq(store_audit_count("allocate", 0), 1);
}
END_TEST

START_TEST(test_every_error_code_has_its_own_text)
{
	int i, j;

	for (i = MIG_OK; i <= MIG_LIMIT; i++)
		for (j = i + 1; j <= MIG_LIMIT; j++)
			ck_assert_str_ne(mig_strerror(i), mig_strerror(j));
	ck_assert_str_eq(mig_strerror(-1), "unknown error");
	ck_assert_str_eq(mig_strerror(MIG_LIMIT + 1), "unknown error");
	ck_assert_str_eq(mig_store_errmsg(NULL), "out of memory");
}
END_TEST

START_TEST(test_generator_settings_are_checked)
{
	ck_store_rc(fx.st, mig_store_set_generator(fx.st, "a b", 0, STORE_REALM), MIG_INVALID);
	ck_store_rc(fx.st, mig_store_set_generator(fx.st, NULL, 65, STORE_REALM), MIG_INVALID);
	ck_store_rc(fx.st, mig_store_set_generator(fx.st, NULL, 0, NULL), MIG_INVALID);
	ck_assert_ptr_nonnull(strstr(mig_store_errmsg(fx.st), "identity realm: missing"));
	ck_store_rc(fx.st, mig_store_set_generator(fx.st, NULL, 0, "bad_realm"), MIG_INVALID);
	ck_store_ok(fx.st, mig_store_set_generator(fx.st, "x.", 64, "r.example"));
}
END_TEST

/* EXPLAIN QUERY PLAN of statement q: no full SCAN of a table that grows
 * with the bindings (partners may be scanned), and the plan mentions want
 * if given. */
static void assert_indexed(enum mig_q q, const char *want)
{
	char sql[2048];
	sqlite3 *db;
	sqlite3_stmt *s;
	int seen = (want == NULL);

	snprintf(sql, sizeof sql, "EXPLAIN QUERY PLAN %s", mig_sql[q]);
	ck_assert_int_eq(sqlite3_open(fx.path, &db), SQLITE_OK);
	ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK, "%s: %s",
	              mig_sql[q], sqlite3_errmsg(db));
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *d = (const char *)sqlite3_column_text(s, 3);

		ck_assert_msg(strncmp(d, "SCAN", 4) != 0 || strstr(d, "INDEX") ||
		              strstr(d, "partners"), "statement %d scans: %s", (int)q, d);
		seen |= want && strstr(d, want) != NULL;
	}
	ck_assert_msg(seen, "statement %d does not use %s", (int)q, want);
	sqlite3_finalize(s);
	sqlite3_close(db);
}

START_TEST(test_hot_statements_use_their_indexes)
{
	assert_indexed(MIG_Q_B_LIVE_IMPI, "bindings_live_mig_impi");
	assert_indexed(MIG_Q_B_DEAD_IMPI, "bindings_dead_mig_impi");
	assert_indexed(MIG_Q_B_LIVE_IMPU, "bindings_live_mig_impu");
	assert_indexed(MIG_Q_B_DEAD_IMPU, "bindings_dead_mig_impu");
	assert_indexed(MIG_Q_B_LIVE_HOME, "bindings_live_peer");
	assert_indexed(MIG_Q_B_DEAD_HOME, "bindings_dead_home");
	assert_indexed(MIG_Q_B_BY_ID, NULL);
	assert_indexed(MIG_Q_C_REVOKE_USER, "bindings_live_peer");
	assert_indexed(MIG_Q_C_REVOKE_PEER, "bindings_live_peer");
	assert_indexed(MIG_Q_C_EXPIRE, "bindings_live_expires");
	assert_indexed(MIG_Q_C_PURGE, "bindings_dead_ended");
	assert_indexed(MIG_Q_PARTNER_LIVE, "bindings_live_peer");
	assert_indexed(MIG_Q_POOL_NEXT_FREE, "pool_entries_free");
}
END_TEST

static Suite *open_suite(void)
{
	Suite *s = suite_create("mig_store_open");
	TCase *tc = tcase_create("open");

	tcase_add_checked_fixture(tc, store_setup, store_teardown);
	tcase_add_test(tc, test_open_creates_schema_at_known_version_in_wal_mode);
	tcase_add_test(tc, test_reopen_keeps_data_and_does_not_reapply_schema);
	tcase_add_test(tc, test_memory_map_is_off_unless_asked_for);
	tcase_add_test(tc, test_readonly_open_of_missing_file_gives_notfound_and_creates_nothing);
	tcase_add_test(tc, test_readonly_handle_reads_but_refuses_changes);
	tcase_add_test(tc, test_open_garbage_file_gives_corrupt);
	tcase_add_test(tc, test_damaged_page_gives_corrupt_at_open_or_check);
	tcase_add_test(tc, test_check_of_sound_database_is_ok);
	tcase_add_test(tc, test_check_full_of_sound_database_is_ok);
	tcase_add_test(tc, test_check_full_finds_an_index_that_quick_check_misses);
	tcase_add_test(tc, test_backup_is_one_snapshot_taken_while_another_process_writes);
	tcase_add_test(tc, test_backup_replaces_a_file_and_refuses_itself_or_an_unwritable_path);
	tcase_add_test(tc, test_open_newer_schema_gives_schema_and_leaves_it_alone);
	tcase_add_test(tc, test_open_foreign_sqlite_database_gives_schema);
	tcase_add_test(tc, test_upgrade_from_version_1_keeps_bindings);
	tcase_add_test(tc, test_locked_database_gives_busy_after_the_timeout);
	tcase_add_test(tc, test_busy_timeout_waits_for_a_short_lock);
	tcase_add_test(tc, test_user_transaction_commits_or_rolls_back_as_a_whole);
	tcase_add_test(tc, test_every_error_code_has_its_own_text);
	tcase_add_test(tc, test_generator_settings_are_checked);
	tcase_add_test(tc, test_hot_statements_use_their_indexes);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return store_run(open_suite());
}
