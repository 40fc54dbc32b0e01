/*
 * dict_probe_wire.c: two freeDiameterd, both with dict_cx, exchange Cx
 * messages over TCP, so that the dictionary is exercised on the daemon's
 * own receive path (fd_msg_parse_or_error: dictionary and rules, before any
 * handler or answer callback sees the message).
 *
 * The server ("hss.test.local") advertises Cx and answers each MAR with an
 * MAA carrying three AKA vectors, except for a MAR whose User-Name starts
 * with "broken-answer": that one gets an MAA without Auth-Session-State.
 * The client ("scscf.test.local") advertises Cx, waits until the server is
 * OPEN, then runs three exchanges, one at a time, each with a deadline:
 *
 *   wire-MAA              a valid MAR; the MAA arrives with Result-Code
 *                         2001 and the three vectors intact;
 *   wire-invalid-MAA      the server answers 2001 but breaks the MAA's
 *                         ABNF (no Auth-Session-State): the client's
 *                         freeDiameter matches the answer to its request,
 *                         then drops it (fd_msg_parse_or_error discards an
 *                         invalid answer unless its Result-Code is an
 *                         error), so NEITHER the answer nor the expiry
 *                         callback fires: handlers need their own deadline
 *                         (ARCHITECTURE.md pitfalls 1 and 3);
 *   wire-invalid-MAR      a MAR without Server-Name: the server's
 *                         freeDiameter answers 5005 by itself, in an MAA
 *                         without Vendor-Specific-Application-Id and
 *                         Auth-Session-State; being an error answer, it
 *                         still reaches the client's answer callback.
 *
 * Callbacks never wait: they record the outcome under a lock and signal
 * the client thread, which is the only one that waits (with a deadline).
 */
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "dict_probe.h"

#define DICT (fd_g_config->cnf_dict)
#define WIRE_EXPIRY_S   1     /* the expiry timer of each request */
#define WIRE_DEADLINE_S 3     /* how long the client waits for a callback */
#define WIRE_OPEN_S     30    /* for the peer to reach STATE_OPEN */

static struct disp_hdl *mar_hdl;
static pthread_t client_thr;
static int client_started;
static char server_id[256];

/* The outcome of one exchange, written by a callback, read by the thread. */
enum wire_how { WIRE_NOTHING, WIRE_ANSWER, WIRE_EXPIRY };

struct exchange {
	enum wire_how how;
	int rules_ok;          /* the answer passed fd_msg_parse_rules */
	uint32_t result_code;  /* its Result-Code, 0 if none */
	char detail[512];
};

static pthread_mutex_t ex_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ex_cond = PTHREAD_COND_INITIALIZER;
static struct exchange ex;

static int advertise_cx(void)
{
	application_id_t id = DPR_APP_CX;
	vendor_id_t vid = DPR_VENDOR_3GPP;
	struct dict_object *app = NULL, *vendor = NULL;

	CHECK_FCT(fd_dict_search(DICT, DICT_APPLICATION, APPLICATION_BY_ID, &id, &app, ENOENT));
	CHECK_FCT(fd_dict_search(DICT, DICT_VENDOR, VENDOR_BY_ID, &vid, &vendor, ENOENT));
	/* Pitfall 5: peers that do not advertise Cx are skipped by routing. */
	return fd_disp_app_support(app, vendor, 1, 0);
}

/* The first top-level AVP of a model (NULL if absent). */
static struct avp_hdr *top_avp(struct msg *msg, vendor_id_t v, const char *name)
{
	struct avp *avp = NULL;
	struct avp_hdr *h = NULL;
	struct dict_object *model = dpr_avp(v, name);

	if (!model || fd_msg_search_avp(msg, model, &avp) || !avp || fd_msg_avp_hdr(avp, &h))
		return NULL;
	return h;
}

/* ------------------------------------------------------------------ server */

static int server_on_mar(struct msg **msg, struct avp *avp, struct session *sess, void *opaque,
			 enum disp_action *act)
{
	static const char *const head_skip[] = { "Session-Id", NULL };
	static const char *const broken_skip[] = { "Session-Id", "Auth-Session-State", NULL };
	struct avp_hdr *user = top_avp(*msg, 0, "User-Name");
	int broken = user && user->avp_value && user->avp_value->os.len >= 13
		     && !memcmp(user->avp_value->os.data, "broken-answer", 13);

	(void)avp;
	(void)sess;
	(void)opaque;
	/* freeDiameter has already checked the MAR against the rules. */
	dpr_pass(broken ? "wire-server-MAR-broken-answer" : "wire-server-MAR",
		 "MAR received, valid against the rules%s",
		 broken ? "; answering without Auth-Session-State" : "");

	CHECK_FCT(fd_msg_new_answer_from_req(DICT, msg, 0));
	CHECK_FCT(dpr_add_part(*msg, "MAA", 0, broken ? broken_skip : head_skip));
	CHECK_FCT(fd_msg_add_origin(*msg, 0));
	CHECK_FCT(dpr_add_part(*msg, "MAA", 2, NULL));
	CHECK_FCT(fd_msg_send(msg, NULL, NULL));
	*act = DISP_ACT_CONT;
	return 0;
}

static int server_start(void)
{
	struct disp_when when;

	CHECK_FCT(advertise_cx());
	memset(&when, 0, sizeof(when));
	when.command = dpr_cmd("Multimedia-Auth-Request");
	CHECK_FCT(fd_dict_search(DICT, DICT_APPLICATION, APPLICATION_OF_COMMAND, when.command,
				 &when.app, ENOENT));
	return fd_disp_register(server_on_mar, DISP_HOW_CC, &when, NULL, &mar_hdl);
}

/* ------------------------------------------------------------------ client */

static void finish_exchange(int how, int rules_ok, uint32_t result_code, const char *detail)
{
	pthread_mutex_lock(&ex_lock);
	ex.how = how;
	ex.rules_ok = rules_ok;
	ex.result_code = result_code;
	snprintf(ex.detail, sizeof(ex.detail), "%s", detail);
	pthread_cond_signal(&ex_cond);
	pthread_mutex_unlock(&ex_lock);
}

static void client_on_answer(void *data, struct msg **msg)
{
	struct avp_hdr *rc = top_avp(*msg, 0, "Result-Code");
	uint32_t code = (rc && rc->avp_value) ? rc->avp_value->u32 : 0;
	struct fd_pei pei;
	char detail[512];
	int rules_ok;

	(void)data;
	memset(&pei, 0, sizeof(pei));
	rules_ok = fd_msg_parse_rules(*msg, DICT, &pei) == 0;
	snprintf(detail, sizeof(detail), "an answer with Result-Code %u that %s the rules%s%s", code,
		 rules_ok ? "passes" : "breaks", rules_ok ? "" : ": ",
		 rules_ok ? "" : (pei.pei_errcode ? pei.pei_errcode : "?"));
	if (pei.pei_avp_free && pei.pei_avp)
		fd_msg_free(pei.pei_avp);
	if (rules_ok && code == 2001)
		dpr_check_aka_items("wire-MAA-three-AKA-items", *msg);
	/* Pitfall 4: always consume the answer. */
	fd_msg_free(*msg);
	*msg = NULL;
	finish_exchange(WIRE_ANSWER, rules_ok, code, detail);
}

static void client_on_expiry(void *data, DiamId_t sentto, size_t len, struct msg **req)
{
	(void)data;
	(void)sentto;
	(void)len;
	fd_msg_free(*req);
	*req = NULL;
	finish_exchange(WIRE_EXPIRY, 0, 0, "no answer: the expiry callback fired");
}

/* Send one request, then wait until WIRE_DEADLINE_S for its answer or its
 * expiry (due after WIRE_EXPIRY_S); the outcome is left in `out`. */
static int exchange(struct msg *req, struct exchange *out)
{
	struct timespec expiry, deadline;
	int ret = 0;

	pthread_mutex_lock(&ex_lock);
	ex.how = WIRE_NOTHING;
	snprintf(ex.detail, sizeof(ex.detail), "neither the answer nor the expiry callback fired");
	pthread_mutex_unlock(&ex_lock);

	clock_gettime(CLOCK_REALTIME, &expiry);
	deadline = expiry;
	expiry.tv_sec += WIRE_EXPIRY_S;
	deadline.tv_sec += WIRE_DEADLINE_S;
	/* Pitfall 1: pass an answer callback, or the data is dropped. */
	CHECK_FCT(fd_msg_send_timeout(&req, client_on_answer, NULL, client_on_expiry, &expiry));

	pthread_mutex_lock(&ex_lock);
	while (ex.how == WIRE_NOTHING && ret == 0)
		ret = pthread_cond_timedwait(&ex_cond, &ex_lock, &deadline);
	out->how = ex.how;
	out->rules_ok = ex.rules_ok;
	out->result_code = ex.result_code;
	snprintf(out->detail, sizeof(out->detail), "%s", ex.detail);
	pthread_mutex_unlock(&ex_lock);
	return 0;
}

static int set_user_name(struct msg *msg, const char *name)
{
	struct dict_object *model = dpr_avp(0, "User-Name");
	union avp_value val;
	struct avp *avp = NULL;

	CHECK_FCT(fd_msg_search_avp(msg, model, &avp));
	memset(&val, 0, sizeof(val));
	val.os.data = (uint8_t *)name;
	val.os.len = strlen(name);
	return fd_msg_avp_setvalue(avp, &val);
}

static int drop_avp(struct msg *msg, vendor_id_t vendor, const char *name)
{
	struct avp *avp = NULL;

	CHECK_FCT(fd_msg_search_avp(msg, dpr_avp(vendor, name), &avp));
	return avp ? fd_msg_free(avp) : ENOENT;
}

static int wait_open(void)
{
	int waited;

	for (waited = 0; waited < WIRE_OPEN_S * 10; waited++) {
		struct peer_hdr *peer = NULL;
		struct timespec tick = { 0, 100 * 1000 * 1000 };

		if (!fd_peer_getbyid(server_id, strlen(server_id), 0, &peer) && peer
		    && fd_peer_get_state(peer) == STATE_OPEN)
			return 0;
		nanosleep(&tick, NULL);
	}
	return ETIMEDOUT;
}

static void run_exchanges(void)
{
	struct exchange out;
	struct msg *req = NULL;

	/* 1. A valid MAR gets a valid MAA. */
	if (dpr_build("MAR", &req) || exchange(req, &out))
		return;
	if (out.how == WIRE_ANSWER && out.rules_ok && out.result_code == 2001)
		dpr_pass("wire-MAA", "MAR sent over TCP, MAA received: %s", out.detail);
	else
		dpr_fail("wire-MAA", "MAR sent over TCP: %s", out.detail);

	/* 2. A success MAA that breaks the ABNF (no Auth-Session-State) is
	 *    dropped after it was matched to its request: no callback at all. */
	if (dpr_build("MAR", &req) || set_user_name(req, "broken-answer@ims.test.local")
	    || exchange(req, &out))
		return;
	if (out.how == WIRE_NOTHING)
		dpr_pass("wire-invalid-MAA", "a 2001 MAA without Auth-Session-State is dropped by "
			 "freeDiameter; neither the answer nor the expiry callback fired in %d s "
			 "(expiry was due after %d s)", WIRE_DEADLINE_S, WIRE_EXPIRY_S);
	else
		dpr_fail("wire-invalid-MAA", "expected no callback at all, got: %s", out.detail);

	/* 3. A MAR without Server-Name: the server's freeDiameter answers 5005
	 *    by itself, without Vendor-Specific-Application-Id and
	 *    Auth-Session-State; error answers are handed over anyway. */
	if (dpr_build("MAR", &req) || drop_avp(req, DPR_VENDOR_3GPP, "Server-Name")
	    || exchange(req, &out))
		return;
	if (out.how == WIRE_ANSWER && !out.rules_ok && out.result_code == 5005)
		dpr_pass("wire-invalid-MAR", "the server's freeDiameter answered 5005 itself, with "
			 "an MAA that breaks the ABNF, and the client's freeDiameter still passed it "
			 "to the answer callback (error answers are rescued)");
	else
		dpr_fail("wire-invalid-MAR", "expected a 5005 answer that breaks the rules, got: %s",
			 out.detail);
}

static void *client_main(void *arg)
{
	(void)arg;
	fd_log_threadname("dict_probe client");
	/* Never returns if start-up fails (pitfall 9); fini cancels us. */
	if (fd_core_waitstartcomplete())
		return NULL;
	if (wait_open()) {
		dpr_fail("wire-open", "%s not in STATE_OPEN after %d s", server_id, WIRE_OPEN_S);
	} else {
		dpr_pass("wire-open", "%s is OPEN", server_id);
		run_exchanges();
	}
	dpr_finish();
	return NULL;
}

static int client_start(const char *peer)
{
	if (!peer || !peer[0]) {
		dpr_fail("wire", "role = client needs peer = <server identity>");
		return EINVAL;
	}
	snprintf(server_id, sizeof(server_id), "%s", peer);
	CHECK_FCT(advertise_cx());
	CHECK_POSIX(pthread_create(&client_thr, NULL, client_main, NULL));
	client_started = 1;
	return 0;
}

int dpr_wire_start(const char *role, const char *peer)
{
	if (!strcmp(role, "server"))
		return server_start();
	if (!strcmp(role, "client"))
		return client_start(peer);
	dpr_fail("wire", "unknown role '%s'", role);
	return EINVAL;
}

void dpr_wire_stop(void)
{
	if (mar_hdl)
		fd_disp_unregister(&mar_hdl, NULL);
	if (client_started)
		fd_thr_term(&client_thr);
	client_started = 0;
}
