/*
 * sipdb_db.c: the broker's access to the binding store.
 *
 * A store handle is for one thread at a time (mig_store.h), and
 * freeDiameter calls us from several dispatch threads: each thread gets its
 * own handle on first use, kept in thread-specific data.  All handles are
 * also on one list so that fini closes the ones whose threads are still
 * alive.
 *
 * Lookups run on the request path (they are indexed reads, microseconds).
 * Updates that only record what happened -- "registered at this S-CSCF,
 * by that node" on a successful MAA or registration SAA, "no longer
 * registered" on a de-registration SAA or an answered RTR -- must not slow
 * the answer path: they go through a bounded queue to one writer thread
 * that applies them in batches, one transaction per batch.  A full queue
 * drops the note (counted, logged): the binding itself is never at risk,
 * only its registration state.
 */
#include <pthread.h>

#include "sipdb.h"

#define DB_QUEUE_LEN 4096

struct db_handle {
	struct fd_list chain;
	mig_store_t *st;
	int closing;     /* its thread's destructor is closing it (db_lock) */
};

struct db_update {
	int64_t id;
	enum sipdb_note kind;
	char server[MIG_IDENT_MAX + 1];
	char host[MIG_IDENT_MAX + 1];
};

static pthread_key_t db_key;
static pthread_mutex_t db_lock = PTHREAD_MUTEX_INITIALIZER;
static struct fd_list db_handles = FD_LIST_INITIALIZER(db_handles);

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct db_update *ring;
	size_t head, count;
	int stop;
	int started; /* fini also runs after a failed init */
	pthread_t thr;
	unsigned long dropped;
} db_q = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

/*
 * SQLite's page cache is per handle, and the broker has one handle per
 * dispatch thread (freeDiameter's AppServThreads, 4 by default) plus the
 * writer's and the RTR sender's.  With libmig's default of 32 MiB each,
 * MARs spread over a store of 10 M bindings filled every cache: the bench
 * measured a peak resident size of 116 MiB.  8 MiB each keeps the interior
 * pages of the lookup indexes (the leaves are read from the OS cache
 * anyway at that size) and the broker under 100 MiB.
 */
#define SIPDB_DB_CACHE_KIB 8192

/* Open a handle set up the way the broker needs it: memory map and
 * generator from the configuration, audit rows naming the broker, the
 * cache above. */
mig_store_t *sipdb_db_open(void)
{
	struct mig_store_opts opts = { .cache_kib = SIPDB_DB_CACHE_KIB,
	                               .mmap_mib = (int)sipdb_conf->database_mmap_mib };
	mig_store_t *st = NULL;
	int rc = mig_store_open(&st, sipdb_conf->database, &opts);

	if (rc == MIG_OK)
		rc = mig_store_set_generator(st, sipdb_conf->id_prefix, sipdb_conf->id_chars,
		                             sipdb_conf->id_realm);
	if (rc != MIG_OK) {
		fd_log_error("mig_sipdb: store '%s': %s", sipdb_conf->database,
		             mig_store_errmsg(st));
		mig_store_close(st);
		return NULL;
	}
	mig_store_set_actor(st, "mig_sipdb");
	return st;
}

/*
 * The key's destructor, as a thread ends.  The handle stays in the list
 * (marked closing) until its store is closed, so that sipdb_db_fini can
 * wait for it rather than see the daemon exit with a handle that nothing
 * points to.
 */
static void db_handle_free(void *p)
{
	struct db_handle *h = p;

	pthread_mutex_lock(&db_lock);
	h->closing = 1;
	pthread_mutex_unlock(&db_lock);
	mig_store_close(h->st);
	pthread_mutex_lock(&db_lock);
	fd_list_unlink(&h->chain);
	pthread_mutex_unlock(&db_lock);
	free(h);
}

/*
 * This thread's handle, opened on first use.  freeDiameter stops its
 * threads with pthread_cancel, and opening a store is full of cancellation
 * points (file I/O): cancellation is held off until the handle is in the
 * list and the key, so that the key's destructor or sipdb_db_fini always
 * finds it (LeakSanitizer caught one lost at shutdown).
 */
static struct db_handle *db_handle_new(void)
{
	struct db_handle *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	fd_list_init(&h->chain, h);
	h->st = sipdb_db_open();
	if (!h->st) {
		free(h);
		return NULL;
	}
	pthread_mutex_lock(&db_lock);
	fd_list_insert_before(&db_handles, &h->chain);
	pthread_mutex_unlock(&db_lock);
	pthread_setspecific(db_key, h);
	return h;
}

mig_store_t *sipdb_db(void)
{
	struct db_handle *h = pthread_getspecific(db_key);
	int old;

	if (h)
		return h->st;
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
	h = db_handle_new();
	pthread_setcancelstate(old, NULL);
	return h ? h->st : NULL;
}

void sipdb_db_note(int64_t id, enum sipdb_note kind, const char *server, const char *host)
{
	struct db_update *u;

	pthread_mutex_lock(&db_q.lock);
	if (db_q.count == DB_QUEUE_LEN) {
		if (db_q.dropped++ % 1000 == 0)
			fd_log_notice("mig_sipdb: update queue full, %lu registration notes dropped",
			              db_q.dropped);
		pthread_mutex_unlock(&db_q.lock);
		return;
	}
	u = &db_q.ring[(db_q.head + db_q.count++) % DB_QUEUE_LEN];
	u->id = id;
	u->kind = kind;
	snprintf(u->server, sizeof(u->server), "%s", server ? server : "");
	snprintf(u->host, sizeof(u->host), "%s", host ? host : "");
	pthread_cond_signal(&db_q.cond);
	pthread_mutex_unlock(&db_q.lock);
}

/* Apply a batch in one transaction.  A binding revoked meanwhile answers
 * MIG_CONFLICT: that is the revocation winning, not an error. */
static void db_apply(mig_store_t *st, const struct db_update *batch, size_t n)
{
	size_t i;
	int rc;

	if ((rc = mig_store_begin(st)) != MIG_OK) {
		fd_log_error("mig_sipdb: %zu registration notes lost: %s", n, mig_store_errmsg(st));
		return;
	}
	for (i = 0; i < n; i++) {
		rc = batch[i].kind == SIPDB_NOTE_REGISTER
		             ? mig_binding_register_host(st, batch[i].id, batch[i].server,
		                                         batch[i].host)
		             : mig_binding_unregister(st, batch[i].id);
		if (rc != MIG_OK && rc != MIG_CONFLICT && rc != MIG_NOTFOUND)
			fd_log_error("mig_sipdb: binding %lld: %s", (long long)batch[i].id,
			             mig_store_errmsg(st));
	}
	if (mig_store_commit(st) != MIG_OK) {
		fd_log_error("mig_sipdb: %zu registration notes lost: %s", n, mig_store_errmsg(st));
		mig_store_rollback(st);
	}
}

/* Take everything queued (up to the ring's end, to copy in one piece).
 * Without a batch buffer (its allocation failed) the updates are dropped,
 * as the writer drops them without a store: the queue must still drain. */
static size_t db_take(struct db_update *batch)
{
	size_t n;

	n = db_q.count;
	if (n > DB_QUEUE_LEN - db_q.head)
		n = DB_QUEUE_LEN - db_q.head;
	if (batch)
		memcpy(batch, &db_q.ring[db_q.head], n * sizeof(*batch));
	db_q.head = (db_q.head + n) % DB_QUEUE_LEN;
	db_q.count -= n;
	return n;
}

/*
 * The in-memory counters, added to the store's running totals (schema 4)
 * about once a second, so that migctl stats can show what the broker did:
 * the answer path only increments atomics.  flushed[] is what was already
 * added; only this thread touches it.
 */
#define DB_FLUSH_S 1
enum { DB_C_IN, DB_C_BROKERED, DB_C_LOCAL, DB_C_REFUSED, DB_C_N };
static const char *const db_counter_kind[DB_C_N] = { "in", "brokered", "local", "refused" };

static uint64_t db_counter_now(enum sipdb_cmd cmd, int kind)
{
	struct sipdb_cmd_stats *c = &sipdb_stats.cmd[cmd];
	atomic_ulong *v[DB_C_N] = { &c->in, &c->brokered, &c->local, &c->refused };

	return atomic_load(v[kind]);
}

static void db_flush_counters(mig_store_t *st)
{
	static uint64_t flushed[SIPDB_NCMDS][DB_C_N];
	uint64_t now[SIPDB_NCMDS][DB_C_N];
	char name[40];
	int cmd, kind, rc;

	if (mig_store_begin(st) != MIG_OK)
		return;
	rc = MIG_OK;
	for (cmd = 0; cmd < SIPDB_NCMDS; cmd++)
		for (kind = 0; kind < DB_C_N; kind++) {
			now[cmd][kind] = db_counter_now((enum sipdb_cmd)cmd, kind);
			if (rc != MIG_OK || now[cmd][kind] == flushed[cmd][kind])
				continue;
			snprintf(name, sizeof(name), "%s.%s", sipdb_cmd_lower((enum sipdb_cmd)cmd),
			         db_counter_kind[kind]);
			rc = mig_counter_add(st, name, (int64_t)(now[cmd][kind] - flushed[cmd][kind]));
		}
	if (rc == MIG_OK && mig_store_commit(st) == MIG_OK) {
		memcpy(flushed, now, sizeof(flushed));
		return;
	}
	/* Nothing was added: the next flush adds these deltas again. */
	fd_log_error("mig_sipdb: counters not saved: %s", mig_store_errmsg(st));
	mig_store_rollback(st);
}

/*
 * Partner settings changed with migctl reach the running broker here, about
 * once a second: for each configured partner, the store's migrate_in,
 * migrate_out and obfuscate replace ours, and a partner removed from the
 * store is allowed nothing.  Only these flags are refreshed: the strings
 * (SIP database identity, profile) stay as configured, since request
 * threads read them without a lock.  The flags are single ints, written
 * atomically; a request sees either the old or the new value.  At start
 * the configuration file is written into the store (sipdb.c): the file
 * wins at restart.
 */
static void db_refresh_partners(mig_store_t *st)
{
	size_t i;

	for (i = 0; i < sipdb_conf->n_partners; i++) {
		struct mig_partner_conf *c = &sipdb_conf->partners[i];
		struct mig_partner p;
		int rc = mig_partner_get(st, c->realm, &p);

		if (rc != MIG_OK && rc != MIG_NOTFOUND)
			continue;
		if (rc == MIG_NOTFOUND)
			memset(&p, 0, sizeof(p));
		if (p.allow_in != c->migrate_in || p.allow_out != c->migrate_out ||
		    (rc == MIG_OK && p.obfuscate != c->obfuscate))
			fd_log_notice("mig_sipdb: partner '%s' now: migrate in %s, out %s%s", c->realm,
			              p.allow_in ? "yes" : "no", p.allow_out ? "yes" : "no",
			              rc == MIG_NOTFOUND ? " (removed from the store)" : "");
		__atomic_store_n(&c->migrate_in, p.allow_in, __ATOMIC_RELAXED);
		__atomic_store_n(&c->migrate_out, p.allow_out, __ATOMIC_RELAXED);
		if (rc == MIG_OK)
			__atomic_store_n(&c->obfuscate, p.obfuscate, __ATOMIC_RELAXED);
	}
}

/* Wait for updates, at most until the next counter flush. */
static void db_wait(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_sec += DB_FLUSH_S;
	while (!db_q.count && !db_q.stop &&
	       pthread_cond_timedwait(&db_q.cond, &db_q.lock, &t) == 0)
		;
}

static void *db_writer(void *unused)
{
	struct db_update *batch = malloc(DB_QUEUE_LEN * sizeof(*batch));
	mig_store_t *st = sipdb_db_open();
	time_t last_flush = time(NULL);
	size_t n;
	int stop;

	(void)unused;
	fd_log_threadname("mig_sipdb writer");
	do {
		pthread_mutex_lock(&db_q.lock);
		db_wait();
		stop = db_q.stop && !db_q.count;
		n = db_take(batch);
		pthread_mutex_unlock(&db_q.lock);
		if (st && batch && n)
			db_apply(st, batch, n);
		if (st && (stop || time(NULL) - last_flush >= DB_FLUSH_S)) {
			db_flush_counters(st);
			sipdb_limit_flush(st);
			sipdb_backlog_flush(st);
			db_refresh_partners(st);
			last_flush = time(NULL);
		}
	} while (!stop);
	mig_store_close(st);
	free(batch);
	return NULL;
}

void sipdb_db_audit(const char *action, const struct mig_binding *b, const char *realm,
                    const char *detail)
{
	mig_store_t *st = sipdb_db();
	struct mig_audit a;

	memset(&a, 0, sizeof(a));
	a.action = action;
	a.realm = realm;
	a.detail = detail;
	if (b) {
		a.binding_id = b->id;
		a.mig_impi = b->mig_impi;
		a.mig_impu = b->mig_impu;
		a.home_impi = b->home_impi;
		a.home_impu = b->home_impu;
	}
	if (!st || mig_audit_add(st, &a) != MIG_OK)
		fd_log_error("mig_sipdb: audit '%s' not recorded: %s", action,
		             st ? mig_store_errmsg(st) : "no store");
}

int sipdb_db_init(void)
{
	mig_store_t *st;

	/* Create or upgrade the schema now, so that a bad database stops the
	 * daemon at start rather than failing the first request. */
	st = sipdb_db_open();
	if (!st)
		return EINVAL;
	mig_store_close(st);
	CHECK_POSIX(pthread_key_create(&db_key, db_handle_free));
	CHECK_MALLOC(db_q.ring = calloc(DB_QUEUE_LEN, sizeof(*db_q.ring)));
	CHECK_POSIX(pthread_create(&db_q.thr, NULL, db_writer, NULL));
	db_q.started = 1;
	return 0;
}

/* Close and free every handle that no destructor is closing (db_lock held). */
static void db_close_idle(void)
{
	struct fd_list *li, *next;

	for (li = db_handles.next; li != &db_handles; li = next) {
		struct db_handle *h = li->o;

		next = li->next;
		if (h->closing)
			continue;
		fd_list_unlink(&h->chain);
		mig_store_close(h->st);
		free(h);
	}
}

void sipdb_db_fini(void)
{
	int i;

	if (!db_q.started)
		return;
	pthread_mutex_lock(&db_q.lock);
	db_q.stop = 1;
	pthread_cond_signal(&db_q.cond);
	pthread_mutex_unlock(&db_q.lock);
	pthread_join(db_q.thr, NULL);
	free(db_q.ring);
	/* Delete the key first: no destructor may start on a handle freed
	 * here.  Close what no thread is closing, then give destructors
	 * already running a moment (at most a second) to finish theirs. */
	pthread_key_delete(db_key);
	pthread_mutex_lock(&db_lock);
	db_close_idle();
	for (i = 0; i < 1000 && !FD_IS_LIST_EMPTY(&db_handles); i++) {
		pthread_mutex_unlock(&db_lock);
		usleep(1000);
		pthread_mutex_lock(&db_lock);
	}
	pthread_mutex_unlock(&db_lock);
}
