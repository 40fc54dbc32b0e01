/*
 * store_helpers.h: what the libmig unit tests share: a fresh store in a
 * temporary directory per test, a fake clock, raw SQL for white-box checks,
 * and assertions that print the store's error message.
 */
#ifndef STORE_HELPERS_H
#define STORE_HELPERS_H

#include <check.h>
#include <stdint.h>

#include "mig_store.h"

/* The per-test fixture (Check forks each test: no state leaks between tests). */
struct store_fx {
	char dir[256];   /* temporary directory, removed by teardown */
	char path[300];  /* dir/store.db */
	mig_store_t *st; /* open on path, clock = now below */
	int64_t now;     /* what the fake clock says */
};
extern struct store_fx fx;

/* Our realm for generated identities, and the configured partners:
 * STORE_PEER_BOTH allows both directions, STORE_PEER_IN only inbound,
 * STORE_PEER_OUT only outbound. */
#define STORE_REALM "mig.home.example"
#define STORE_PEER_BOTH "both.example"
#define STORE_PEER_IN "in-only.example"
#define STORE_PEER_OUT "out-only.example"
#define STORE_T0 ((int64_t)1700000000)

/* Fixture: temporary dir, store opened with the fake clock at STORE_T0,
 * generator realm STORE_REALM, the three partners.  Teardown removes all. */
void store_setup(void);
void store_teardown(void);
/* Same, without the partners and generator (bare empty store). */
void store_setup_bare(void);

/* Clock hook reading fx.now. */
int64_t store_clock(void *arg);

/* Open path with the fake clock; *rc gets the result, the handle is returned
 * (close it with mig_store_close even on failure). */
mig_store_t *store_open(const char *path, int readonly, int *rc);

/* An allocation request for user "<user>@home.example" / "sip:<user>@home.example"
 * toward peer, random identities, no expiry.  Strings live in static
 * buffers: one request at a time. */
struct mig_alloc_req store_req(enum mig_dir dir, const char *user, const char *peer);

/* Allocate; fails the test unless MIG_OK. */
void store_alloc_ok(enum mig_dir dir, const char *user, const char *peer,
                    struct mig_binding *out);

/* White-box SQL on fx.path through a separate connection. */
long long store_sql_int(const char *path, const char *sql);
void store_sql_exec(const char *path, const char *sql);

/* Number of audit rows with that action (optionally of one binding, 0: any). */
long long store_audit_count(const char *action, int64_t binding_id);

/* Remove a directory and the files in it (no subdirectories). */
void store_rmdir(const char *dir);

/* Run one suite; returns the exit status for main. */
int store_run(Suite *s);

/* Assert a store call's result, printing the store's message on failure. */
#define ck_store_rc(st, expr, want)                                                    \
	do {                                                                           \
		int rc_ = (expr);                                                      \
		ck_assert_msg(rc_ == (want), "%s: got %s, want %s (%s)", #expr,        \
		              mig_strerror(rc_), mig_strerror(want), mig_store_errmsg(st)); \
	} while (0)
#define ck_store_ok(st, expr) ck_store_rc(st, expr, MIG_OK)

#endif /* STORE_HELPERS_H */
