/*
 * bench_store.c: speed of the binding store (doc/PERFORMANCE.md).
 *
 *   bench_store [-s SIZES] [-r RUNS] [-l LOOKUPS] [-a ALLOCS] [-p POOL] [-d DIR]
 *               [-m MMAP_MIB]
 *
 * For each database size (default 10000,1000000,10000000 bindings):
 *   1. fill a fresh store in DIR (default $TMPDIR or /tmp) with bulk inserts
 *      in large transactions, through the store's own schema and indexes;
 *   2. open it as the broker does (default options) and time LOOKUPS random
 *      lookups by migration IMPI, one by one, RUNS times: median, p99 and
 *      p99.9 of each run, and the median of those over the runs; also
 *      lookups of unknown identities (the broker's "not ours" path);
 *      with -m MIB, the same lookups alternately through a second handle
 *      with a memory map of MIB MiB (mig_store_opts.mmap_mib);
 *   3. time ALLOCS allocations, each its own transaction, RUNS times:
 *      wall-clock rate, and CPU time per allocation (user + system: less
 *      sensitive to other load on the machine); likewise ten per
 *      transaction, and 64 per mig_binding_allocate_batch (group commit).
 * and measure the memory of a fresh process doing lookups (a broker must
 * stay small however many bindings there are).
 * Then once: import a pool of POOL entries (default 1000000).
 * Everything lives in a temporary directory that is removed at the end.
 *
 * The bulk fill inserts keys in sorted order so that ten million rows take
 * seconds, not an hour: leaves end up fuller than after random inserts
 * (fewer pages), but the depth of the trees, which is what a lookup pays
 * for, is the same.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <sqlite3.h>

#include "mig_store.h"

#define KEYLEN 16                /* base32 characters of a bench identity */
#define PEER "partner.example"
#define REALM "mig.bench.example"
#define MAX_SIZES 8

struct opts {
	long sizes[MAX_SIZES];
	int nsizes, runs;
	long lookups, allocs, pool;
	const char *dir;
};

static void die(const char *what, const char *msg)
{
	fprintf(stderr, "bench_store: %s: %s\n", what, msg);
	exit(1);
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static long long now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* A line of /proc/self/status in KiB, e.g. "VmRSS", "VmHWM"; -1 if absent. */
static long status_kib(const char *field)
{
	char line[128];
	long kib = -1;
	size_t n = strlen(field);
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof line, f))
		if (strncmp(line, field, n) == 0 && line[n] == ':') {
			kib = atol(line + n + 1);
			break;
		}
	if (f)
		fclose(f);
	return kib;
}

static off_t file_size(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 ? sb.st_size : 0;
}

/* n random base32 keys of KEYLEN characters, back to back (no NUL). */
static char *random_keys(long n)
{
	static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";
	char *k = malloc((size_t)n * KEYLEN);
	long i;

	if (k == NULL)
		die("keys", strerror(ENOMEM));
	if (gnutls_rnd(GNUTLS_RND_NONCE, k, (size_t)n * KEYLEN) < 0)
		die("keys", "gnutls_rnd failed");
	for (i = 0; i < n * KEYLEN; i++)
		k[i] = b32[(unsigned char)k[i] & 31];
	return k;
}

static int key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, KEYLEN);
}

/* Format the identities of key k. */
static void key_impi(char *buf, size_t size, const char *k)
{
	snprintf(buf, size, "mig-%.*s@" REALM, KEYLEN, k);
}

static void exec_or_die(sqlite3 *db, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		die(sql, err ? err : "?");
}

/* Insert binding i of key k with the prepared INSERT s. */
static void fill_one(sqlite3_stmt *s, const char *k, long i)
{
	char impi[64], impu[80], home[64], homeu[80];

	key_impi(impi, sizeof impi, k);
	snprintf(impu, sizeof impu, "sip:%s", impi);
	snprintf(home, sizeof home, "u-%.*s@home.example", KEYLEN, k);
	snprintf(homeu, sizeof homeu, "sip:%s", home);
	sqlite3_bind_text(s, 1, (i & 1) ? "in" : "out", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, impi, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, impu, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, home, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, homeu, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 6, i + 1);
	if (sqlite3_step(s) != SQLITE_DONE)
		die("fill", sqlite3_errmsg(sqlite3_db_handle(s)));
	sqlite3_reset(s);
}

/*
 * Bulk fill: sorted keys, one transaction per million rows, directly into
 * the tables (no audit rows: they play no part in lookups).  Keeps every
 * (n / nsample)-th key as the lookup sample.
 */
static void fill(const char *path, long n, char *sample, long nsample)
{
	char *keys = random_keys(n);
	sqlite3 *db;
	sqlite3_stmt *s;
	long i, step = n / nsample > 0 ? n / nsample : 1;

	qsort(keys, (size_t)n, KEYLEN, key_cmp);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		die(path, sqlite3_errmsg(db));
	exec_or_die(db, "PRAGMA cache_size = -262144; PRAGMA synchronous = OFF;");
	/* Ids given, so that the fill also works on layouts without a rowid
	 * (doc/PERFORMANCE.md: the clustered layout that was tried). */
	if (sqlite3_prepare_v2(db, "INSERT INTO bindings (id, direction, mig_impi, mig_impu, "
	                       "home_impi, home_impu, peer_realm, created) VALUES "
	                       "(?6, ?1, ?2, ?3, ?4, ?5, '" PEER "', 1700000000)", -1, &s,
	                       NULL) != SQLITE_OK)
		die("prepare", sqlite3_errmsg(db));
	exec_or_die(db, "BEGIN");
	for (i = 0; i < n; i++) {
		fill_one(s, keys + i * KEYLEN, i);
		if (i % step == 0 && i / step < nsample)
			memcpy(sample + (i / step) * KEYLEN, keys + i * KEYLEN, KEYLEN);
		if (i % 1000000 == 999999)
			exec_or_die(db, "COMMIT; BEGIN");
	}
	exec_or_die(db, "COMMIT");
	exec_or_die(db, "PRAGMA wal_checkpoint(TRUNCATE)");
	sqlite3_finalize(s);
	sqlite3_close(db);
	free(keys);
}

/* CPU time (user + system) of the whole process, in seconds. */
static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* -m: lookups are also measured with a memory map of this many MiB. */
static int bench_mmap_mib;

/* Open path as the broker does (default options; mmap_mib > 0: with a
 * memory map of that size). */
static mig_store_t *open_store_map(const char *path, int mmap_mib)
{
	struct mig_store_opts so = { .mmap_mib = mmap_mib };
	mig_store_t *st;
	int rc = mig_store_open(&st, path, &so);

	if (rc != MIG_OK)
		die(path, mig_store_errmsg(st));
	if (mig_store_set_generator(st, NULL, 0, REALM) != MIG_OK)
		die("generator", mig_store_errmsg(st));
	return st;
}

static mig_store_t *open_store(const char *path)
{
	return open_store_map(path, 0);
}

/* A fresh store at path with its partner. */
static void create_store(const char *path)
{
	struct mig_partner p = { .realm = PEER, .allow_in = 1, .allow_out = 1 };
	mig_store_t *st = open_store(path);

	if (mig_partner_put(st, &p) != MIG_OK)
		die("partner", mig_store_errmsg(st));
	mig_store_close(st);
}

static int ll_cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

/* Percentile p (0..1) of sorted t[n], in microseconds. */
static double pct_us(const long long *t, long n, double p)
{
	long i = (long)(p * (double)(n - 1) + 0.5);

	return t[i] / 1000.0;
}

struct lat {
	double p50, p99, p999;
};

/* Shuffle n keys (Fisher-Yates with gnutls randomness). */
static void shuffle(char *keys, long n)
{
	char tmp[KEYLEN];
	unsigned int r;
	long i, j;

	for (i = n - 1; i > 0; i--) {
		gnutls_rnd(GNUTLS_RND_NONCE, &r, sizeof r);
		j = (long)(r % (unsigned long)(i + 1));
		memcpy(tmp, keys + i * KEYLEN, KEYLEN);
		memcpy(keys + i * KEYLEN, keys + j * KEYLEN, KEYLEN);
		memcpy(keys + j * KEYLEN, tmp, KEYLEN);
	}
}

/* One run: look every key up once, in a new random order; want is the
 * expected result (MIG_OK for present keys, MIG_NOTFOUND for absent). */
static struct lat lookup_run(mig_store_t *st, char *keys, long n, int want)
{
	long long *t = malloc((size_t)n * sizeof *t), t0;
	struct mig_binding b;
	struct lat l;
	char impi[64];
	long i;

	shuffle(keys, n);
	for (i = 0; i < n; i++) {
		key_impi(impi, sizeof impi, keys + i * KEYLEN);
		t0 = now_ns();
		if (mig_binding_by_mig_impi(st, impi, &b) != want)
			die(impi, mig_store_errmsg(st));
		t[i] = now_ns() - t0;
	}
	qsort(t, (size_t)n, sizeof *t, ll_cmp);
	l = (struct lat){ pct_us(t, n, 0.5), pct_us(t, n, 0.99), pct_us(t, n, 0.999) };
	free(t);
	return l;
}

struct rate {
	double per_s;   /* allocations per wall-clock second */
	double cpu_us;  /* CPU microseconds per allocation */
};

/* One run of a allocations; batch > 1 groups that many per transaction
 * (mig_store_begin/commit, each allocation in its own savepoint). */
static struct rate alloc_run(mig_store_t *st, long a, int batch, const char *tag)
{
	struct mig_alloc_req r = { .dir = MIG_DIR_OUT, .peer_realm = PEER };
	struct mig_binding b;
	char impi[128], impu[140];
	double t0 = now_s(), c0 = cpu_s();
	long i;

	r.home_impi = impi;
	r.home_impu = impu;
	for (i = 0; i < a; i++) {
		snprintf(impi, sizeof impi, "%s-%ld@home.example", tag, i);
		snprintf(impu, sizeof impu, "sip:%s", impi);
		if (batch > 1 && i % batch == 0 && mig_store_begin(st) != MIG_OK)
			die("begin", mig_store_errmsg(st));
		if (mig_binding_allocate(st, &r, &b) != MIG_OK)
			die("allocate", mig_store_errmsg(st));
		if (batch > 1 && (i % batch == batch - 1 || i == a - 1) &&
		    mig_store_commit(st) != MIG_OK)
			die("commit", mig_store_errmsg(st));
	}
	return (struct rate){ a / (now_s() - t0), (cpu_s() - c0) * 1e6 / a };
}

/* One run of a allocations through mig_binding_allocate_batch, BATCH per
 * call: the broker's group commit. */
#define BATCH 64
static struct rate alloc_batch_run(mig_store_t *st, long a, const char *tag)
{
	static struct mig_alloc_item it[BATCH];
	static char impi[BATCH][128], impu[BATCH][140];
	double t0 = now_s(), c0 = cpu_s();
	long i, k, n;

	for (i = 0; i < a; i += n) {
		n = a - i < BATCH ? a - i : BATCH;
		for (k = 0; k < n; k++) {
			snprintf(impi[k], sizeof impi[k], "%s-%ld@home.example", tag, i + k);
			snprintf(impu[k], sizeof impu[k], "sip:%s", impi[k]);
			it[k].req = (struct mig_alloc_req){ .dir = MIG_DIR_OUT, .home_impi = impi[k],
				                            .home_impu = impu[k], .peer_realm = PEER };
		}
		if (mig_binding_allocate_batch(st, it, (size_t)n) != MIG_OK)
			die("batch", mig_store_errmsg(st));
		for (k = 0; k < n; k++)
			if (it[k].rc != MIG_OK)
				die("batch item", it[k].errmsg);
	}
	return (struct rate){ a / (now_s() - t0), (cpu_s() - c0) * 1e6 / a };
}

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, dbl_cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Print the per-run figures of one measure and return their median. */
static double report(const char *what, double *v, int n)
{
	int i;

	printf("  %-28s", what);
	for (i = 0; i < n; i++)
		printf(" %9.2f", v[i]);
	printf("   median %9.2f\n", median(v, n));
	return median(v, n);
}

/* Lookups of present keys and of absent ones, opts->runs times, through
 * st[0] (default options) and, with -m, alternately through st[1] (memory
 * map): both see the same file and the same machine at about one time. */
static void bench_lookups(mig_store_t **st, int nst, char *sample, long ns,
                          const struct opts *o)
{
	static const char *const label[2][4] = {
		{ "lookup p50 (us)", "lookup p99 (us)", "lookup p99.9 (us)", "unknown IMPI p99 (us)" },
		{ "mmap lookup p50 (us)", "mmap lookup p99 (us)", "mmap lookup p99.9 (us)",
		  "mmap unknown IMPI p99 (us)" },
	};
	double v[2][4][16];
	char *absent = random_keys(ns);
	int r, k, i;

	for (k = 0; k < nst; k++)
		lookup_run(st[k], sample, ns, MIG_OK); /* warm the page cache */
	for (r = 0; r < o->runs; r++)
		for (k = 0; k < nst; k++) {
			struct lat l = lookup_run(st[k], sample, ns, MIG_OK);

			v[k][0][r] = l.p50;
			v[k][1][r] = l.p99;
			v[k][2][r] = l.p999;
			v[k][3][r] = lookup_run(st[k], absent, ns, MIG_NOTFOUND).p99;
		}
	for (k = 0; k < nst; k++)
		for (i = 0; i < 4; i++)
			report(label[k][i], v[k][i], o->runs);
	free(absent);
}

/* Allocation runs, each of o->allocs allocations: one per transaction, ten
 * per transaction (as before), and mig_binding_allocate_batch with BATCH
 * per transaction (the broker's group commit); alternating, run by run. */
static void bench_allocs(mig_store_t *st, const struct opts *o)
{
	double rate[3][16], cpu[3][16];
	char tag[32];
	struct rate x;
	int r, m;

	for (r = 0; r < o->runs; r++)
		for (m = 0; m < 3; m++) {
			snprintf(tag, sizeof tag, "a%d-%d", m, r);
			x = m == 2 ? alloc_batch_run(st, o->allocs, tag)
			           : alloc_run(st, o->allocs, m ? 10 : 1, tag);
			rate[m][r] = x.per_s / 1000.0;
			cpu[m][r] = x.cpu_us;
		}
	report("allocations (k/s)", rate[0], o->runs);
	report("CPU per allocation (us)", cpu[0], o->runs);
	report("10 per transaction (k/s)", rate[1], o->runs);
	report("batch of 64 (k/s)", rate[2], o->runs);
	report("CPU per allocation, 64 (us)", cpu[2], o->runs);
}

/*
 * Memory of a broker-like process: a fresh process (this program again, in
 * probe mode) opens the store with the default options and looks every
 * sample key up twice; it prints its peak and final resident size.
 */
static void bench_memory(const char *dir, const char *path, const char *sample, long ns)
{
	char keys[512], cmd[1200];
	FILE *f;

	snprintf(keys, sizeof keys, "%s/keys", dir);
	f = fopen(keys, "w");
	if (f == NULL || fwrite(sample, KEYLEN, (size_t)ns, f) != (size_t)ns)
		die(keys, strerror(errno));
	fclose(f);
	snprintf(cmd, sizeof cmd, "/proc/%ld/exe -P '%s' '%s' %ld", (long)getpid(), path, keys, ns);
	fflush(stdout);
	if (system(cmd) != 0)
		die("probe", cmd);
	if (bench_mmap_mib > 0) {
		snprintf(cmd, sizeof cmd, "/proc/%ld/exe -m %d -P '%s' '%s' %ld", (long)getpid(),
		         bench_mmap_mib, path, keys, ns);
		if (system(cmd) != 0)
			die("probe", cmd);
	}
	unlink(keys);
}

/* Probe mode: see bench_memory(). */
static int probe(const char *path, const char *keys, long n)
{
	char *sample = malloc((size_t)n * KEYLEN);
	FILE *f = fopen(keys, "r");
	mig_store_t *st = open_store_map(path, bench_mmap_mib);
	int round;

	if (sample == NULL || f == NULL || fread(sample, KEYLEN, (size_t)n, f) != (size_t)n)
		die(keys, "cannot read the keys");
	fclose(f);
	for (round = 0; round < 2; round++)
		lookup_run(st, sample, n, MIG_OK);
	printf("  %-28s VmHWM %ld MiB, VmRSS %ld MiB (anonymous %ld, file %ld)\n",
	       bench_mmap_mib > 0 ? "mmap probe process memory" : "probe process memory",
	       status_kib("VmHWM") / 1024, status_kib("VmRSS") / 1024,
	       status_kib("RssAnon") / 1024, status_kib("RssFile") / 1024);
	mig_store_close(st);
	free(sample);
	return 0;
}

/* One database size: fill, lookups, allocations. */
static void bench_size(const char *dir, long n, const struct opts *o)
{
	char path[512];
	long ns = o->lookups < n ? o->lookups : n;
	char *sample = malloc((size_t)ns * KEYLEN);
	double t0 = now_s();
	mig_store_t *st;

	snprintf(path, sizeof path, "%s/bench-%ld.db", dir, n);
	create_store(path);
	fill(path, n, sample, ns);
	printf("%ld bindings: filled in %.1f s (%lld MiB)", n, now_s() - t0,
	       (long long)file_size(path) >> 20);
	/* Let the kernel write the fill out now, not during the measures. */
	t0 = now_s();
	sync();
	printf(", synced in %.1f s\n", now_s() - t0);
	fflush(stdout);
	{
		mig_store_t *lst[2] = { open_store(path), NULL };

		if (bench_mmap_mib > 0)
			lst[1] = open_store_map(path, bench_mmap_mib);
		bench_lookups(lst, lst[1] ? 2 : 1, sample, ns, o);
		mig_store_close(lst[0]);
		mig_store_close(lst[1]);
	}
	bench_memory(dir, path, sample, ns);
	st = open_store(path);
	bench_allocs(st, o);
	mig_store_close(st);
	fflush(stdout);
	free(sample);
}

/* POOL entries into one pool, 10,000 per call, in one transaction. */
static void bench_pool(const char *dir, long n)
{
	enum { CHUNK = 10000 };
	static char impi[CHUNK][48], impu[CHUNK][52];
	struct mig_pool_entry e[CHUNK];
	char path[512];
	mig_store_t *st;
	double t0;
	long i, j;

	snprintf(path, sizeof path, "%s/bench-pool.db", dir);
	st = open_store(path);
	t0 = now_s();
	if (mig_pool_create(st, "bench") || mig_store_begin(st))
		die("pool", mig_store_errmsg(st));
	for (i = 0; i < n; i += CHUNK) {
		for (j = 0; j < CHUNK && i + j < n; j++) {
			snprintf(impi[j], sizeof impi[j], "pool-%ld@" REALM, i + j);
			snprintf(impu[j], sizeof impu[j], "sip:pool-%ld@" REALM, i + j);
			e[j] = (struct mig_pool_entry){ impi[j], impu[j] };
		}
		if (mig_pool_add(st, "bench", e, (size_t)j, NULL) != MIG_OK)
			die("pool", mig_store_errmsg(st));
	}
	if (mig_store_commit(st) != MIG_OK)
		die("pool", mig_store_errmsg(st));
	printf("pool import: %ld entries in %.2f s\n", n, now_s() - t0);
	mig_store_close(st);
}

/* Remove the temporary directory and what the runs left in it. */
static void cleanup(const char *dir)
{
	char cmd[600];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_store: could not remove %s\n", dir);
}

static void parse_sizes(struct opts *o, char *arg)
{
	char *tok;

	o->nsizes = 0;
	for (tok = strtok(arg, ","); tok && o->nsizes < MAX_SIZES; tok = strtok(NULL, ","))
		o->sizes[o->nsizes++] = atol(tok);
}

static void parse(struct opts *o, int argc, char **argv)
{
	int c;

	while ((c = getopt(argc, argv, "s:r:l:a:p:d:m:")) != -1) {
		switch (c) {
		case 's': parse_sizes(o, optarg); break;
		case 'r': o->runs = atoi(optarg); break;
		case 'l': o->lookups = atol(optarg); break;
		case 'a': o->allocs = atol(optarg); break;
		case 'p': o->pool = atol(optarg); break;
		case 'd': o->dir = optarg; break;
		case 'm': bench_mmap_mib = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: bench_store [-s SIZES] [-r RUNS] [-l LOOKUPS] "
			        "[-a ALLOCS] [-p POOL] [-d DIR] [-m MMAP_MIB]\n");
			exit(2);
		}
	}
	if (o->runs < 1 || o->runs > 16 || o->lookups < 1 || o->allocs < 1)
		die("options", "runs must be 1..16, lookups and allocs positive");
}

int main(int argc, char **argv)
{
	struct opts o = { { 10000, 1000000, 10000000 }, 3, 5, 100000, 20000, 1000000, NULL };
	char dir[400];
	int i;

	if (argc == 5 && strcmp(argv[1], "-P") == 0)
		return probe(argv[2], argv[3], atol(argv[4]));
	if (argc == 7 && strcmp(argv[1], "-m") == 0 && strcmp(argv[3], "-P") == 0) {
		bench_mmap_mib = atoi(argv[2]);
		return probe(argv[4], argv[5], atol(argv[6]));
	}
	o.dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	parse(&o, argc, argv);
	snprintf(dir, sizeof dir, "%s/bench_store-XXXXXX", o.dir);
	if (mkdtemp(dir) == NULL)
		die(dir, strerror(errno));
	printf("SQLite %s, %d runs, %ld lookups and %ld allocations per run\n",
	       sqlite3_libversion(), o.runs, o.lookups, o.allocs);
	for (i = 0; i < o.nsizes; i++)
		bench_size(dir, o.sizes[i], &o);
	if (o.pool > 0)
		bench_pool(dir, o.pool);
	cleanup(dir);
	return 0;
}
