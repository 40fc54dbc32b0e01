/*
 * cx_client.c: entry point, the embedded freeDiameter core (logs, start,
 * stop) and the wait for the peer.  See cx_client.h for the design and
 * `cx_client --help' for the usage.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cx_client.h"

#define CXC_POLL_US 20000

/* ------------------------------------------------------------- logs */

static FILE *cxc_log_fp;

/* The core's logger: never stdout, which carries the JSON. */
static void cxc_logger(int level, const char *fmt, va_list ap)
{
	static const char *const names[] = { "ANNOY", "DEBUG", "DEBUG", "NOTICE", "NOTICE",
					     "ERROR", "FATAL" };
	char ts[32];
	struct timespec now;
	struct tm tm;

	if (level < fd_g_debug_lvl)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	localtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%H:%M:%S", &tm);
	fprintf(cxc_log_fp, "%s.%03ld %-6s ", ts, now.tv_nsec / 1000000L,
		(level >= 0 && level <= FD_LOG_FATAL) ? names[level] : "?");
	vfprintf(cxc_log_fp, fmt, ap);
	fputc('\n', cxc_log_fp);
	fflush(cxc_log_fp);
}

static int cxc_log_init(const struct cxc_opts *o)
{
	cxc_log_fp = stderr;
	if (o->log_file && !(cxc_log_fp = fopen(o->log_file, "a"))) {
		fprintf(stderr, "cx_client: %s: %s\n", o->log_file, strerror(errno));
		return -1;
	}
	fd_g_debug_lvl = o->log_level;
	return fd_log_handler_register(cxc_logger);
}

/* ------------------------------------------------------------- peer */

static int cxc_is_open(struct peer_hdr *p)
{
	return fd_peer_get_state(p) == STATE_OPEN;
}

/* The first peer in the list that is OPEN, or NULL. */
static struct peer_hdr *cxc_any_open_peer(void)
{
	struct peer_hdr *found = NULL;
	struct fd_list *li;

	CHECK_POSIX_DO(pthread_rwlock_rdlock(&fd_g_peers_rw), return NULL);
	for (li = fd_g_peers.next; li != &fd_g_peers && !found; li = li->next)
		if (cxc_is_open((struct peer_hdr *)li->o))
			found = li->o;
	CHECK_POSIX_DO(pthread_rwlock_unlock(&fd_g_peers_rw), );
	return found;
}

static struct peer_hdr *cxc_open_peer(const char *id)
{
	struct peer_hdr *p = NULL;

	if (!id)
		return cxc_any_open_peer();
	if (fd_peer_getbyid((DiamId_t)id, strlen(id), 0, &p) || !p)
		return NULL;
	return cxc_is_open(p) ? p : NULL;
}

/* Poll until the peer is OPEN or the deadline passes. */
static struct peer_hdr *cxc_wait_peer(const struct cxc_opts *o)
{
	struct timespec start, now;
	struct peer_hdr *p;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		if ((p = cxc_open_peer(o->peer)))
			return p;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000
		    >= (long)o->connect_ms)
			return NULL;
		usleep(CXC_POLL_US);
	}
}

/* Where the request goes: the peer's realm unless --dest-realm says. */
static int cxc_target_init(const struct cxc_opts *o, struct peer_hdr *p, struct cxc_target *t)
{
	const char *realm = o->dest_realm ? o->dest_realm : p->info.runtime.pir_realm;

	memset(t, 0, sizeof(*t));
	t->dest_host = o->dest_host;
	t->peer_id = strdup(p->info.pi_diamid);
	t->dest_realm = realm ? strdup(realm) : NULL;
	if (!t->peer_id || !t->dest_realm) {
		fprintf(stderr, "cx_client: no realm known for peer %s\n", p->info.pi_diamid);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------- core */

/* Is any configured peer still in STATE_NEW (its PSM thread not yet run)? */
static int cxc_any_peer_new(void)
{
	struct fd_list *li;
	int found = 0;

	CHECK_POSIX_DO(pthread_rwlock_rdlock(&fd_g_peers_rw), return 0);
	for (li = fd_g_peers.next; li != &fd_g_peers && !found; li = li->next)
		found = fd_peer_get_state((struct peer_hdr *)li->o) == STATE_NEW;
	CHECK_POSIX_DO(pthread_rwlock_unlock(&fd_g_peers_rw), );
	return found;
}

/*
 * 1.2.1's peer state machine thread, created while the configuration is
 * parsed, reads "has the core started?" when it first runs, and if so
 * delays its first connection by a random 0-4 s (meant for peers added at
 * run time).  freeDiameterd is slow enough between parse and start; we
 * are not: wait (1 s at most) until every PSM has left STATE_NEW, which
 * it does right after that read.
 */
static void cxc_psm_settle(void)
{
	int ms;

	for (ms = 0; ms < 1000 && cxc_any_peer_new(); ms++)
		usleep(1000);
}

/* After fd_core_initialize(): whatever fails, the caller stops the core. */
static int cxc_core_start(const struct cxc_opts *o)
{
	int rc;

	if ((rc = fd_core_parseconf(o->conf))) {
		fprintf(stderr, "cx_client: %s: cannot be used (%s), see the log\n",
			o->conf, strerror(rc));
		return -1;
	}
	if (cxc_dict_init(o->cmd) || cxc_advertise())
		return -1;
	cxc_psm_settle();
	if ((rc = fd_core_start())) {
		fprintf(stderr, "cx_client: fd_core_start: %s\n", strerror(rc));
		return -1;
	}
	return 0;
}

static volatile sig_atomic_t cxc_exit_code;

static void cxc_on_abort(int sig)
{
	static const char msg[] = "cx_client: freeDiameter aborted while shutting down; "
				  "the exit status stays that of the exchange\n";

	(void)sig;
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0) {
		/* nothing more to do */
	}
	_exit(cxc_exit_code);
}

/*
 * Stop the core once the outcome is known and printed.  1.2.1 can abort in
 * its shutdown on a loaded machine (libfdproto/fifo.c, fd_fifo_del: a
 * queue's waiting threads get 20 ms to leave, then ASSERT; later versions
 * allow 200): that must not turn a printed answer into exit 134.
 */
static void cxc_core_stop(int rc)
{
	struct sigaction sa;

	cxc_exit_code = rc;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = cxc_on_abort;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGABRT, &sa, NULL);
	CHECK_FCT_DO(fd_core_shutdown(), );
	CHECK_FCT_DO(fd_core_wait_shutdown_complete(), );
}

/* Everything between start and stop; returns the exit code. */
static int cxc_run(const struct cxc_opts *o)
{
	struct cxc_target t;
	struct peer_hdr *p;
	int rc;

	if (!(p = cxc_wait_peer(o))) {
		fprintf(stderr, "cx_client: peer %s not OPEN within %u ms\n",
			o->peer ? o->peer : "(any)", o->connect_ms);
		return CXC_EXIT_NO_PEER;
	}
	if (cxc_target_init(o, p, &t))
		return CXC_EXIT_ERROR;
	rc = cxc_send_all(o, &t);
	free(t.peer_id);
	free(t.dest_realm);
	return rc;
}

int main(int argc, char **argv)
{
	struct cxc_opts o;
	int rc;

	rc = cxc_opts_parse(argc, argv, &o);
	if (rc)
		return rc < 0 ? CXC_EXIT_OK : rc;
	signal(SIGPIPE, SIG_IGN);
	if (cxc_log_init(&o))
		return CXC_EXIT_ERROR;
	if ((rc = fd_core_initialize())) {
		fprintf(stderr, "cx_client: fd_core_initialize: %s\n", strerror(rc));
		return CXC_EXIT_ERROR;
	}
	if (cxc_core_start(&o))
		rc = CXC_EXIT_ERROR;
	else
		rc = cxc_run(&o);
	fflush(stdout);
	cxc_core_stop(rc);
	if (cxc_log_fp != stderr)
		fclose(cxc_log_fp);
	return rc;
}
