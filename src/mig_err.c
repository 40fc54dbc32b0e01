/*
 * mig_err.c: error codes, their descriptions, and the per-handle message
 * that says what exactly went wrong.
 */
#include <stdio.h>
#include <string.h>

#include "mig_int.h"

/* One description per code, in enum order; mig_strerror() bounds-checks. */
static const char *const mig_err_text[] = {
	[MIG_OK] = "success",
	[MIG_NOTFOUND] = "not found",
	[MIG_INVALID] = "invalid input",
	[MIG_CONFLICT] = "conflict with existing data",
	[MIG_EXHAUSTED] = "no identity left",
	[MIG_DENIED] = "not allowed for this partner",
	[MIG_BUSY] = "database busy",
	[MIG_SCHEMA] = "unsupported database schema",
	[MIG_CORRUPT] = "database corrupt or not a database",
	[MIG_IO] = "I/O error",
	[MIG_DB] = "database error",
	[MIG_NOMEM] = "out of memory",
	[MIG_LIMIT] = "limit reached",
};

/*
 * Describe a code.  Unknown values get a fixed text rather than NULL so
 * that a caller can always print the result.
 */
const char *mig_strerror(int err)
{
	if (err < 0 || (size_t)err >= sizeof mig_err_text / sizeof mig_err_text[0])
		return "unknown error";
	return mig_err_text[err];
}

/*
 * The message of the last failure.  A NULL handle only comes from an open
 * that could not allocate one, hence the fixed text.
 */
const char *mig_store_errmsg(const mig_store_t *st)
{
	if (st == NULL)
		return "out of memory";
	return st->errmsg[0] ? st->errmsg : mig_strerror(st->err);
}

/*
 * Record code and message on the handle and return the code, so that
 * callers can write `return mig_seterr(...)'.
 */
int mig_seterr(mig_store_t *st, int code, const char *fmt, ...)
{
	va_list ap;

	st->err = code;
	va_start(ap, fmt);
	vsnprintf(st->errmsg, sizeof st->errmsg, fmt, ap);
	va_end(ap);
	return code;
}

/*
 * Copy value for a message: at most 64 bytes, anything but printable ASCII
 * replaced by '?', so that a hostile identity cannot forge log lines.
 */
static void mig_quote(char *dst, size_t size, const char *value)
{
	size_t i, max = size - 4;

	for (i = 0; i < max && value[i]; i++)
		dst[i] = (value[i] >= 0x20 && value[i] < 0x7f) ? value[i] : '?';
	dst[i] = '\0';
	if (value[i])
		strcpy(dst + i, "...");
}

/* "<what> '<value>': <why>", the value quoted; "<what>: missing" for NULL. */
int mig_seterr_about(mig_store_t *st, int code, const char *what, const char *value,
                     const char *why)
{
	char q[68];

	if (value == NULL)
		return mig_seterr(st, code, "%s: missing", what);
	mig_quote(q, sizeof q, value);
	return mig_seterr(st, code, "%s '%s': %s", what, q, why);
}

int mig_badarg(mig_store_t *st, const char *what, const char *value, const char *why)
{
	return mig_seterr_about(st, MIG_INVALID, what, value, why);
}

/*
 * SQLite's extended codes refine the primary ones (low byte); one mig code
 * per primary code.  Constraint failures reach here only when no earlier
 * check could see them coming (e.g. a pool duplicate), hence CONFLICT.
 */
int mig_err_from_sqlite(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return MIG_OK;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return MIG_BUSY;
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
		return MIG_CORRUPT;
	case SQLITE_NOMEM:
		return MIG_NOMEM;
	case SQLITE_CONSTRAINT:
		return MIG_CONFLICT;
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN:
	case SQLITE_FULL:
	case SQLITE_READONLY:
	case SQLITE_PERM:
		return MIG_IO;
	default:
		return MIG_DB;
	}
}

/* A failed SQLite call: map rc and keep SQLite's own message after what. */
int mig_dberr(mig_store_t *st, int rc, const char *what)
{
	const char *msg = st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc);

	if ((rc & 0xff) == SQLITE_BUSY)
		return mig_seterr(st, MIG_BUSY, "%s: database locked by another writer", what);
	return mig_seterr(st, mig_err_from_sqlite(rc), "%s: %s", what, msg);
}

/*
 * Validate one input with checker.  Optional inputs may be NULL or empty;
 * anything else must pass, and the message names the input.
 */
int mig_check(mig_store_t *st, const char *(*checker)(const char *), const char *what,
              const char *value, int optional)
{
	const char *why;

	if (optional && (value == NULL || *value == '\0'))
		return MIG_OK;
	why = checker(value);
	return why ? mig_badarg(st, what, value, why) : MIG_OK;
}
