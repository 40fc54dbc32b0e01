/*
 * store_helpers.c: the shared fixture of the libmig unit tests.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store_helpers.h"

struct store_fx fx;

int64_t store_clock(void *arg)
{
	(void)arg;
	return fx.now;
}

mig_store_t *store_open(const char *path, int readonly, int *rc)
{
	struct mig_store_opts o = { .readonly = readonly };
	mig_store_t *st;

	*rc = mig_store_open(&st, path, &o);
	if (st)
		mig_store_set_clock(st, store_clock, NULL);
	return st;
}

/* mkdtemp under $TMPDIR (or /tmp), so that tests never share files. */
static void store_mkdir(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(fx.dir, sizeof fx.dir, "%s/migstore-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	ck_assert_msg(mkdtemp(fx.dir) != NULL, "mkdtemp %s", fx.dir);
	snprintf(fx.path, sizeof fx.path, "%s/store.db", fx.dir);
}

void store_setup_bare(void)
{
	int rc;

	store_mkdir();
	fx.now = STORE_T0;
	fx.st = store_open(fx.path, 0, &rc);
	ck_store_ok(fx.st, rc);
}

/* Put a partner with the given directions. */
static void store_partner(const char *realm, int allow_in, int allow_out)
{
	struct mig_partner p = { .allow_in = allow_in, .allow_out = allow_out, .obfuscate = 1 };

	snprintf(p.realm, sizeof p.realm, "%s", realm);
	ck_store_ok(fx.st, mig_partner_put(fx.st, &p));
}

void store_setup(void)
{
	store_setup_bare();
	ck_store_ok(fx.st, mig_store_set_generator(fx.st, NULL, 0, STORE_REALM));
	store_partner(STORE_PEER_BOTH, 1, 1);
	store_partner(STORE_PEER_IN, 1, 0);
	store_partner(STORE_PEER_OUT, 0, 1);
}

void store_teardown(void)
{
	mig_store_close(fx.st);
	fx.st = NULL;
	store_rmdir(fx.dir);
}

struct mig_alloc_req store_req(enum mig_dir dir, const char *user, const char *peer)
{
	static char impi[MIG_IDENT_MAX + 1], impu[MIG_IDENT_MAX + 1];
	struct mig_alloc_req r = { .dir = dir, .home_impi = impi, .home_impu = impu,
		                   .peer_realm = peer };

	snprintf(impi, sizeof impi, "%s@home.example", user);
	snprintf(impu, sizeof impu, "sip:%s@home.example", user);
	return r;
}

void store_alloc_ok(enum mig_dir dir, const char *user, const char *peer,
                    struct mig_binding *out)
{
	struct mig_alloc_req r = store_req(dir, user, peer);

	ck_store_ok(fx.st, mig_binding_allocate(fx.st, &r, out));
}

/* A raw connection with a busy timeout (the store may hold the lock). */
static sqlite3 *store_sql_open(const char *path)
{
	sqlite3 *db;

	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	return db;
}

long long store_sql_int(const char *path, const char *sql)
{
	sqlite3 *db = store_sql_open(path);
	sqlite3_stmt *s;
	long long v;

	ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK, "%s: %s", sql,
	              sqlite3_errmsg(db));
	ck_assert_msg(sqlite3_step(s) == SQLITE_ROW, "%s: no row", sql);
	v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

void store_sql_exec(const char *path, const char *sql)
{
	sqlite3 *db = store_sql_open(path);
	char *err = NULL;

	ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, &err) == SQLITE_OK, "%s: %s", sql,
	              err ? err : "?");
	sqlite3_close(db);
}

long long store_audit_count(const char *action, int64_t binding_id)
{
	char sql[256];

	snprintf(sql, sizeof sql, "SELECT count(*) FROM audit WHERE action = '%s'%s%lld",
	         action, binding_id ? " AND binding_id = " : " AND 0 = ",
	         (long long)binding_id);
	return store_sql_int(fx.path, sql);
}

void store_rmdir(const char *dir)
{
	char path[600];
	struct dirent *e;
	DIR *d = opendir(dir);

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

int store_run(Suite *s)
{
	SRunner *r = srunner_create(s);
	int failed;

	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
