/*
 * test_hss_push.c: the HSS-initiated requests, Push-Profile-Request and
 * Registration-Termination-Request (TS 29.229 6.1.9-6.1.12), on demand.
 *
 * A test writes lines "ppr IMPI" or "rtr IMPI" into the file named by
 * "push_trigger"; a thread looks for it every 100 ms, takes it (rename,
 * then read and remove), and sends each request to where the user's last
 * SAR came from (Destination-Host = its Origin-Host, as a real HSS does):
 *
 *   PPR: User-Name, User-Data (the profile as the SAA gives it)
 *   RTR: User-Name, a Public-Identity per IMPU, Deregistration-Reason
 *        { Reason-Code PERMANENT_TERMINATION (0) }
 *
 * Each outcome is one log line: "test_hss: PPA for alice@a.test: result
 * 2001", "... experimental 5001", "... no answer", or why nothing was sent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_hss.h"

#define PUSH_POLL_MS 100
#define PUSH_TIMEOUT_S 5

struct push {
	char what[4];               /* "PPR" or "RTR" */
	char impi[THSS_ID_MAX + 1];
};

static pthread_t push_thr;
static pthread_mutex_t push_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t push_cond = PTHREAD_COND_INITIALIZER;
static int push_stop, push_started;

/* ---- answers ----------------------------------------------------------- */

static void push_log_answer(struct push *p, struct msg *ans)
{
	struct avp *er = NULL;
	uint32_t code = 0;

	if (thss_avp_get_u32(ans, thss_dict.result_code, &code) == 0) {
		LOG_N("test_hss: %c%cA for %s: result %u", p->what[0], p->what[1], p->impi, code);
		return;
	}
	if (thss_avp_find(ans, NULL, thss_dict.exp_result, &er) == 0 && er &&
	    thss_avp_get_u32(er, thss_dict.exp_result_code, &code) == 0) {
		LOG_N("test_hss: %c%cA for %s: experimental %u", p->what[0], p->what[1], p->impi,
		      code);
		return;
	}
	LOG_N("test_hss: %c%cA for %s: no result code", p->what[0], p->what[1], p->impi);
}

static void push_answer_cb(void *data, struct msg **ans)
{
	struct push *p = data;

	push_log_answer(p, *ans);
	fd_msg_free(*ans);
	*ans = NULL;
	free(p);
}

static void push_expire_cb(void *data, DiamId_t sentto, size_t len, struct msg **req)
{
	struct push *p = data;

	(void)sentto;
	(void)len;
	LOG_N("test_hss: %c%cA for %s: no answer", p->what[0], p->what[1], p->impi);
	fd_msg_free(*req);
	*req = NULL;
	free(p);
}

/* ---- requests ---------------------------------------------------------- */

static int push_body(struct msg *m, const struct push *p, struct thss_sub *s)
{
	struct avp *dr;
	char *data;
	size_t i;
	int rc;

	CHECK_FCT(thss_avp_add_str(m, thss_dict.user_name, s->impi));
	if (p->what[0] == 'P') {
		if (!(data = thss_user_data(s)))
			return ENOMEM;
		rc = thss_avp_add_str(m, thss_dict.user_data, data);
		free(data);
		return rc;
	}
	for (i = 0; i < s->n_impus; i++)
		CHECK_FCT(thss_avp_add_str(m, thss_dict.public_identity, s->impus[i]));
	CHECK_FCT(thss_avp_add_group(m, thss_dict.dereg_reason, &dr));
	return thss_avp_add_i32(dr, thss_dict.reason_code, 0 /* PERMANENT_TERMINATION */);
}

/* Build and send one request; p is consumed. */
static int push_send(struct push *p)
{
	struct thss_sub *s = thss_subs_find(&thss_conf.subs, p->impi);
	char host[THSS_ID_MAX + 1], realm[THSS_ID_MAX + 1];
	struct timespec deadline;
	struct msg *m = NULL;
	int rc;

	if (!s || (thss_sub_scscf_get(s, host, realm), !host[0])) {
		LOG_N("test_hss: %s for %s not sent: %s", p->what, p->impi,
		      s ? "no SAR seen for this user" : "unknown user");
		free(p);
		return 0;
	}
	CHECK_FCT(fd_msg_new(p->what[0] == 'P' ? thss_dict.cmd_ppr : thss_dict.cmd_rtr,
	                     MSGFL_ALLOC_ETEID, &m));
	rc = fd_msg_new_session(m, (os0_t)"hss", 3);
	if (!rc)
		rc = thss_add_cx_app(m);
	if (!rc)
		rc = fd_msg_add_origin(m, 0);
	if (!rc)
		rc = thss_avp_add_str(m, thss_dict.dest_host, host);
	if (!rc)
		rc = thss_avp_add_str(m, thss_dict.dest_realm, realm);
	if (!rc)
		rc = push_body(m, p, s);
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += PUSH_TIMEOUT_S;
	if (!rc)
		rc = fd_msg_send_timeout(&m, push_answer_cb, p, push_expire_cb, &deadline);
	if (rc) {
		LOG_E("test_hss: %s for %s could not be sent: %s", p->what, p->impi, strerror(rc));
		fd_msg_free(m);
		free(p);
		return 0;
	}
	LOG_N("test_hss: %s for %s sent to %s", p->what, p->impi, host);
	return 0;
}

/* One line of the trigger file: "ppr IMPI" or "rtr IMPI". */
static void push_line(const char *line)
{
	struct push *p = calloc(1, sizeof(*p));
	char cmd[8];

	if (!p)
		return;
	if (sscanf(line, "%7s %255s", cmd, p->impi) != 2 || (strcmp(cmd, "ppr") && strcmp(cmd, "rtr"))) {
		LOG_E("test_hss: push trigger: cannot read '%s' (\"ppr IMPI\" or \"rtr IMPI\")", line);
		free(p);
		return;
	}
	snprintf(p->what, sizeof(p->what), "%s", cmd[0] == 'p' ? "PPR" : "RTR");
	push_send(p);
}

/* Take the trigger file, if there is one, and act on each line. */
static void push_poll(void)
{
	char taken[4096], line[512];
	FILE *f;

	snprintf(taken, sizeof(taken), "%s.taken", thss_conf.push_trigger);
	if (rename(thss_conf.push_trigger, taken))
		return;
	if (!(f = fopen(taken, "r")))
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0])
			push_line(line);
	}
	fclose(f);
	unlink(taken);
}

static void *push_thread(void *unused)
{
	struct timespec t;

	(void)unused;
	fd_log_threadname("test_hss push");
	pthread_mutex_lock(&push_lock);
	while (!push_stop) {
		clock_gettime(CLOCK_REALTIME, &t);
		t.tv_nsec += PUSH_POLL_MS * 1000000L;
		if (t.tv_nsec >= 1000000000L) {
			t.tv_sec++;
			t.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&push_cond, &push_lock, &t);
		pthread_mutex_unlock(&push_lock);
		push_poll();
		pthread_mutex_lock(&push_lock);
	}
	pthread_mutex_unlock(&push_lock);
	return NULL;
}

int thss_push_init(void)
{
	if (!thss_conf.push_trigger)
		return 0;
	CHECK_POSIX(pthread_create(&push_thr, NULL, push_thread, NULL));
	push_started = 1;
	return 0;
}

void thss_push_fini(void)
{
	if (!push_started)
		return;
	pthread_mutex_lock(&push_lock);
	push_stop = 1;
	pthread_cond_signal(&push_cond);
	pthread_mutex_unlock(&push_lock);
	pthread_join(push_thr, NULL);
	push_started = 0;
}
