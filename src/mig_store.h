/*
 * mig_store.h: the binding store of migbroker (libmig).
 *
 * One SQLite database holds the partners, the identity pools, the bindings
 * (migration identity <-> home identity) and the audit log.  The broker
 * (freeDiameter extension) and the CLI (migctl) both use this API; nothing
 * here depends on freeDiameter.  doc/store.md describes the schema, the
 * states and the concurrency model.
 *
 * Conventions
 *   - Every function returns a mig_err code (MIG_OK == 0).  After a failure,
 *     mig_store_errmsg() names what was wrong ("home IMPI 'x': missing '@'").
 *   - Strings in result structs are copied into fixed buffers: lookups do
 *     not allocate and results stay valid after the call.  Strings given to
 *     a callback are valid only during that callback.
 *   - Times are unix seconds, taken from the handle's clock (settable, for
 *     tests).  0 in expires/last_used means "never".
 *   - Every change writes its audit rows in the same transaction, with the
 *     handle's actor (mig_store_set_actor).
 *
 * Threads and processes
 *   A handle is for one thread at a time (the SQLite connection is opened
 *   without its own mutex): give each thread its own handle.  Any number of
 *   handles in any number of processes may use one database at once: writers
 *   take the database lock with BEGIN IMMEDIATE and wait for it up to the
 *   busy timeout, then fail with MIG_BUSY; readers never wait (WAL).
 */
#ifndef MIG_STORE_H
#define MIG_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "mig_ident.h"

/* ---- Errors ------------------------------------------------------------ */

typedef enum mig_err {
	MIG_OK = 0,
	MIG_NOTFOUND,   /* no such binding, partner, pool, or database file */
	MIG_INVALID,    /* bad input: malformed identity, bad argument */
	MIG_CONFLICT,   /* duplicate, already exists, or still in use */
	MIG_EXHAUSTED,  /* pool empty, or no free random identity found */
	MIG_DENIED,     /* partner not allowed for that direction */
	MIG_BUSY,       /* database locked by another writer past the timeout */
	MIG_SCHEMA,     /* schema newer than this library, or not ours */
	MIG_CORRUPT,    /* not an SQLite database, or damaged */
	MIG_IO,         /* file cannot be opened/written, disk full, read-only */
	MIG_DB,         /* any other SQLite failure (a bug, most likely) */
	MIG_NOMEM,      /* out of memory */
	MIG_LIMIT       /* a configured limit reached (live bindings per partner) */
} mig_err_t;

/* Constant description of a code ("not found"); never NULL. */
const char *mig_strerror(int err);

/* ---- Handle ------------------------------------------------------------ */

typedef struct mig_store mig_store_t;

/* Clock hook: returns the current unix time.  Default: time(NULL). */
typedef int64_t (*mig_clock_fn)(void *arg);

#define MIG_BUSY_TIMEOUT_DEFAULT 5000     /* ms */
#define MIG_CACHE_KIB_DEFAULT 32768       /* page cache per handle, KiB */
#define MIG_CHECKPOINT_PAGES_DEFAULT 32768 /* 128 MiB of WAL */
#define MIG_ERRMSG_MAX 512                /* an error message, with its NUL */

struct mig_store_opts {
	int readonly;        /* 1: never create or upgrade; every change fails */
	int busy_timeout_ms; /* <= 0: MIG_BUSY_TIMEOUT_DEFAULT */
	int cache_kib;       /* <= 0: MIG_CACHE_KIB_DEFAULT */
	/* The commit that makes the WAL longer than this many pages copies it
	 * back into the database (a checkpoint: two fsyncs); <= 0: default.
	 * Larger means fewer, cheaper-per-page checkpoints (pages written many
	 * times are copied once) at the cost of WAL size. */
	int checkpoint_pages;
	/* > 0: read the first this many MiB of the file through a memory map
	 * (PRAGMA mmap_size; Debian's SQLite maps 2047 MiB at most), which
	 * spares a system call per page read that misses the page cache.
	 * Mapped pages count in the process's resident size (as file pages,
	 * which the kernel can drop).  <= 0: no map (default). */
	int mmap_mib;
};

/*
 * Open (and unless read-only, create or upgrade in one transaction) the
 * database at path; opts may be NULL.  *out is set even on failure (except
 * MIG_NOMEM, when it is NULL) so that mig_store_errmsg() can say why; always
 * mig_store_close() it.  Distinct failures: MIG_NOTFOUND (read-only and no
 * file), MIG_CORRUPT (not a database), MIG_SCHEMA (newer schema, a foreign
 * database, or an older one opened read-only), MIG_BUSY, MIG_IO.
 */
int mig_store_open(mig_store_t **out, const char *path, const struct mig_store_opts *opts);

/* Finalize statements and close.  NULL is accepted. */
void mig_store_close(mig_store_t *st);

/* Message of the last failure on this handle; "out of memory" for NULL. */
const char *mig_store_errmsg(const mig_store_t *st);

/* Schema version of the open database, and the newest this library knows. */
int mig_store_schema_version(const mig_store_t *st);
int mig_store_schema_known(void);

/* Full consistency check (PRAGMA quick_check): MIG_OK or MIG_CORRUPT. */
int mig_store_check(mig_store_t *st);

/*
 * The complete check (PRAGMA integrity_check): what mig_store_check does,
 * and also that every index agrees with its table (UNIQUE included).
 * Slower: for maintenance (migctl db check), not for start-up.  MIG_OK or
 * MIG_CORRUPT, the message giving the first problem; *problems (may be
 * NULL) is how many were found (at most 100 are looked for).
 */
int mig_store_check_full(mig_store_t *st, size_t *problems);

/*
 * Online backup of the open database (a read-only handle will do) to path
 * with SQLite's backup API: one consistent snapshot, taken while other
 * handles and processes go on writing (WAL: the copy never blocks them).
 * Written to "<path>.tmp" and renamed, so path is the old file or a
 * complete backup, never half of one; an existing path is replaced.
 * MIG_INVALID if path is the database itself, MIG_IO if it cannot be
 * written.
 */
int mig_store_backup(mig_store_t *st, const char *path);

/* Who the audit rows name (copied, truncated to 63 bytes); default "libmig". */
void mig_store_set_actor(mig_store_t *st, const char *actor);

/* Replace the clock (NULL restores time(NULL)); and read it. */
void mig_store_set_clock(mig_store_t *st, mig_clock_fn fn, void *arg);
int64_t mig_store_now(mig_store_t *st);

/*
 * Form of random migration identities: "<prefix><nchars base32>@<realm>".
 * prefix NULL = MIG_GEN_PREFIX_DEFAULT, nchars 0 = MIG_GEN_CHARS_DEFAULT.
 * Until a realm is set, random allocations fail with MIG_INVALID.
 */
int mig_store_set_generator(mig_store_t *st, const char *prefix, unsigned nchars,
                            const char *realm);

/*
 * Explicit transaction, for bulk work (e.g. many mig_pool_add calls): every
 * operation inside joins it (each still atomic on its own, via a savepoint)
 * and nothing is visible to others before mig_store_commit.  Takes the
 * write lock at once (BEGIN IMMEDIATE).  Not nestable.
 */
int mig_store_begin(mig_store_t *st);
int mig_store_commit(mig_store_t *st);
int mig_store_rollback(mig_store_t *st);

/* ---- Partners ---------------------------------------------------------- */

struct mig_partner {
	char realm[MIG_IDENT_MAX + 1];
	char sipdb[MIG_IDENT_MAX + 1]; /* their SIP database Diameter id, "" = unknown */
	int allow_in;                  /* their users may migrate to us */
	int allow_out;                 /* our users may migrate to them */
	int obfuscate;                 /* hide our identities (stored; the broker acts) */
	int64_t created;               /* output only */
};

/* Insert, or update every field but created.  MIG_INVALID on a bad realm/sipdb. */
int mig_partner_put(mig_store_t *st, const struct mig_partner *p);
int mig_partner_get(mig_store_t *st, const char *realm, struct mig_partner *out);

/* Calls cb for each partner by realm; a non-zero return stops the walk. */
typedef int (*mig_partner_cb)(void *arg, const struct mig_partner *p);
int mig_partner_list(mig_store_t *st, mig_partner_cb cb, void *arg);

/*
 * Remove a partner.  With live bindings, MIG_CONFLICT unless force, which
 * revokes them first (same transaction); *revoked (may be NULL) says how many.
 */
int mig_partner_remove(mig_store_t *st, const char *realm, int force, size_t *revoked);

/* ---- Identity pools ---------------------------------------------------- */

struct mig_pool_entry {
	const char *impi;
	const char *impu;
};

struct mig_pool_info {
	const char *name;
	int64_t created;
	uint64_t total;
	uint64_t free;
};

/* Create an empty pool (name: 1..64 of letters, digits, '-', '_', '.'). */
int mig_pool_create(mig_store_t *st, const char *name);

/*
 * Add n entries to a pool, all or nothing, in one transaction (or in the
 * caller's, see mig_store_begin).  An identity may be in one pool entry only:
 * MIG_CONFLICT names the duplicate.  On failure *bad (may be NULL) is the
 * index of the entry at fault.  Speed: about a million entries in seconds.
 */
int mig_pool_add(mig_store_t *st, const char *pool, const struct mig_pool_entry *entries,
                 size_t n, size_t *bad);

typedef int (*mig_pool_cb)(void *arg, const struct mig_pool_info *p);
int mig_pool_list(mig_store_t *st, mig_pool_cb cb, void *arg);
int mig_pool_get(mig_store_t *st, const char *name, uint64_t *total, uint64_t *free_);

/*
 * Remove a pool and its entries.  MIG_CONFLICT while an entry belongs to a
 * live binding, unless force: then those bindings are revoked (they keep
 * their identities, so lookups still say "revoked").  *revoked may be NULL.
 */
int mig_pool_remove(mig_store_t *st, const char *name, int force, size_t *revoked);

/* ---- Bindings ---------------------------------------------------------- */

enum mig_dir {
	MIG_DIR_ANY = 0, /* filters only */
	MIG_DIR_OUT = 1, /* our user, migrating to a partner */
	MIG_DIR_IN = 2   /* a visitor from a primary system */
};

enum mig_state {
	MIG_STATE_ANY = 0, /* filters only */
	MIG_STATE_ALLOCATED = 1,
	MIG_STATE_REGISTERED = 2,
	MIG_STATE_REVOKED = 3,
	MIG_STATE_EXPIRED = 4
};

/* Names as stored ("out", "in"; "allocated", ...) and back; parse gives
 * MIG_INVALID for an unknown name.  "any" parses to the 0 value. */
const char *mig_dir_name(enum mig_dir d);
const char *mig_state_name(enum mig_state s);
int mig_dir_parse(const char *s, enum mig_dir *out);
int mig_state_parse(const char *s, enum mig_state *out);

struct mig_binding {
	int64_t id;
	enum mig_dir dir;
	enum mig_state state;
	char mig_impi[MIG_IDENT_MAX + 1];   /* migration identities */
	char mig_impu[MIG_IDENT_MAX + 1];
	char home_impi[MIG_IDENT_MAX + 1];  /* the identities they stand for */
	char home_impu[MIG_IDENT_MAX + 1];
	char peer_realm[MIG_IDENT_MAX + 1]; /* partner (out) / primary (in) realm */
	char peer_sipdb[MIG_IDENT_MAX + 1]; /* in: primary SIP database id, or "" */
	char server[MIG_IDENT_MAX + 1];     /* S-CSCF Server-Name (SIP URI) or "" */
	char pool[MIG_IDENT_MAX + 1];       /* pool of the identities, or "" */
	int64_t pool_entry;                 /* its entry id, or 0 */
	int64_t created, expires, last_used, ended; /* 0: never / still live */
};

/* Live: allocated or registered, and not past its expiry at time now. */
int mig_binding_live(const struct mig_binding *b, int64_t now);

struct mig_alloc_req {
	enum mig_dir dir;
	const char *home_impi;  /* the identities the binding stands for */
	const char *home_impu;
	const char *peer_realm; /* partner realm (out) or primary realm (in) */
	const char *peer_sipdb; /* in only: primary SIP database id; NULL/"" = unknown */
	const char *pool;       /* take the next free entry; NULL = random identities */
	int64_t lifetime;       /* seconds; 0 = no expiry */
	int64_t max_live;       /* at most this many live bindings with peer_realm
	                           (both directions); 0 = no limit */
};

/*
 * Allocate a binding, atomically: the identities are reserved, the binding
 * and its audit row written in one BEGIN IMMEDIATE transaction.  Checks in
 * order: input well-formed (MIG_INVALID), partner configured (MIG_NOTFOUND),
 * partner allowed for the direction (allow_out / allow_in, else MIG_DENIED),
 * no live binding for (dir, home IMPI, peer realm) (MIG_CONFLICT, and *out is
 * that binding), pool exists (MIG_NOTFOUND) and has a free entry, or a free
 * random identity is found in a few tries (MIG_EXHAUSTED).  With max_live,
 * the partner's live bindings are counted inside the same transaction
 * (exact, whatever other handles or processes allocate meanwhile): at
 * max_live already, MIG_LIMIT.  The count stops at max_live, so that a
 * limit costs at most that many index entries per allocation.
 */
int mig_binding_allocate(mig_store_t *st, const struct mig_alloc_req *req,
                         struct mig_binding *out);

/* One allocation of a batch: the request, and what became of it. */
struct mig_alloc_item {
	struct mig_alloc_req req;     /* in: its strings live until the call returns */
	int rc;                       /* out: as mig_binding_allocate would return */
	struct mig_binding b;         /* out: with MIG_OK the new binding, with
	                               * MIG_CONFLICT the live one the user has */
	char errmsg[MIG_ERRMSG_MAX];  /* out: the item's error message, "" when MIG_OK */
};

/*
 * Allocate n bindings in one write transaction (group commit: one commit
 * for the batch instead of one per allocation).  Each item is atomic on
 * its own, exactly as mig_binding_allocate (a savepoint): an item that
 * fails (MIG_CONFLICT, MIG_DENIED, MIG_EXHAUSTED, ...) leaves nothing
 * behind and does not affect the others, and items see the ones before
 * them (a second request for the same user in one batch gets MIG_CONFLICT
 * and the binding the first made).  Returns MIG_OK when the transaction
 * committed: then every item with rc MIG_OK is stored.  Otherwise (the
 * write lock not had within the busy timeout, a failed commit, an I/O
 * error that undid the transaction) nothing of the batch is stored, every
 * item has that error as its rc, and it is returned.  Inside
 * mig_store_begin() the batch is a savepoint: nothing is committed before
 * the caller commits.
 */
int mig_binding_allocate_batch(mig_store_t *st, struct mig_alloc_item *items, size_t n);

/*
 * Lookups.  By migration identity: the live binding if there is one, else
 * the newest dead one (so "revoked" differs from "unknown"), else
 * MIG_NOTFOUND.  By home: the same rule for (dir, home IMPI, peer realm).
 */
int mig_binding_get(mig_store_t *st, int64_t id, struct mig_binding *out);
int mig_binding_by_mig_impi(mig_store_t *st, const char *impi, struct mig_binding *out);
int mig_binding_by_mig_impu(mig_store_t *st, const char *impu, struct mig_binding *out);
int mig_binding_by_home(mig_store_t *st, enum mig_dir dir, const char *home_impi,
                        const char *peer_realm, struct mig_binding *out);

/*
 * State changes.  register: allocated/registered -> registered at server
 * (audited when the state or server changes; always sets last_used);
 * unregister: registered -> allocated.  Both give MIG_CONFLICT for a binding
 * that is not live (revoked, expired, or past its expiry).  touch: sets
 * last_used only (not audited: usage, not a change).
 */
int mig_binding_register(mig_store_t *st, int64_t id, const char *server);
int mig_binding_unregister(mig_store_t *st, int64_t id);
int mig_binding_touch(mig_store_t *st, int64_t id);

/*
 * Revoke live bindings: one by id (MIG_NOTFOUND if no such id; *n = 0 if it
 * was not live), all of a home IMPI (any direction and peer), or all of a
 * peer realm.  reason (may be NULL) goes to the audit detail.  *n (may be
 * NULL) is the number revoked.
 */
int mig_binding_revoke(mig_store_t *st, int64_t id, const char *reason, size_t *n);
int mig_binding_revoke_user(mig_store_t *st, const char *home_impi, const char *reason,
                            size_t *n);
int mig_binding_revoke_partner(mig_store_t *st, const char *realm, const char *reason,
                               size_t *n);

/* Live bindings whose expiry is past (expires <= now) become expired. */
int mig_binding_expire(mig_store_t *st, size_t *n);

/* Delete revoked/expired bindings that ended before `before`; frees their
 * pool entries.  The audit log keeps a "purge" row for each. */
int mig_binding_purge(mig_store_t *st, int64_t before, size_t *n);

struct mig_filter {
	enum mig_dir dir;       /* MIG_DIR_ANY: all */
	enum mig_state state;   /* MIG_STATE_ANY: all */
	const char *peer_realm; /* NULL: all */
	const char *home_impi;  /* NULL: all */
	size_t limit;           /* 0: no limit */
	size_t offset;
};

/* Bindings matching f (NULL: all), by id; a non-zero cb return stops. */
typedef int (*mig_binding_cb)(void *arg, const struct mig_binding *b);
int mig_binding_list(mig_store_t *st, const struct mig_filter *f, mig_binding_cb cb,
                     void *arg);

/* Number of bindings per (peer realm, direction, state), for statistics. */
struct mig_stat {
	const char *peer_realm;
	enum mig_dir dir;
	enum mig_state state;
	uint64_t count;
};
typedef int (*mig_stat_cb)(void *arg, const struct mig_stat *s);
int mig_binding_stats(mig_store_t *st, mig_stat_cb cb, void *arg);

/* ---- Audit ------------------------------------------------------------- */

/* One audit row.  For mig_audit_add, id, ts and actor are ignored (the store
 * sets them) and NULL strings are stored as NULL (detail as ""). */
struct mig_audit {
	int64_t id;
	int64_t ts;
	const char *action; /* "allocate", "register", "revoke", ..., or the caller's */
	int64_t binding_id; /* 0: none */
	const char *realm;
	const char *mig_impi, *mig_impu;
	const char *home_impi, *home_impu;
	const char *actor;
	const char *detail;
};

/* Record an event that changed nothing, e.g. a MAR refused for a revoked
 * binding.  action: 1..32 bytes. */
int mig_audit_add(mig_store_t *st, const struct mig_audit *a);

/* Rows with id > after_id and ts >= since_ts, oldest first, at most limit
 * (0: all); a non-zero cb return stops.  Finding since_ts costs a binary
 * search (audit times never decrease: if the clock steps back, new rows
 * keep the last row's time). */
typedef int (*mig_audit_cb)(void *arg, const struct mig_audit *a);
int mig_audit_list(mig_store_t *st, int64_t after_id, int64_t since_ts, size_t limit,
                   mig_audit_cb cb, void *arg);

/* The newest n rows with ts >= since_ts (0: any), oldest first; n = 0 gives
 * none.  A walk of n rows whatever the size of the log. */
int mig_audit_last(mig_store_t *st, int64_t since_ts, size_t n, mig_audit_cb cb, void *arg);

/* Number of rows of that action with ts >= since_ts (0: all). */
int mig_audit_count(mig_store_t *st, const char *action, int64_t since_ts, uint64_t *n);

/* ---- Registrations and their termination (schema 3, mig_rtr.c) -------- */

/*
 * As mig_binding_register, and also remember host, the Diameter identity of
 * the node that registered the binding (the S-CSCF's Origin-Host at the
 * partner side, the partner's SIP database at the primary side): a
 * registration termination goes there.  host NULL or "" keeps the one
 * known.  MIG_INVALID for a malformed host.
 */
int mig_binding_register_host(mig_store_t *st, int64_t id, const char *server,
                              const char *host);

/* The host remembered for binding id into host (MIG_IDENT_MAX + 1 bytes),
 * "" when none; MIG_NOTFOUND for an unknown id. */
int mig_binding_host(mig_store_t *st, int64_t id, char *host);

/*
 * Registration terminations still to be sent.  A row is queued by the
 * store itself (a trigger) in the transaction that revokes or expires a
 * binding that was registered, whichever process does it; the broker sends
 * the Cx RTR and removes the row when it is answered or given up.
 */
struct mig_rtr {
	int64_t id;
	int64_t binding_id;
	char reason[16];                     /* "revoked" or "expired" */
	int64_t created;                     /* when the binding ended */
	int64_t attempts;                    /* RTRs sent so far */
	int64_t next_try;                    /* not before (unix seconds; 0: at once) */
	char last_error[MIG_IDENT_MAX + 1];  /* why the last attempt failed, or "" */
};
typedef int (*mig_rtr_cb)(void *arg, const struct mig_rtr *r);

/* Rows due at now (next_try <= now), soonest first, at most limit (0: all);
 * and every row, by id.  A non-zero cb return stops. */
int mig_rtr_due(mig_store_t *st, int64_t now, size_t limit, mig_rtr_cb cb, void *arg);
int mig_rtr_list(mig_store_t *st, mig_rtr_cb cb, void *arg);

/* An attempt starts: attempts + 1, not again before next_try.  And why the
 * last one failed.  MIG_NOTFOUND when the row is gone. */
int mig_rtr_attempt(mig_store_t *st, int64_t id, int64_t next_try);
int mig_rtr_failed(mig_store_t *st, int64_t id, const char *error);

/* Remove row id (answered, or given up), writing an audit row (action 1..32
 * bytes, e.g. "rtr" or "rtr-abandoned", with detail) in the same
 * transaction.  MIG_NOTFOUND when the row is gone. */
int mig_rtr_finish(mig_store_t *st, int64_t id, const char *action, const char *detail);

/* ---- Counters (schema 4, mig_counter.c) ------------------------------- */

/* Add delta to the running total name (1..32 bytes of [a-z0-9_.-]), made
 * at 0 on first use; not audited (usage, not a change).  And read one:
 * *value and *updated (may be NULL) are 0 for a total never added to. */
int mig_counter_add(mig_store_t *st, const char *name, int64_t delta);
int mig_counter_get(mig_store_t *st, const char *name, int64_t *value, int64_t *updated);

#endif /* MIG_STORE_H */
