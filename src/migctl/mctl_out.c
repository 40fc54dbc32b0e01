/*
 * mctl_out.c: what every migctl command shares for talking to people and
 * scripts: messages on stderr, the exit code of each store error, tables,
 * records and JSON on stdout, and the parsing of option values (so that
 * every message names the option at fault).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "migctl.h"

/* ---- Messages and exit codes -------------------------------------------- */

/* Printable ASCII only, at most 64 bytes: an identity read from a file or
 * the database cannot send escape sequences to the operator's terminal. */
static void mctl_quote(char *dst, size_t size, const char *value)
{
	size_t i;

	for (i = 0; value[i] && i + 4 < size; i++)
		dst[i] = (value[i] >= 0x20 && value[i] < 0x7f) ? value[i] : '?';
	snprintf(dst + i, size - i, "%s", value[i] ? "..." : "");
}

static void mctl_verr(const char *fmt, va_list ap)
{
	fputs("migctl: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int mctl_err(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mctl_verr(fmt, ap);
	va_end(ap);
	return code;
}

/* A NULL fmt means the problem was reported already: only the hint. */
int mctl_usage(struct mctl_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		mctl_verr(fmt, ap);
		va_end(ap);
	}
	fprintf(stderr, "Try 'migctl %s%s--help'.\n", ctx->path, ctx->path[0] ? " " : "");
	return MCTL_EXIT_USAGE;
}

int mctl_bad_value(const char *opt, const char *value, const char *why)
{
	char q[68];

	mctl_quote(q, sizeof q, value);
	return mctl_err(MCTL_EXIT_USAGE, "%s '%s': %s", opt, q, why);
}

/*
 * The one table from store errors to exit codes.  Exhausted pools and
 * partners that forbid a direction are conflicts with what the store
 * holds; anything the database itself gets wrong is 6, except a lock (5).
 */
int mctl_exit_code(int mig_err, int opening)
{
	static const unsigned char codes[] = {
		[MIG_OK] = MCTL_EXIT_OK,
		[MIG_NOTFOUND] = MCTL_EXIT_NOTFOUND,
		[MIG_INVALID] = MCTL_EXIT_USAGE,
		[MIG_CONFLICT] = MCTL_EXIT_CONFLICT,
		[MIG_EXHAUSTED] = MCTL_EXIT_CONFLICT,
		[MIG_DENIED] = MCTL_EXIT_CONFLICT,
		[MIG_BUSY] = MCTL_EXIT_BUSY,
		[MIG_SCHEMA] = MCTL_EXIT_DB,
		[MIG_CORRUPT] = MCTL_EXIT_DB,
		[MIG_IO] = MCTL_EXIT_DB,
		[MIG_DB] = MCTL_EXIT_ERROR,
		[MIG_NOMEM] = MCTL_EXIT_ERROR,
		[MIG_LIMIT] = MCTL_EXIT_CONFLICT,
	};

	if (opening && mig_err == MIG_NOTFOUND) /* the database file is missing */
		return MCTL_EXIT_DB;
	if (mig_err < 0 || (size_t)mig_err >= sizeof codes)
		return MCTL_EXIT_ERROR;
	return codes[mig_err];
}

int mctl_fail(struct mctl_ctx *ctx, int rc)
{
	int code = mctl_exit_code(rc, 0);

	if (rc == MIG_OK)
		return MCTL_EXIT_OK;
	if (code == MCTL_EXIT_BUSY)
		return mctl_err(code, "database '%s' is locked by another writer: gave up after "
		                "%d ms (--busy-timeout)", ctx->db_path, ctx->busy_ms ? ctx->busy_ms
		                : MIG_BUSY_TIMEOUT_DEFAULT);
	if (code == MCTL_EXIT_DB)
		return mctl_err(code, "%s (database '%s')", mig_store_errmsg(ctx->st), ctx->db_path);
	return mctl_err(code, "%s", mig_store_errmsg(ctx->st));
}

/* ---- Rows: tables, records, JSON ----------------------------------------- */

/*
 * Rows are buffered, so that a table can be aligned, up to MCTL_OUT_BATCH;
 * past that they are printed as they come (the widths of the first batch
 * stay), so that listing millions of bindings takes bounded memory.
 */
#define MCTL_OUT_BATCH 1000
#define MCTL_OUT_COLS 32

struct mctl_out {
	const struct mctl_col *cols;
	enum mctl_layout layout;
	int json;
	json_t *rows;               /* buffered rows (objects), in order */
	size_t printed;             /* rows printed so far */
	size_t w[MCTL_OUT_COLS];    /* table widths, fixed at the first flush */
};

struct mctl_out *mctl_out_new(const struct mctl_ctx *ctx, enum mctl_layout layout,
                              const struct mctl_col *cols)
{
	struct mctl_out *o = calloc(1, sizeof *o);

	if (o == NULL || (o->rows = json_array()) == NULL) {
		fputs("migctl: out of memory\n", stderr);
		exit(MCTL_EXIT_ERROR);
	}
	o->cols = cols;
	o->layout = layout;
	o->json = ctx->json;
	return o;
}

static void mctl_out_flush(struct mctl_out *o);

void mctl_out_add(struct mctl_out *o, json_t *row)
{
	if (json_array_size(o->rows) >= MCTL_OUT_BATCH)
		mctl_out_flush(o);
	json_array_append_new(o->rows, row);
}

json_t *mctl_out_row(struct mctl_out *o)
{
	json_t *row = json_object();

	mctl_out_add(o, row);
	return row;
}

void mctl_set_str(json_t *row, const char *key, const char *value)
{
	json_object_set_new(row, key, value ? json_string(value) : json_null());
}

void mctl_set_int(json_t *row, const char *key, int64_t value)
{
	json_object_set_new(row, key, json_integer(value));
}

void mctl_set_bool(json_t *row, const char *key, int value)
{
	json_object_set_new(row, key, json_boolean(value));
}

void mctl_set_idents(json_t *row, const char *mig_impi, const char *mig_impu,
                     const char *home_impi, const char *home_impu)
{
	mctl_set_str(row, "mig_impi", mig_impi);
	mctl_set_str(row, "mig_impu", mig_impu);
	mctl_set_str(row, "home_impi", home_impi);
	mctl_set_str(row, "home_impu", home_impu);
}

void mctl_iso_time(char *buf, size_t size, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, size, "%lld", (long long)t);
}

/* Tables show missing values as "-"; strings are quoted as in messages. */
void mctl_cell(char *buf, size_t size, enum mctl_kind kind, json_t *v)
{
	int64_t n = json_integer_value(v);

	if (v == NULL || json_is_null(v) || (json_is_string(v) && !*json_string_value(v)))
		snprintf(buf, size, "-");
	else if (json_is_string(v))
		mctl_quote(buf, size, json_string_value(v));
	else if (kind == MCTL_BOOL)
		snprintf(buf, size, "%s", json_is_true(v) ? "yes" : "no");
	else if ((kind == MCTL_TIME || kind == MCTL_EXPIRY) && n == 0)
		snprintf(buf, size, "%s", kind == MCTL_EXPIRY ? "never" : "-");
	else if (kind == MCTL_TIME || kind == MCTL_EXPIRY)
		mctl_iso_time(buf, size, n);
	else
		snprintf(buf, size, "%lld", (long long)n);
}

#define MCTL_CELL_MAX 300

/* Widths of the table's columns (0 for columns not in tables). */
static void mctl_widths(struct mctl_out *o)
{
	char cell[MCTL_CELL_MAX];
	size_t i, c;
	json_t *row;

	for (c = 0; c < MCTL_OUT_COLS && o->cols[c].key; c++)
		o->w[c] = o->cols[c].header ? strlen(o->cols[c].header) : 0;
	json_array_foreach(o->rows, i, row) {
		for (c = 0; c < MCTL_OUT_COLS && o->cols[c].key; c++) {
			if (!o->cols[c].header)
				continue;
			mctl_cell(cell, sizeof cell, o->cols[c].kind,
			          json_object_get(row, o->cols[c].key));
			if (strlen(cell) > o->w[c])
				o->w[c] = strlen(cell);
		}
	}
}

/* One table line: headers (row NULL) or a row; numbers right-aligned, the
 * last column unpadded. */
static void mctl_table_line(const struct mctl_out *o, json_t *row)
{
	char cell[MCTL_CELL_MAX];
	const char *sep = "";
	size_t c, last = 0;

	for (c = 0; c < MCTL_OUT_COLS && o->cols[c].key; c++)
		if (o->cols[c].header)
			last = c;
	for (c = 0; c < MCTL_OUT_COLS && o->cols[c].key; c++) {
		const struct mctl_col *col = &o->cols[c];

		if (!col->header)
			continue;
		if (row)
			mctl_cell(cell, sizeof cell, col->kind, json_object_get(row, col->key));
		else
			snprintf(cell, sizeof cell, "%s", col->header);
		if (col->kind == MCTL_INT && row)
			printf("%s%*s", sep, (int)o->w[c], cell);
		else
			printf("%s%-*s", sep, c == last ? 0 : (int)o->w[c], cell);
		sep = "  ";
	}
	putchar('\n');
}

/* A record: "key  value" lines; a blank line before every record but the
 * first. */
static void mctl_record(const struct mctl_out *o, json_t *row, int first)
{
	char cell[MCTL_CELL_MAX];
	size_t c, w = 0;

	for (c = 0; o->cols[c].key; c++)
		if (strlen(o->cols[c].key) > w)
			w = strlen(o->cols[c].key);
	if (!first)
		putchar('\n');
	for (c = 0; o->cols[c].key; c++) {
		mctl_cell(cell, sizeof cell, o->cols[c].kind, json_object_get(row, o->cols[c].key));
		printf("%-*s  %s\n", (int)w, o->cols[c].key, cell);
	}
}

/* Print the buffered rows in the output's form and empty the buffer.  JSON
 * is one array, an object a line, opened by the first row printed. */
static void mctl_out_flush(struct mctl_out *o)
{
	size_t i;
	json_t *row;

	if (!o->json && o->layout == MCTL_TABLE && o->printed == 0 &&
	    json_array_size(o->rows) > 0) {
		mctl_widths(o);
		mctl_table_line(o, NULL);
	}
	json_array_foreach(o->rows, i, row) {
		if (o->json) {
			fputs(o->printed ? ",\n" : "[\n", stdout);
			json_dumpf(row, stdout, JSON_COMPACT);
		} else if (o->layout == MCTL_TABLE) {
			mctl_table_line(o, row);
		} else {
			mctl_record(o, row, o->printed == 0);
		}
		o->printed++;
	}
	json_array_clear(o->rows);
}

int mctl_out_end(struct mctl_out *o)
{
	mctl_out_flush(o);
	if (o->json)
		fputs(o->printed ? "\n]\n" : "[]\n", stdout);
	json_decref(o->rows);
	free(o);
	if (fflush(stdout) != 0 || ferror(stdout))
		return mctl_err(MCTL_EXIT_ERROR, "standard output: %s", strerror(errno));
	return MCTL_EXIT_OK;
}

int mctl_json_line(json_t *v)
{
	int rc = json_dumpf(v, stdout, JSON_COMPACT) || putchar('\n') == EOF;

	json_decref(v);
	if (rc || fflush(stdout) != 0)
		return mctl_err(MCTL_EXIT_ERROR, "standard output: %s", strerror(errno));
	return MCTL_EXIT_OK;
}

/* ---- Option values -------------------------------------------------------- */

int mctl_parse_bool(const char *opt, const char *value, int *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		if (strcmp(value, yes[i]) == 0 || strcmp(value, no[i]) == 0) {
			*out = strcmp(value, yes[i]) == 0;
			return 0;
		}
	}
	return mctl_bad_value(opt, value, "must be yes or no");
}

/* Digits only (and a '-' when negative values are allowed): no spaces, no
 * "+", no "0x", nothing after the number. */
int mctl_parse_int(const char *opt, const char *value, int64_t min, int64_t max,
                   int64_t *out)
{
	char why[96];
	const char *p = value + (value[0] == '-' && min < 0);
	char *end;
	long long v;

	errno = 0;
	v = strtoll(value, &end, 10);
	if (*p < '0' || *p > '9' || *end != '\0' || errno == ERANGE)
		return mctl_bad_value(opt, value, "not a number");
	if (v < min || v > max) {
		snprintf(why, sizeof why, "must be %lld to %lld", (long long)min, (long long)max);
		return mctl_bad_value(opt, value, why);
	}
	*out = v;
	return 0;
}

/* Seconds of a unit letter, 0 if it is none. */
static int64_t mctl_unit(char u)
{
	switch (u) {
	case 's': return 1;
	case 'm': return 60;
	case 'h': return 3600;
	case 'd': return 86400;
	case 'w': return 7 * 86400;
	default: return 0;
	}
}

int mctl_parse_duration(const char *opt, const char *value, int64_t *out)
{
	static const char why[] = "not a duration (e.g. 30d, 12h, 90m, 3600s)";
	size_t n = strlen(value);
	int64_t unit = n ? mctl_unit(value[n - 1]) : 0;
	char num[32];
	char *end;
	long long v;

	if (n == 0 || n >= sizeof num)
		return mctl_bad_value(opt, value, why);
	snprintf(num, sizeof num, "%.*s", (int)(unit ? n - 1 : n), value);
	errno = 0;
	v = strtoll(num, &end, 10);
	if (num[0] < '0' || num[0] > '9' || *end != '\0' || errno == ERANGE ||
	    v > INT64_MAX / (unit ? unit : 1) / 2)
		return mctl_bad_value(opt, value, why);
	*out = v * (unit ? unit : 1);
	return 0;
}

/* "+01:00" / "-0530" after an ISO time, into seconds east of UTC; -1 if
 * malformed. */
static int mctl_parse_offset(const char *p, long *off)
{
	int h, m, n = 0;

	if (sscanf(p + 1, "%2d:%2d%n", &h, &m, &n) != 2 || p[n + 1] != '\0')
		if (sscanf(p + 1, "%2d%2d%n", &h, &m, &n) != 2 || p[n + 1] != '\0')
			return -1;
	if (h > 23 || m > 59)
		return -1;
	*off = (p[0] == '-' ? -1 : 1) * (h * 3600L + m * 60L);
	return 0;
}

/* ISO 8601: a date, optionally "T" and a time (seconds optional), then
 * "Z", an offset, or nothing (UTC). */
static int mctl_parse_iso(const char *s, int64_t *out)
{
	struct tm tm;
	const char *p, *q;
	long off = 0;

	memset(&tm, 0, sizeof tm);
	p = strptime(s, "%Y-%m-%d", &tm);
	if (p == NULL)
		return -1;
	if (*p == 'T' || *p == ' ') {
		q = strptime(p + 1, "%H:%M:%S", &tm);
		p = q ? q : strptime(p + 1, "%H:%M", &tm);
		if (p == NULL)
			return -1;
	}
	if (*p == 'Z')
		p++;
	else if ((*p == '+' || *p == '-') && mctl_parse_offset(p, &off) == 0)
		p += strlen(p);
	if (*p != '\0')
		return -1;
	*out = (int64_t)timegm(&tm) - off;
	return 0;
}

int mctl_parse_time(const char *opt, const char *value, int64_t now, int64_t *out)
{
	int64_t ago;
	size_t n = strlen(value);

	if (n && strspn(value, "0123456789") == n)
		return mctl_parse_int(opt, value, 0, INT64_MAX / 2, out);
	if (n >= 10 && value[4] == '-') {
		if (mctl_parse_iso(value, out) == 0)
			return 0;
		return mctl_bad_value(opt, value, "not an ISO 8601 time (e.g. 2026-11-27T10:00:00Z)");
	}
	if (n && mctl_unit(value[n - 1])) {
		if (mctl_parse_duration(opt, value, &ago) != 0)
			return MCTL_EXIT_USAGE;
		*out = now - ago;
		return 0;
	}
	return mctl_bad_value(opt, value, "not a time: unix seconds, ISO 8601 "
	                      "(2026-11-27T10:00:00Z) or a duration ago (1h)");
}

int mctl_check_ident(const char *opt, const char *value, const char *(*checker)(const char *))
{
	const char *why = checker(value);

	return why ? mctl_bad_value(opt, value, why) : 0;
}
