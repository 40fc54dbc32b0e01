/*
 * sipdb_backlog.c: a bound on what a peer's socket reader may read ahead of
 * the daemon (doc/RELIABILITY.md, "Overload": "Where requests can queue").
 *
 * In freeDiameter 1.2.1 every connection has a reader thread that reads
 * whole messages off the socket and posts them to the peer's event queue
 * (p_events), which its state machine drains into the bounded queues of
 * routing and dispatch.  p_events has no bound, and the reader never
 * waits: a peer that pipelines faster than the broker works (a flood with
 * a large window, or any peer while the broker's outgoing side is stuck)
 * grows the daemon's memory without limit.  Every other queue on the way
 * is bounded, and the broker bounds what it has in flight (max_inflight).
 *
 * This file makes the reader wait.  A hook on HOOK_DATA_RECEIVED (in the
 * reader, the message read whole and about to be posted) adds the
 * message's size to its connection's backlog; the hooks that see the
 * message leave p_events (HOOK_MESSAGE_RECEIVED in the state machine, or
 * HOOK_MESSAGE_PARSING_ERROR / HOOK_MESSAGE_DROPPED when it is refused or
 * dropped there) take it off again.  While a connection's backlog is over
 * max_backlog_kb its reader sleeps, so it reads no further: the socket's
 * buffers fill and TCP's flow control holds the peer back.  What the
 * broker holds per connection is then max_backlog_kb and one message.
 *
 * The wait is bounded too (BACKLOG_WAIT_MAX_MS per message): if the state
 * machine cannot move at all -- two daemons each waiting for the other to
 * read -- the reader goes on by one message a second rather than never, so
 * that the peers' watchdogs can still settle it.  This never happens while
 * the broker sheds its overload with 3004s (max_queue_ms): the default
 * bound is well above what a 200 ms queue holds, so the bound only holds
 * back a peer that pipelines beyond what the broker refuses.
 *
 * A connection is known by its reader thread: the first message a reader
 * passes takes one of BACKLOG_CONNS slots (thread-specific data), which
 * its exit frees.  A slot's backlog and generation share one atomic word
 * so that a late decrement for a connection that is gone (its message
 * still in p_events when the reader ended) can never touch the slot's next
 * connection.  Readers beyond BACKLOG_CONNS are not bounded (logged once).
 * The pauses are counted (backlog.paused, migctl stats) by the writer
 * thread, off the reader.
 */
#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "sipdb.h"

#define BACKLOG_CONNS 512
#define BACKLOG_GEN_SHIFT 40 /* bytes below, generation above */
#define BACKLOG_BYTES(w) ((w) & ((UINT64_C(1) << BACKLOG_GEN_SHIFT) - 1))
#define BACKLOG_GEN(w) ((w) >> BACKLOG_GEN_SHIFT)
#define BACKLOG_WAIT_MAX_MS 1000
#define BACKLOG_POLL_NS 1000000L
#define BACKLOG_LOG_EVERY_S 10

/* Per message: which connection's backlog counts it, and for how much
 * (bytes 0: counted nowhere, or no longer). */
struct backlog_mark {
	uint32_t slot;
	uint32_t gen;
	uint64_t bytes;
};

struct backlog_conn {
	atomic_uint_least64_t word; /* generation << BACKLOG_GEN_SHIFT | bytes */
	atomic_int taken;
	pthread_mutex_t name_lock;
	char peer[128]; /* for the log, once the state machine has named it */
};

static struct backlog_conn backlog_conn[BACKLOG_CONNS];
static pthread_key_t backlog_key; /* the reader's slot + 1; BACKLOG_CONNS + 1: none */
static int backlog_key_made;
static struct fd_hook_data_hdl *backlog_data_hdl;
static struct fd_hook_hdl *backlog_hook_hdl;
static atomic_int backlog_stopping;
static atomic_ulong backlog_paused;   /* reads held back, since start */
static atomic_uint_least64_t backlog_peak; /* the largest backlog seen, bytes */
static atomic_llong backlog_logged_s; /* when the last line about it was logged */
static atomic_int backlog_full_logged;

/* At a reader's exit: its slot starts a new generation with nothing in it. */
static void backlog_release(void *v)
{
	uintptr_t s = (uintptr_t)v - 1;
	uint64_t w;

	if (s >= BACKLOG_CONNS)
		return;
	w = atomic_load(&backlog_conn[s].word);
	atomic_store(&backlog_conn[s].word, (BACKLOG_GEN(w) + 1) << BACKLOG_GEN_SHIFT);
	pthread_mutex_lock(&backlog_conn[s].name_lock);
	backlog_conn[s].peer[0] = '\0';
	pthread_mutex_unlock(&backlog_conn[s].name_lock);
	atomic_store(&backlog_conn[s].taken, 0);
}

/* The calling reader's slot, taken on its first message; -1 when none. */
static int backlog_my_slot(void)
{
	uintptr_t v = (uintptr_t)pthread_getspecific(backlog_key);
	int s, free_ = 0;

	if (v)
		return v - 1 < BACKLOG_CONNS ? (int)(v - 1) : -1;
	for (s = 0; s < BACKLOG_CONNS; s++)
		if (atomic_compare_exchange_strong(&backlog_conn[s].taken, &free_, 1))
			break;
		else
			free_ = 0;
	if (pthread_setspecific(backlog_key, (void *)(uintptr_t)(s + 1)))
		return -1;
	if (s == BACKLOG_CONNS && !atomic_exchange(&backlog_full_logged, 1))
		fd_log_error("mig_sipdb: more than %d connections: the ones beyond are read "
		             "without a bound on their backlog", BACKLOG_CONNS);
	return s < BACKLOG_CONNS ? s : -1;
}

static long long backlog_now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* One NOTICE at the first pause and then at most every BACKLOG_LOG_EVERY_S,
 * with the count so far: a flood must not become a flood of log lines. */
static void backlog_log_pause(struct backlog_conn *c, uint64_t bytes)
{
	long long now = backlog_now_ms() / 1000, last = atomic_load(&backlog_logged_s);
	char peer[sizeof(c->peer)];

	if ((last && now - last < BACKLOG_LOG_EVERY_S) ||
	    !atomic_compare_exchange_strong(&backlog_logged_s, &last, now))
		return;
	pthread_mutex_lock(&c->name_lock);
	snprintf(peer, sizeof(peer), "%s", c->peer[0] ? c->peer : "(not yet named)");
	pthread_mutex_unlock(&c->name_lock);
	fd_log_notice("mig_sipdb: %s is %llu KiB ahead of the broker (max_backlog_kb %u): "
	              "reading from it paused (%lu pauses since start)", peer,
	              (unsigned long long)(bytes / 1024), sipdb_conf->max_backlog_kb,
	              atomic_load(&backlog_paused));
}

/* In the reader: sleep while the connection's backlog is over the bound,
 * at most BACKLOG_WAIT_MAX_MS.  nanosleep is a cancellation point, as
 * freeDiameter expects of a reader it stops. */
static void backlog_wait(struct backlog_conn *c, uint64_t bytes)
{
	const uint64_t max = (uint64_t)sipdb_conf->max_backlog_kb * 1024;
	const struct timespec poll = { 0, BACKLOG_POLL_NS };
	long long until = backlog_now_ms() + BACKLOG_WAIT_MAX_MS;

	atomic_fetch_add(&backlog_paused, 1);
	backlog_log_pause(c, bytes);
	while (BACKLOG_BYTES(atomic_load(&c->word)) > max && !atomic_load(&backlog_stopping) &&
	       backlog_now_ms() < until)
		nanosleep(&poll, NULL);
}

/* The message left p_events: off its connection's backlog, if that is still
 * the same connection; the state machine names the connection for the log. */
static void backlog_leave(struct backlog_mark *m, struct peer_hdr *peer)
{
	struct backlog_conn *c = &backlog_conn[m->slot];
	uint64_t w = atomic_load(&c->word);

	do {
		if (BACKLOG_GEN(w) != m->gen)
			break;
	} while (!atomic_compare_exchange_weak(&c->word, &w, w - m->bytes));
	m->bytes = 0;
	if (peer && peer->info.pi_diamid && !c->peer[0]) {
		pthread_mutex_lock(&c->name_lock);
		if (BACKLOG_GEN(atomic_load(&c->word)) == m->gen)
			snprintf(c->peer, sizeof(c->peer), "%s", peer->info.pi_diamid);
		pthread_mutex_unlock(&c->name_lock);
	}
}

/* For the line at exit: how far ahead any reader ever got. */
static void backlog_note_peak(uint64_t bytes)
{
	uint64_t p = atomic_load(&backlog_peak);

	while (bytes > p && !atomic_compare_exchange_weak(&backlog_peak, &p, bytes))
		;
}

static void backlog_hook_cb(enum fd_hook_type type, struct msg *msg, struct peer_hdr *peer,
                            void *other, struct fd_hook_permsgdata *pmd, void *regdata)
{
	struct backlog_mark *m = (struct backlog_mark *)pmd;
	const struct fd_cnx_rcvdata *data = other;
	uint64_t w;
	int s;

	(void)msg, (void)regdata;
	if (!m)
		return;
	if (type != HOOK_DATA_RECEIVED) {
		if (m->bytes)
			backlog_leave(m, peer);
		return;
	}
	if (!data || (s = backlog_my_slot()) < 0)
		return;
	m->slot = (uint32_t)s;
	m->bytes = data->length;
	w = atomic_fetch_add(&backlog_conn[s].word, m->bytes) + m->bytes;
	m->gen = (uint32_t)BACKLOG_GEN(w);
	backlog_note_peak(BACKLOG_BYTES(w));
	if (BACKLOG_BYTES(w) > (uint64_t)sipdb_conf->max_backlog_kb * 1024)
		backlog_wait(&backlog_conn[s], BACKLOG_BYTES(w));
}

/* The writer thread, about once a second: the pauses since the last call
 * added to the store's counter backlog.paused (migctl stats), one UPSERT
 * that needs no transaction of its own; on failure the next call adds
 * them. */
void sipdb_backlog_flush(mig_store_t *st)
{
	static unsigned long counted; /* only the writer thread calls */
	unsigned long now = atomic_load(&backlog_paused);

	if (now == counted)
		return;
	if (mig_counter_add(st, "backlog.paused", (int64_t)(now - counted)) == MIG_OK)
		counted = now;
	else
		fd_log_error("mig_sipdb: backlog.paused not saved yet: %s", mig_store_errmsg(st));
}

int sipdb_backlog_init(void)
{
	int i;

	if (!sipdb_conf->max_backlog_kb)
		return 0;
	for (i = 0; i < BACKLOG_CONNS; i++)
		CHECK_POSIX(pthread_mutex_init(&backlog_conn[i].name_lock, NULL));
	CHECK_POSIX(pthread_key_create(&backlog_key, backlog_release));
	backlog_key_made = 1;
	CHECK_FCT(fd_hook_data_register(sizeof(struct backlog_mark), NULL, NULL, &backlog_data_hdl));
	return fd_hook_register(HOOK_MASK(HOOK_DATA_RECEIVED, HOOK_MESSAGE_RECEIVED,
	                                  HOOK_MESSAGE_PARSING_ERROR, HOOK_MESSAGE_DROPPED),
	                        backlog_hook_cb, NULL, backlog_data_hdl, &backlog_hook_hdl);
}

/* Readers still waiting stop at once; the hook's unregistering waits for
 * the calls under way.  One line on what the bound did. */
void sipdb_backlog_fini(void)
{
	atomic_store(&backlog_stopping, 1);
	if (backlog_hook_hdl) {
		fd_hook_unregister(backlog_hook_hdl);
		fd_log_notice("mig_sipdb: reading paused %lu times (max_backlog_kb %u); the largest "
		              "backlog of a connection was %llu KiB", atomic_load(&backlog_paused),
		              sipdb_conf->max_backlog_kb,
		              (unsigned long long)(atomic_load(&backlog_peak) + 1023) / 1024);
	}
	backlog_hook_hdl = NULL;
	if (backlog_key_made)
		pthread_key_delete(backlog_key);
	backlog_key_made = 0;
}
