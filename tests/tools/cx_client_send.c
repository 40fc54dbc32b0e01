/*
 * cx_client_send.c: send the requests and collect what comes back.
 *
 * The calling thread is the only sender.  Every request has its own slot
 * (struct cxc_req) that lives until the core is shut down, because 1.2.1
 * never frees callback data and may call a callback late.  The answer and
 * expiry callbacks only record the outcome under a mutex and signal a
 * condition variable: they never build or send anything (freeDiameter's
 * queues are small and block; sending from a callback deadlocks).
 *
 * Each request has two deadlines: fd_msg_send_timeout's (the expiry
 * callback) and our own, a little later, because 1.2.1 drops an answer
 * that fails the dictionary without calling any callback.  A request past
 * our own deadline is marked LOST and a late callback for it is ignored.
 */
#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cx_client.h"

#define CXC_GRACE_MS  250   /* our deadline: the core's plus this */
#define CXC_TICK_MS   50    /* how often the sender looks at the clock */

/* CXC_ABATED: not sent, the share a peer's overload report asked us
 * (--doic) not to send. */
enum cxc_state {
	CXC_UNSENT = 0, CXC_PENDING, CXC_ANSWERED, CXC_EXPIRED, CXC_LOST, CXC_FAILED, CXC_ABATED,
	CXC_NSTATES
};

struct cxc_run;

struct cxc_req {
	struct cxc_run *run;
	enum cxc_state state;
	struct timespec sent;       /* CLOCK_MONOTONIC */
	double latency_ms;
	struct cxc_codes codes;
	struct msg *answer;         /* kept when run->keep_answer */
};

struct cxc_run {
	pthread_mutex_t mtx;
	pthread_cond_t cond;
	struct cxc_req *reqs;
	unsigned n, next, oldest, inflight;
	unsigned timeout_ms;
	int keep_answer;
	int answer_log;             /* --answer-log (O_APPEND), or -1 */
	double send_ms;             /* from the first send to the last */
	struct cxc_ids ids;         /* --ids, else empty */
	int doic;                   /* --doic: heed overload reports */
	struct {                    /* the one in force (the peer's; one peer) */
		int known;
		uint64_t seq;
		uint32_t pct, credit;
		struct timespec until;  /* CLOCK_MONOTONIC */
	} olr;
};

/* ------------------------------------------------------------ clocks */

static double cxc_ms_between(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) * 1e3 + (double)(b->tv_nsec - a->tv_nsec) / 1e6;
}

static struct timespec cxc_add_ms(struct timespec t, unsigned ms)
{
	t.tv_sec += ms / 1000;
	t.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

static struct timespec cxc_now(clockid_t clk)
{
	struct timespec t;

	clock_gettime(clk, &t);
	return t;
}

/* --------------------------------------------------------- callbacks */

/* Record an outcome; the caller holds run->mtx. */
static void cxc_settle(struct cxc_req *r, enum cxc_state st)
{
	r->state = st;
	r->run->inflight--;
	pthread_cond_signal(&r->run->cond);
}

/*
 * --answer-log: the answer as one JSON line, written before anything else
 * is done with it, so that a test that kills the peer (or this client)
 * mid-run still knows every answer that arrived.  One write(2) per line on
 * an O_APPEND descriptor, so that lines of several threads never mix; a
 * SIGKILL can still cut the last line short (Linux ends a write at a page
 * boundary for a fatal signal): readers drop an unterminated last line.
 * Late answers are logged too: what the peer said is a fact either way.
 */
static void cxc_log_answer(struct cxc_req *r, struct msg *msg)
{
	json_t *j = cxc_json_answer(msg);
	char *line;
	size_t n;

	if (!j)
		return;
	json_object_del(j, "avps");
	json_object_set_new(j, "request", json_integer(r - r->run->reqs));
	line = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);
	if (!line)
		return;
	n = strlen(line);
	line[n] = '\n'; /* replaces the terminating NUL: the buffer is n + 1 bytes */
	if (write(r->run->answer_log, line, n + 1) != (ssize_t)(n + 1))
		fprintf(stderr, "cx_client: answer log: %s\n", strerror(errno));
	free(line);
}

/*
 * Under run->mtx.  --doic: an originating client's part of RFC 7683, as
 * a Rel-13 S-CSCF would do it: a report with a new sequence number
 * replaces the one in force (validity 0 ends it), and the loss algorithm
 * leaves that share of the requests unsent (cxc_abate).
 */
static void cxc_heed(struct cxc_run *run, const struct cxc_olr *o, struct timespec now)
{
	if (!run->doic || !o->has || (run->olr.known && o->seq <= run->olr.seq) || o->pct > 100)
		return;
	run->olr.known = 1;
	run->olr.seq = o->seq;
	run->olr.pct = o->pct;
	run->olr.until = cxc_add_ms(now, o->validity * 1000);
}

/* Under run->mtx: leave this request unsent? */
static int cxc_abate(struct cxc_run *run)
{
	struct timespec now = cxc_now(CLOCK_MONOTONIC);

	if (!run->olr.pct || cxc_ms_between(&now, &run->olr.until) <= 0)
		return 0;
	run->olr.credit += run->olr.pct;
	if (run->olr.credit < 100)
		return 0;
	run->olr.credit -= 100;
	return 1;
}

static void cxc_on_answer(void *data, struct msg **msg)
{
	struct cxc_req *r = data;
	struct cxc_run *run = r->run;
	struct timespec now = cxc_now(CLOCK_MONOTONIC);
	struct cxc_codes codes;
	struct cxc_olr olr;

	if (run->answer_log >= 0)
		cxc_log_answer(r, *msg);
	cxc_answer_codes(*msg, &codes);
	cxc_answer_olr(*msg, &olr);
	pthread_mutex_lock(&run->mtx);
	cxc_heed(run, &olr, now);
	if (r->state == CXC_PENDING) {
		r->latency_ms = cxc_ms_between(&r->sent, &now);
		r->codes = codes;
		if (run->keep_answer) {
			r->answer = *msg;
			*msg = NULL;
		}
		cxc_settle(r, CXC_ANSWERED);
	}
	pthread_mutex_unlock(&run->mtx);
	if (*msg) {
		fd_msg_free(*msg);
		*msg = NULL;
	}
}

/* The core frees the request when we leave it in *req. */
static void cxc_on_expire(void *data, DiamId_t sentto, size_t len, struct msg **req)
{
	struct cxc_req *r = data;

	(void)sentto;
	(void)len;
	(void)req;
	pthread_mutex_lock(&r->run->mtx);
	if (r->state == CXC_PENDING)
		cxc_settle(r, CXC_EXPIRED);
	pthread_mutex_unlock(&r->run->mtx);
}

/* ------------------------------------------------------------ sender */

/*
 * Our own deadline: requests go out in order with the same timeout, so
 * the overdue ones are a prefix of those still pending.  Caller holds
 * run->mtx.
 */
static void cxc_reap_overdue(struct cxc_run *run)
{
	struct timespec now = cxc_now(CLOCK_MONOTONIC);
	unsigned i;

	while (run->oldest < run->next && run->reqs[run->oldest].state != CXC_PENDING)
		run->oldest++;
	for (i = run->oldest; i < run->next; i++) {
		struct cxc_req *r = &run->reqs[i];

		if (cxc_ms_between(&r->sent, &now) < run->timeout_ms + CXC_GRACE_MS)
			break;
		if (r->state == CXC_PENDING) {
			fprintf(stderr, "cx_client: request %u: no answer and no expiry after %u ms\n",
				i, run->timeout_ms + CXC_GRACE_MS);
			cxc_settle(r, CXC_LOST);
		}
	}
}

/* Wait, with the lock held, until at most `limit` requests are in flight. */
static void cxc_wait_inflight(struct cxc_run *run, unsigned limit)
{
	while (run->inflight > limit) {
		struct timespec until = cxc_add_ms(cxc_now(CLOCK_MONOTONIC), CXC_TICK_MS);

		pthread_cond_timedwait(&run->cond, &run->mtx, &until);
		cxc_reap_overdue(run);
	}
}

static int cxc_send_one(const struct cxc_opts *o, const struct cxc_target *t,
			struct cxc_run *run, unsigned i)
{
	struct cxc_req *r = &run->reqs[i];
	struct msg *msg = NULL;
	struct timespec expiry;
	unsigned seq = (unsigned)(r - run->reqs);
	int rc;

	if (run->ids.n) {
		/* --ids: this request's own identities. */
		struct cxc_opts oi = *o;
		size_t k = seq % run->ids.n;

		oi.impi = run->ids.impi[k];
		oi.impu = oi.impus[0] = run->ids.impu[k];
		oi.n_impus = 1;
		rc = cxc_msg_build(&oi, t, seq, &msg);
	} else {
		rc = cxc_msg_build(o, t, seq, &msg);
	}
	if (rc)
		return rc;
	pthread_mutex_lock(&run->mtx);
	r->state = CXC_PENDING;
	r->sent = cxc_now(CLOCK_MONOTONIC);
	run->inflight++;
	run->next++;
	pthread_mutex_unlock(&run->mtx);
	/* fd_msg_send_timeout's deadline is absolute, on CLOCK_REALTIME. */
	expiry = cxc_add_ms(cxc_now(CLOCK_REALTIME), run->timeout_ms);
	rc = fd_msg_send_timeout(&msg, cxc_on_answer, r, cxc_on_expire, &expiry);
	if (rc) {
		fprintf(stderr, "cx_client: fd_msg_send_timeout: %s\n", strerror(rc));
		fd_msg_free(msg);
		pthread_mutex_lock(&run->mtx);
		if (r->state == CXC_PENDING)
			cxc_settle(r, CXC_FAILED);
		pthread_mutex_unlock(&run->mtx);
	}
	return rc;
}

/* With --rate: sleep until request i's turn, t0 + i / rate (open loop:
 * a slow answer does not delay the next request, only --inflight does). */
static void cxc_pace(const struct cxc_opts *o, const struct timespec *t0, unsigned i)
{
	struct timespec at = *t0;
	long long ns;

	if (!o->rate)
		return;
	ns = (long long)i * 1000000000LL / o->rate;
	at.tv_sec += ns / 1000000000LL;
	at.tv_nsec += ns % 1000000000LL;
	if (at.tv_nsec >= 1000000000L) {
		at.tv_sec++;
		at.tv_nsec -= 1000000000L;
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, NULL) == EINTR)
		;
}

/* With --duration: has the time to start requests run out? */
static int cxc_time_up(const struct cxc_opts *o, const struct timespec *t0)
{
	struct timespec now;

	if (!o->duration_s)
		return 0;
	now = cxc_now(CLOCK_MONOTONIC);
	return cxc_ms_between(t0, &now) >= o->duration_s * 1000.0;
}

/* Send every request (with --duration: until the time is up; the run is
 * then the requests sent), never more than --inflight at once, then wait
 * for the last ones. */
static int cxc_send_loop(const struct cxc_opts *o, const struct cxc_target *t, struct cxc_run *run)
{
	struct timespec t0 = cxc_now(CLOCK_MONOTONIC), t1;
	unsigned i;
	int rc = 0;

	for (i = 0; i < run->n && !rc; i++) {
		cxc_pace(o, &t0, i);
		pthread_mutex_lock(&run->mtx);
		cxc_wait_inflight(run, o->inflight - 1);
		if (cxc_time_up(o, &t0))
			run->n = i;
		if (i < run->n && cxc_abate(run))
			run->reqs[i].state = CXC_ABATED;
		pthread_mutex_unlock(&run->mtx);
		if (i < run->n && run->reqs[i].state != CXC_ABATED)
			rc = cxc_send_one(o, t, run, i);
	}
	t1 = cxc_now(CLOCK_MONOTONIC);
	run->send_ms = cxc_ms_between(&t0, &t1);
	pthread_mutex_lock(&run->mtx);
	cxc_wait_inflight(run, 0);
	pthread_mutex_unlock(&run->mtx);
	return rc;
}

/* ----------------------------------------------------------- results */

/* Milliseconds to the microsecond, so that the JSON stays readable. */
static double cxc_round_us(double ms)
{
	return (double)(long long)(ms * 1000.0 + 0.5) / 1000.0;
}

static int cxc_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted samples. */
static double cxc_pct(const double *s, size_t n, double p)
{
	size_t rank = (size_t)(p / 100.0 * (double)n + 0.999999);

	return cxc_round_us(s[rank ? rank - 1 : 0]);
}

/*
 * Latency histogram: buckets 1/CXC_HIST_STEPS of a power of two wide
 * (about 4 %), from 1 us; as [[lower_us, upper_us, count], ...] for the
 * non-empty ones, so that a benchmark can merge runs and take
 * percentiles of the whole (medians of per-run p99.9 mean little).
 */
#define CXC_HIST_STEPS 16

static int cxc_bucket(double ms)
{
	double us = ms * 1000.0;

	return us < 1.0 ? 0 : (int)floor(log2(us) * CXC_HIST_STEPS);
}

static json_t *cxc_histogram(const double *sorted, size_t n)
{
	json_t *h = json_array();
	size_t i = 0;

	while (h && i < n) {
		int b = cxc_bucket(sorted[i]);
		size_t k = 0;

		for (; i < n && cxc_bucket(sorted[i]) == b; i++)
			k++;
		json_array_append_new(h, json_pack("[f,f,I]", b ? exp2((double)b / CXC_HIST_STEPS) : 0.0,
						   exp2((double)(b + 1) / CXC_HIST_STEPS), (json_int_t)k));
	}
	return h ? h : json_null();
}

/* The code an answer is counted under: its Result-Code, else its
 * Experimental-Result-Code (0: neither). */
static uint32_t cxc_code_of(const struct cxc_req *r)
{
	return r->codes.has_rc ? r->codes.rc : r->codes.has_exp ? r->codes.exp_code : 0;
}

/* Latency of the answered requests, of those with that code when code is
 * not 0. */
static json_t *cxc_latency(const struct cxc_run *run, size_t answered, uint32_t code)
{
	double *s;
	size_t i, k = 0;
	json_t *o;

	if (!answered || !(s = malloc(answered * sizeof(*s))))
		return json_null();
	for (i = 0; i < run->n; i++)
		if (run->reqs[i].state == CXC_ANSWERED && (!code || cxc_code_of(&run->reqs[i]) == code))
			s[k++] = run->reqs[i].latency_ms;
	if (!k) {
		free(s);
		return json_null();
	}
	qsort(s, k, sizeof(*s), cxc_cmp_double);
	o = json_pack("{s:f,s:f,s:f,s:f,s:f,s:o}", "min", cxc_round_us(s[0]),
		      "median", cxc_pct(s, k, 50), "p99", cxc_pct(s, k, 99),
		      "p99_9", cxc_pct(s, k, 99.9), "max", cxc_round_us(s[k - 1]),
		      "histogram_us", cxc_histogram(s, k));
	free(s);
	return o;
}

static void cxc_count_code(json_t *obj, uint32_t code)
{
	char key[16];
	json_t *v;

	snprintf(key, sizeof(key), "%u", code);
	v = json_object_get(obj, key);
	json_object_set_new(obj, key, json_integer(v ? json_integer_value(v) + 1 : 1));
}

/* {"2001": {latency}, "3004": {...}}: what each outcome cost the asker
 * (an overload refusal should be quick). */
static json_t *cxc_latency_by_code(const struct cxc_run *run, size_t answered)
{
	json_t *by = json_object();
	char key[16];
	unsigned i;

	for (i = 0; i < run->n; i++) {
		if (run->reqs[i].state != CXC_ANSWERED)
			continue;
		snprintf(key, sizeof(key), "%u", cxc_code_of(&run->reqs[i]));
		if (!json_object_get(by, key))
			json_object_set_new(by, key, cxc_latency(run, answered,
			                                         cxc_code_of(&run->reqs[i])));
	}
	return by;
}

static json_t *cxc_summary(const struct cxc_opts *o, const struct cxc_run *run, double elapsed_ms)
{
	json_t *rcs = json_object(), *exps = json_object(), *j;
	size_t n[CXC_NSTATES] = { 0 };
	unsigned i;

	for (i = 0; i < run->n; i++) {
		const struct cxc_req *r = &run->reqs[i];

		n[r->state]++;
		if (r->state == CXC_ANSWERED && r->codes.has_rc)
			cxc_count_code(rcs, r->codes.rc);
		if (r->state == CXC_ANSWERED && r->codes.has_exp)
			cxc_count_code(exps, r->codes.exp_code);
	}
	j = json_pack("{s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:o,s:o,s:o,s:f,s:f}",
		"command", cxc_request_name(o->cmd), "count", (json_int_t)run->n,
		"inflight", (json_int_t)o->inflight, "answered", (json_int_t)n[CXC_ANSWERED],
		"expired", (json_int_t)n[CXC_EXPIRED], "lost", (json_int_t)n[CXC_LOST],
		"send_failed", (json_int_t)(n[CXC_FAILED] + n[CXC_UNSENT]),
		"result_codes", rcs, "experimental_result_codes", exps,
		"latency_ms", cxc_latency(run, n[CXC_ANSWERED], 0),
		"elapsed_ms", cxc_round_us(elapsed_ms),
		"answers_per_s", elapsed_ms > 0 ? cxc_round_us(n[CXC_ANSWERED] * 1000.0 / elapsed_ms) : 0.0);
	if (j) {
		json_object_set_new(j, "latency_ms_by_code", cxc_latency_by_code(run, n[CXC_ANSWERED]));
		if (o->rate)
			json_object_set_new(j, "sent_per_s", json_real(run->send_ms > 0
				? cxc_round_us(run->n * 1000.0 / run->send_ms) : 0.0));
		if (o->doic)
			json_object_set_new(j, "abated", json_integer((json_int_t)n[CXC_ABATED]));
	}
	return j;
}

static int cxc_print(json_t *j)
{
	int rc;

	if (!j) {
		fprintf(stderr, "cx_client: could not build the JSON output\n");
		return CXC_EXIT_ERROR;
	}
	rc = json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));
	json_decref(j);
	fputc('\n', stdout);
	return (rc || fflush(stdout)) ? CXC_EXIT_ERROR : 0;
}

/* Exit code of a run: the worst outcome wins. */
static int cxc_outcome(const struct cxc_run *run, int send_rc)
{
	int no_answer = 0;
	unsigned i;

	if (send_rc)
		return CXC_EXIT_ERROR;
	for (i = 0; i < run->n; i++) {
		if (run->reqs[i].state == CXC_FAILED || run->reqs[i].state == CXC_UNSENT)
			return CXC_EXIT_ERROR;
		if (run->reqs[i].state != CXC_ANSWERED && run->reqs[i].state != CXC_ABATED)
			no_answer = 1;
	}
	return no_answer ? CXC_EXIT_NO_ANSWER : CXC_EXIT_OK;
}

static int cxc_report(const struct cxc_opts *o, struct cxc_run *run, int send_rc, double ms)
{
	int rc = cxc_outcome(run, send_rc);
	int prc;

	if (o->summary) {
		prc = cxc_print(cxc_summary(o, run, ms));
		return rc ? rc : prc;
	}
	if (rc == CXC_EXIT_NO_ANSWER)
		fprintf(stderr, "cx_client: no answer within %u ms\n", o->timeout_ms);
	if (rc)
		return rc;
	return cxc_print(cxc_json_answer(run->reqs[0].answer));
}

/* ------------------------------------------------------------- entry */

/*
 * The run's slots are deliberately not freed: a callback of the core may
 * still hold one until fd_core_wait_shutdown_complete() returns, and the
 * process ends right after.  Kept answers are freed here.
 */
int cxc_send_all(const struct cxc_opts *o, const struct cxc_target *t)
{
	static struct cxc_run run;
	pthread_condattr_t ca;
	struct timespec t0, t1;
	unsigned i;
	int rc;

	run.n = o->count;
	run.timeout_ms = o->timeout_ms;
	run.keep_answer = !o->summary;
	run.doic = o->doic;
	if (o->ids_file && (rc = cxc_ids_load(o->ids_file, &run.ids)))
		return rc;
	if (!(run.reqs = calloc(run.n, sizeof(*run.reqs)))) {
		fprintf(stderr, "cx_client: out of memory for %u requests\n", run.n);
		return CXC_EXIT_ERROR;
	}
	for (i = 0; i < run.n; i++)
		run.reqs[i].run = &run;
	run.answer_log = o->answer_log ? open(o->answer_log, O_WRONLY | O_APPEND | O_CREAT, 0644)
				       : -1;
	if (o->answer_log && run.answer_log < 0) {
		fprintf(stderr, "cx_client: %s: %s\n", o->answer_log, strerror(errno));
		return CXC_EXIT_ERROR;
	}
	pthread_mutex_init(&run.mtx, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&run.cond, &ca);
	pthread_condattr_destroy(&ca);

	t0 = cxc_now(CLOCK_MONOTONIC);
	rc = cxc_send_loop(o, t, &run);
	t1 = cxc_now(CLOCK_MONOTONIC);
	rc = cxc_report(o, &run, rc, cxc_ms_between(&t0, &t1));

	pthread_mutex_lock(&run.mtx);
	for (i = 0; i < run.n; i++) {
		fd_msg_free(run.reqs[i].answer);
		run.reqs[i].answer = NULL;
	}
	pthread_mutex_unlock(&run.mtx);
	return rc;
}
