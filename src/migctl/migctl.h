/*
 * migctl.h: what the files of migctl, the operator's administration CLI,
 * share (doc/migctl.1).
 *
 *   migctl [GLOBAL OPTIONS] NOUN VERB [OPTIONS] [ARGS]
 *
 * One file per noun (mctl_partner.c, mctl_pool.c, mctl_binding.c,
 * mctl_audit.c, mctl_stats.c, mctl_db.c); migctl.c holds main, the global
 * options and the dispatch; mctl_out.c the output (tables, JSON, messages)
 * and the one mapping of store errors to exit codes.  Every non-static
 * symbol starts with mctl_.
 */
#ifndef MIGCTL_H
#define MIGCTL_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "mig_config.h"
#include "mig_store.h"

/* Where migctl looks when no option says (doc/migctl.1, FILES). */
#ifndef MCTL_DEFAULT_CONFIG
#define MCTL_DEFAULT_CONFIG "/etc/freeDiameter/mig_sipdb.json"
#endif
#ifndef MCTL_DEFAULT_DB
#define MCTL_DEFAULT_DB "/var/lib/migbroker/migbroker.db"
#endif

/* Exit codes: one meaning each, documented in the man page and README. */
enum mctl_exit {
	MCTL_EXIT_OK = 0,
	MCTL_EXIT_ERROR = 1,    /* anything else (a bug, out of memory, bad config file) */
	MCTL_EXIT_USAGE = 2,    /* bad command line or malformed input */
	MCTL_EXIT_NOTFOUND = 3, /* no such partner, pool, binding */
	MCTL_EXIT_CONFLICT = 4, /* duplicate, in use, not allowed, pool exhausted */
	MCTL_EXIT_BUSY = 5,     /* database locked by another writer past --busy-timeout */
	MCTL_EXIT_DB = 6        /* database missing, unreadable, read-only, newer, corrupt */
};

/* A verb (or a noun without verbs): its name, its code, one synopsis line
 * and the full --help text. */
struct mctl_ctx;
typedef int (*mctl_fn)(struct mctl_ctx *ctx, int argc, char **argv);

struct mctl_cmd {
	const char *name;
	mctl_fn fn;
	const char *synopsis; /* "revoke ID | --user IMPI | --partner REALM [--reason TEXT]" */
	const char *help;     /* what it does, then its options */
};

/* What one run of migctl knows: global options, and what they opened. */
struct mctl_ctx {
	const char *db;           /* --db, or NULL: see mctl_db_path() */
	const char *config;       /* --config, or NULL: MCTL_DEFAULT_CONFIG if it exists */
	int json;                 /* --json */
	int busy_ms;              /* --busy-timeout, 0: the store's default */
	struct mig_config *cfg;   /* loaded by mctl_config(), freed at exit */
	mig_store_t *st;          /* opened by mctl_open(), closed at exit */
	const char *db_path;      /* the file mctl_open() opened */
	char path[64];            /* "binding revoke": for messages and --help */
	const struct mctl_cmd *cmd; /* the command being run */
};

/* ---- migctl.c: global options, configuration, store -------------------- */

/* A verb's command line: its options (NULL: none; the global ones and
 * --help are always accepted, anywhere), the function that takes each one
 * into job (non-zero: an exit code, the problem reported), and how many
 * positional arguments it wants. */
struct mctl_args {
	const struct option *opts;
	int (*opt)(void *job, int c, const char *arg);
	void *job;
	int min, max;
};

/* Parse argv as a says.  1: go on (arguments at argv[optind]); 0: stop and
 * exit with *code (0 after --help). */
int mctl_args(struct mctl_ctx *ctx, int argc, char **argv, const struct mctl_args *a,
              int *code);

/* Run one of cmds by argv[0] ("migctl NOUN --help" lists them). */
int mctl_dispatch(struct mctl_ctx *ctx, const char *noun, const struct mctl_cmd *cmds,
                  int argc, char **argv);

/*
 * The broker's configuration: --config, else MCTL_DEFAULT_CONFIG when that
 * file exists.  *out is NULL (and 0 returned) when there is none to read;
 * a file that is there but bad is an error (exit code returned).
 */
int mctl_config(struct mctl_ctx *ctx, const struct mig_config **out);

/* How a command uses the store: reading (a read-only handle, which never
 * creates or upgrades a file), changing an existing database, or changing
 * one that may not exist yet (partner add, pool import). */
enum mctl_mode { MCTL_READ, MCTL_WRITE, MCTL_CREATE };

/* The database path: --db, else the configuration's "database", else
 * MCTL_DEFAULT_DB; NULL after a configuration error (already reported). */
const char *mctl_db_path(struct mctl_ctx *ctx, int *exit_code);

/* Open the store into ctx->st; returns an exit code. */
int mctl_open(struct mctl_ctx *ctx, enum mctl_mode mode);

/*
 * Run fn inside one store transaction (mig_store_begin): all it changes is
 * committed together, or nothing when it returns non-zero (an exit code it
 * has reported).  Takes the write lock first, waiting up to --busy-timeout.
 */
typedef int (*mctl_tx_fn)(struct mctl_ctx *ctx, void *arg);
int mctl_tx(struct mctl_ctx *ctx, mctl_tx_fn fn, void *arg);

/* ---- mctl_out.c: messages, exit codes, tables and JSON ------------------ */

/* "migctl: ..." on stderr; the return value is the exit code given. */
int mctl_err(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A usage error (2): the message, then where to find help. */
int mctl_usage(struct mctl_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* "--impi 'bob': missing '@'" (2), the value quoted safely. */
int mctl_bad_value(const char *opt, const char *value, const char *why);

/* The exit code of a store error; the one place they are mapped.  opening:
 * the error came from opening the store, where MIG_NOTFOUND means the
 * database file itself. */
int mctl_exit_code(int mig_err, int opening);

/* Print the store's message for rc and return its exit code; rc MIG_OK is
 * returned as 0 without a message. */
int mctl_fail(struct mctl_ctx *ctx, int rc);

/* Column kinds: how a value is shown in a table (JSON keeps the type). */
enum mctl_kind {
	MCTL_TEXT,  /* "" and null show as "-" */
	MCTL_INT,   /* right-aligned */
	MCTL_BOOL,  /* yes / no */
	MCTL_TIME,  /* unix seconds; ISO 8601 UTC in tables, 0 shows as "-" */
	MCTL_EXPIRY /* like TIME, but 0 shows as "never" */
};

/* A column: JSON key, table header (NULL: JSON and record view only). */
struct mctl_col {
	const char *key;
	const char *header;
	enum mctl_kind kind;
};

/* Layouts for people: a table (one line a row), or records (one
 * "field: value" line each, for show).  --json gives an array of objects
 * either way. */
enum mctl_layout { MCTL_TABLE, MCTL_RECORD };

struct mctl_out;

/* Start an output of rows with those columns (terminated by a NULL key). */
struct mctl_out *mctl_out_new(const struct mctl_ctx *ctx, enum mctl_layout layout,
                              const struct mctl_col *cols);

/* A new row (a JSON object owned by the output): fill it with the setters
 * before asking for the next one.  mctl_out_add appends a row made
 * elsewhere (the output takes the reference). */
json_t *mctl_out_row(struct mctl_out *o);
void mctl_out_add(struct mctl_out *o, json_t *row);
void mctl_set_str(json_t *row, const char *key, const char *value); /* NULL: null */
void mctl_set_int(json_t *row, const char *key, int64_t value);
void mctl_set_bool(json_t *row, const char *key, int value);

/* The four identities of a binding or an audit row, under the names every
 * output uses: mig_impi, mig_impu, home_impi, home_impu. */
void mctl_set_idents(json_t *row, const char *mig_impi, const char *mig_impu,
                     const char *home_impi, const char *home_impu);

/* Print what is left (aligned table, records, or the JSON array), free the
 * output, and return an exit code (1 if stdout could not be written). */
int mctl_out_end(struct mctl_out *o);

/* Print one JSON value on a line of its own and flush (--json --follow,
 * stats); takes ownership of v. */
int mctl_json_line(json_t *v);

/* Column kinds' text form of a value, as the table shows it. */
void mctl_cell(char *buf, size_t size, enum mctl_kind kind, json_t *v);

/* ISO 8601 UTC ("2026-11-27T10:00:00Z") of unix time t. */
void mctl_iso_time(char *buf, size_t size, int64_t t);

/* ---- Parsing helpers (mctl_out.c) --------------------------------------- */

/* yes/no (also true/false, on/off, 1/0) into *out; usage error naming opt. */
int mctl_parse_bool(const char *opt, const char *value, int *out);

/* A decimal integer in [min, max], nothing else; usage error naming opt. */
int mctl_parse_int(const char *opt, const char *value, int64_t min, int64_t max,
                   int64_t *out);

/* A duration "30d", "12h", "90m", "3600s" (or "2w"; a bare number is
 * seconds) into seconds. */
int mctl_parse_duration(const char *opt, const char *value, int64_t *out);

/* A point in time: unix seconds, ISO 8601 ("2026-11-27T10:00:00Z", a date,
 * an offset "+01:00"), or a duration ago ("1h"), relative to now. */
int mctl_parse_time(const char *opt, const char *value, int64_t now, int64_t *out);

/* value passes checker (mig_ident_check_*), else a usage error naming opt. */
int mctl_check_ident(const char *opt, const char *value, const char *(*checker)(const char *));

/* ---- Nouns -------------------------------------------------------------- */

int mctl_partner(struct mctl_ctx *ctx, int argc, char **argv);
int mctl_pool(struct mctl_ctx *ctx, int argc, char **argv);
int mctl_binding(struct mctl_ctx *ctx, int argc, char **argv);
int mctl_audit(struct mctl_ctx *ctx, int argc, char **argv);
int mctl_stats(struct mctl_ctx *ctx, int argc, char **argv);
int mctl_db(struct mctl_ctx *ctx, int argc, char **argv);

/* What a change revoked, read back from the "revoke" audit rows it wrote
 * in the same transaction (mctl_audit.c): take a mark before the change,
 * collect the rows after it into a JSON array, print them once the
 * transaction has committed (" revoked 2 binding(s):" and a table, or the
 * JSON array). */
int mctl_audit_mark(struct mctl_ctx *ctx, int64_t *mark);
int mctl_audit_revoked(struct mctl_ctx *ctx, int64_t mark, json_t *rows);
int mctl_revoked_print(struct mctl_ctx *ctx, json_t *rows);

/* "partner remove" and "pool remove": NAME [--force], one transaction that
 * removes (mig_partner_remove, mig_pool_remove) and says what it revoked. */
typedef int (*mctl_remove_fn)(mig_store_t *st, const char *name, int force, size_t *revoked);
int mctl_remove(struct mctl_ctx *ctx, int argc, char **argv, const char *what,
                mctl_remove_fn remove);

/* Shared between nouns: the columns and the row of a binding
 * (mctl_binding.c), used by binding list/show/allocate/revoke. */
extern const struct mctl_col mctl_binding_cols[];
void mctl_binding_row(struct mctl_ctx *ctx, json_t *row, const struct mig_binding *b);

/* The same for a pool (mctl_pool.c), used by pool list/show and stats. */
extern const struct mctl_col mctl_pool_cols[];
void mctl_pool_row(json_t *row, const struct mig_pool_info *p);

#endif /* MIGCTL_H */
