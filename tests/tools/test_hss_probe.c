/*
 * test_hss_probe.c: a throwaway extension (test_hss_probe.fdx) that sends
 * MARs to the test HSS and checks every MAA, for
 * tests/integration/hss_mar.sh.  It goes once tools/cx_client can do the
 * same from the shell.
 *
 * Configuration: JSON, with the test HSS's subscriber format (see
 * test_hss.h) for the identities and keys the probe plays the UE with:
 *
 *   { "result": "probe.out", "hss": "hss.test.local", "realm": "hss.test",
 *     "subscribers": [ ... ] }
 *
 * Once the peer "hss" is OPEN, a thread sends one MAR at a time and writes
 * one line per case to the result file, then "DONE pass=N fail=N":
 *
 *   PASS <case>: <detail>     (digest cases put ha1=<hex> in the detail,
 *   FAIL <case>: <why>         for the shell to compare with md5sum)
 *
 * Every answer must pass dict_cx's MAA rules (fd_msg_parse_rules), carry
 * VSAI {10415, 16777216}, Auth-Session-State 1, the request's User-Name and
 * Public-Identity, and the expected Result-Code or Experimental-Result.
 * Successes must carry SIP-Number-Auth-Items equal to the number of items,
 * numbered from 1.  An AKA item is checked as a USIM would (aka_ue_check
 * with the probe's own keys: MAC-A, then RES == XRES, CK, IK), and its SQN
 * must be SQN_HE + 1 where the probe tracks SQN_HE per subscriber, which
 * pins the SQN policy and the resynchronisation down.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "test_hss.h"

#define DICT (fd_g_config->cnf_dict)
#define PROBE_OPEN_WAIT_S 30
#define PROBE_ANSWER_WAIT_S 3
#define PROBE_SERVER_NAME "sip:scscf.probe.test:6060"

/* One MAR and what its MAA must say. */
struct pcase {
	char name[96];
	struct thss_sub *sub;   /* the keys that check the vectors, or NULL */
	const char *impi, *impu, *scheme;
	uint32_t n_asked;
	int resync;             /* 0: none; 1: genuine AUTS; -1: AUTS with a bad MAC-S */
	uint32_t want_rc;       /* Result-Code, or 0 */
	uint32_t want_exp;      /* Experimental-Result-Code, or 0 */
	unsigned want_items;
	const char *want_scheme;
};

static struct {
	char *result, *hss, *realm;
	struct thss_subs subs;
	FILE *out;
	unsigned n_pass, n_fail;
	pthread_t thread;
	int started;

	pthread_mutex_t lock;   /* guards what follows */
	pthread_cond_t cond;
	uintptr_t seq;          /* the request we wait for */
	struct msg *answer;
	int expired;
	volatile int stop;      /* also read unlocked by the polling loops */
} P = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

static void report(int pass, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void report(int pass, const char *name, const char *fmt, ...)
{
	char detail[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	pass ? P.n_pass++ : P.n_fail++;
	fprintf(P.out, "%s %s: %s\n", pass ? "PASS" : "FAIL", name, detail);
	fflush(P.out);
	if (pass)
		LOG_N("test_hss_probe: PASS %s: %s", name, detail);
	else
		LOG_E("test_hss_probe: FAIL %s: %s", name, detail);
}

/* ---------------------------------------------------------------- exchange */

static void answer_cb(void *data, struct msg **msg)
{
	pthread_mutex_lock(&P.lock);
	if ((uintptr_t)data == P.seq && !P.answer) {
		P.answer = *msg;
		*msg = NULL;
		pthread_cond_signal(&P.cond);
	}
	pthread_mutex_unlock(&P.lock);
	if (*msg) /* a late answer to an earlier case */
		fd_msg_free(*msg);
	*msg = NULL;
}

static void expire_cb(void *data, DiamId_t sentto, size_t len, struct msg **req)
{
	(void)sentto;
	(void)len;
	(void)req; /* freed by the daemon on return */
	pthread_mutex_lock(&P.lock);
	if ((uintptr_t)data == P.seq) {
		P.expired = 1;
		pthread_cond_signal(&P.cond);
	}
	pthread_mutex_unlock(&P.lock);
}

static int build_mar(const struct pcase *c, const uint8_t *authz, size_t authz_len,
                     struct msg *m)
{
	struct avp *item;

	CHECK_FCT(fd_msg_new_session(m, (os0_t)"probe", 5));
	CHECK_FCT(thss_add_cx_app(m));
	CHECK_FCT(fd_msg_add_origin(m, 0));
	CHECK_FCT(thss_avp_add_str(m, thss_dict.dest_realm, P.realm));
	CHECK_FCT(thss_avp_add_str(m, thss_dict.user_name, c->impi));
	CHECK_FCT(thss_avp_add_str(m, thss_dict.public_identity, c->impu));
	CHECK_FCT(thss_avp_add_u32(m, thss_dict.n_auth_items, c->n_asked));
	CHECK_FCT(thss_avp_add_group(m, thss_dict.auth_data_item, &item));
	CHECK_FCT(thss_avp_add_str(item, thss_dict.auth_scheme, c->scheme));
	if (authz) {
		CHECK_FCT(thss_avp_add_os(item, thss_dict.sip_authorization, authz, authz_len));
	}
	return thss_avp_add_str(m, thss_dict.server_name, PROBE_SERVER_NAME);
}

/* Send one MAR and wait for its answer: 0 and *ans, or ETIMEDOUT. */
static int exchange(const struct pcase *c, const uint8_t *authz, size_t authz_len,
                    struct msg **ans)
{
	struct timespec deadline;
	struct msg *m = NULL;
	uintptr_t seq;
	int rc = 0;

	*ans = NULL;
	CHECK_FCT(fd_msg_new(thss_dict.cmd_mar, MSGFL_ALLOC_ETEID, &m));
	CHECK_FCT_DO(build_mar(c, authz, authz_len, m), { fd_msg_free(m); return EINVAL; });
	pthread_mutex_lock(&P.lock);
	seq = ++P.seq;
	P.answer = NULL;
	P.expired = 0;
	pthread_mutex_unlock(&P.lock);
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += PROBE_ANSWER_WAIT_S;
	CHECK_FCT(fd_msg_send_timeout(&m, answer_cb, (void *)seq, expire_cb, &deadline));
	deadline.tv_sec += 1; /* our own deadline, in case no callback ever fires */
	pthread_mutex_lock(&P.lock);
	while (!P.answer && !P.expired && !P.stop && rc == 0)
		rc = pthread_cond_timedwait(&P.cond, &P.lock, &deadline);
	*ans = P.answer;
	P.answer = NULL;
	P.seq++; /* from now on, a late answer is dropped */
	pthread_mutex_unlock(&P.lock);
	return *ans ? 0 : ETIMEDOUT;
}

/* ----------------------------------------------------------------- checks */

/* Write why a check failed; 0, so that checks can return it. */
static int fail(char *why, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(char *why, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, size, fmt, ap);
	va_end(ap);
	return 0;
}

static int bytes_eq(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	return alen == blen && !memcmp(a, b, alen);
}

/* A genuine vector for the subscriber's keys, with the next SQN. */
static int check_aka_item(const struct pcase *c, struct avp *item, char *why, size_t size)
{
	const uint8_t *auth, *xres, *ck, *ik;
	size_t auth_len, xres_len, ck_len, ik_len;
	struct aka_ue_answer ue;
	uint64_t sqn;

	if (thss_avp_get_os(item, thss_dict.sip_authenticate, &auth, &auth_len) ||
	    thss_avp_get_os(item, thss_dict.sip_authorization, &xres, &xres_len) ||
	    thss_avp_get_os(item, thss_dict.ck, &ck, &ck_len) ||
	    thss_avp_get_os(item, thss_dict.ik, &ik, &ik_len))
		return fail(why, size, "AKA item lacks an AVP");
	if (auth_len != AKA_RAND_LEN + AKA_AUTN_LEN)
		return fail(why, size, "SIP-Authenticate is %zu bytes", auth_len);
	if (aka_ue_check(c->sub->k, c->sub->opc, auth, auth + AKA_RAND_LEN, &ue))
		return fail(why, size, "MAC-A does not verify with the UE's keys");
	if (!bytes_eq(ue.res, AKA_XRES_LEN, xres, xres_len) ||
	    !bytes_eq(ue.ck, AKA_CK_LEN, ck, ck_len) || !bytes_eq(ue.ik, AKA_IK_LEN, ik, ik_len))
		return fail(why, size, "RES, CK or IK differ from XRES, CK, IK");
	if (memcmp(ue.amf, c->sub->amf, AKA_AMF_LEN))
		return fail(why, size, "AMF differs");
	sqn = aka_sqn_from_bytes(ue.sqn);
	if (sqn != aka_sqn_next(c->sub->sqn))
		return fail(why, size, "SQN %012llx, expected %012llx", (unsigned long long)sqn,
		                (unsigned long long)aka_sqn_next(c->sub->sqn));
	c->sub->sqn = sqn;
	return 1;
}

/* Realm, MD5, auth and a 32-digit HA1, which goes into the detail. */
static int check_digest_item(const struct pcase *c, struct avp *item, char *why, size_t size)
{
	char realm[THSS_ID_MAX + 1], alg[THSS_ID_MAX + 1], qop[THSS_ID_MAX + 1];
	char ha1[THSS_ID_MAX + 1];
	struct avp *d;

	if (thss_avp_find(item, NULL, thss_dict.digest_authenticate, &d) || !d)
		return fail(why, size, "no SIP-Digest-Authenticate");
	if (thss_avp_get_id(d, thss_dict.digest_realm, realm) ||
	    thss_avp_get_id(d, thss_dict.digest_algorithm, alg) ||
	    thss_avp_get_id(d, thss_dict.digest_qop, qop) ||
	    thss_avp_get_id(d, thss_dict.digest_ha1, ha1))
		return fail(why, size, "SIP-Digest-Authenticate lacks an AVP");
	if (strcmp(realm, c->sub->realm) || strcmp(alg, "MD5") || strcmp(qop, "auth") ||
	    strlen(ha1) != 32 || strspn(ha1, "0123456789abcdef") != 32)
		return fail(why, size, "realm=%s algorithm=%s qop=%s ha1=%s", realm, alg, qop,
		                ha1);
	snprintf(why, size, " ha1=%.32s realm=%.64s", ha1, realm);
	return 1;
}

static int check_items(const struct pcase *c, struct msg *ans, char *why, size_t size)
{
	char scheme[THSS_ID_MAX + 1], extra[128] = "";
	struct avp *item = NULL;
	uint32_t n = 0, num;
	unsigned i;

	if (c->want_items && thss_avp_get_u32(ans, thss_dict.n_auth_items, &n))
		return fail(why, size, "no SIP-Number-Auth-Items");
	for (i = 0;; i++) {
		CHECK_FCT_DO(thss_avp_find(ans, item, thss_dict.auth_data_item, &item), return 0);
		if (!item)
			break;
		if (i >= c->want_items)
			return fail(why, size, "more than %u items", c->want_items);
		if (thss_avp_get_u32(item, thss_dict.item_number, &num) || num != i + 1)
			return fail(why, size, "item %u: bad SIP-Item-Number", i + 1);
		if (thss_avp_get_id(item, thss_dict.auth_scheme, scheme) ||
		    strcmp(scheme, c->want_scheme))
			return fail(why, size, "item %u: scheme '%s'", i + 1, scheme);
		if (!strcmp(c->want_scheme, THSS_SCHEME_SIP_DIGEST) ||
		    !strcmp(c->want_scheme, THSS_SCHEME_DIGEST_MD5)) {
			if (!check_digest_item(c, item, extra, sizeof(extra)))
				return fail(why, size, "item %u: %s", i + 1, extra);
		} else if (!check_aka_item(c, item, why, size)) {
			return 0;
		}
	}
	if (i != c->want_items || n != c->want_items)
		return fail(why, size, "%u items, SIP-Number-Auth-Items %u, expected %u", i, n,
		                c->want_items);
	snprintf(why, size, "items=%u%s", i, extra);
	return 1;
}

/* Rules, application, result, identities, items: 1 when all hold. */
static int check_answer(const struct pcase *c, struct msg *ans, char *why, size_t size)
{
	char impi[THSS_ID_MAX + 1], impu[THSS_ID_MAX + 1];
	uint32_t vendor = 0, app = 0, ass = 0, rc = 0, exp = 0, exp_vendor = 0;
	struct fd_pei pei;
	struct avp *g;

	memset(&pei, 0, sizeof(pei));
	if (fd_msg_parse_rules(ans, DICT, &pei))
		return fail(why, size, "MAA breaks dict_cx's rules: %s",
		                pei.pei_message ? pei.pei_message : pei.pei_errcode);
	if (thss_avp_find(ans, NULL, thss_dict.vsai, &g) || !g ||
	    thss_avp_get_u32(g, thss_dict.vendor_id, &vendor) ||
	    thss_avp_get_u32(g, thss_dict.auth_app_id, &app) || vendor != THSS_VENDOR_3GPP ||
	    app != THSS_APP_CX || thss_avp_get_u32(ans, thss_dict.auth_session_state, &ass) ||
	    ass != 1)
		return fail(why, size, "bad Vendor-Specific-Application-Id or "
		                "Auth-Session-State");
	thss_avp_get_u32(ans, thss_dict.result_code, &rc);
	if (!thss_avp_find(ans, NULL, thss_dict.exp_result, &g) && g) {
		thss_avp_get_u32(g, thss_dict.exp_result_code, &exp);
		thss_avp_get_u32(g, thss_dict.vendor_id, &exp_vendor);
	}
	if (rc != c->want_rc || exp != c->want_exp ||
	    (exp && exp_vendor != THSS_VENDOR_3GPP))
		return fail(why, size, "Result-Code %u Experimental-Result %u/%u, expected %u/%u",
		                rc, exp_vendor, exp, c->want_rc, c->want_exp);
	if (thss_avp_get_id(ans, thss_dict.user_name, impi) || strcmp(impi, c->impi) ||
	    thss_avp_get_id(ans, thss_dict.public_identity, impu) || strcmp(impu, c->impu))
		return fail(why, size, "User-Name or Public-Identity not echoed");
	return check_items(c, ans, why, size);
}

/* ------------------------------------------------------------------ cases */

/* Run one case; 0, or ETIMEDOUT when no answer came. */
static int run_case(struct pcase *c)
{
	uint8_t authz[AKA_RAND_LEN + AKA_AUTS_LEN];
	char why[512];
	struct msg *ans;
	int rc;

	if (c->resync) {
		uint64_t sqn_ms = (c->sub->sqn + 1000) & AKA_SQN_MAX;
		uint8_t ms[AKA_SQN_LEN];

		aka_sqn_to_bytes(sqn_ms, ms);
		if (aka_rand_fresh(authz) ||
		    aka_ue_auts(c->sub->k, c->sub->opc, authz, ms, authz + AKA_RAND_LEN)) {
			report(0, c->name, "cannot build AUTS");
			return 0;
		}
		if (c->resync < 0)
			authz[sizeof(authz) - 1] ^= 0x01; /* the last byte of MAC-S */
		else
			c->sub->sqn = sqn_ms; /* the vectors must continue from SQN_MS */
	}
	rc = exchange(c, c->resync ? authz : NULL, sizeof(authz), &ans);
	if (rc) {
		/* freeDiameter drops an answer that breaks the dictionary's
		 * rules without calling us (ARCHITECTURE.md, pitfall 3). */
		report(0, c->name, "no answer within %d s (an MAA breaking dict_cx's rules "
		       "is dropped silently)", PROBE_ANSWER_WAIT_S + 1);
		return rc;
	}
	why[0] = '\0';
	rc = check_answer(c, ans, why, sizeof(why));
	fd_msg_free(ans);
	report(rc, c->name, "%s", why[0] ? why : "ok");
	return 0;
}

static void add_case(struct pcase *cases, size_t *n, struct thss_sub *s, const char *name,
                     const char *scheme, uint32_t n_asked, unsigned want_items)
{
	struct pcase *c = &cases[(*n)++];

	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->sub = s;
	c->impi = s->impi;
	c->impu = s->impus[s->n_impus - 1];
	c->scheme = scheme;
	c->want_scheme = scheme;
	c->n_asked = n_asked;
	c->want_items = want_items;
	c->want_rc = THSS_SUCCESS;
}

/* The list: every AKA subscriber once, the AKA corner cases on the first,
 * every Digest subscriber once, and the refusals. */
static void run_cases(void)
{
	struct thss_sub *aka = NULL, *dig = NULL, *aka_only = NULL;
	struct pcase cases[64], *c;
	size_t i, n = 0;
	char name[96];

	for (i = 0; i < P.subs.n && n < 40; i++) {
		struct thss_sub *s = &P.subs.v[i];

		aka = !aka && s->has_aka ? s : aka;
		dig = !dig && s->password ? s : dig;
		aka_only = !aka_only && s->has_aka && !s->password ? s : aka_only;
		snprintf(name, sizeof(name), "aka_one[%s]", s->impi);
		if (s->has_aka)
			add_case(cases, &n, s, name, THSS_SCHEME_AKAV1, 1, 1);
		snprintf(name, sizeof(name), "digest[%s]", s->impi);
		if (s->password)
			add_case(cases, &n, s, name, THSS_SCHEME_SIP_DIGEST, 1, 1);
	}
	if (!aka || !dig || !aka_only) {
		report(0, "config", "need an AKA-only subscriber and one with a password");
		return;
	}
	add_case(cases, &n, aka, "aka_three", THSS_SCHEME_AKAV1, 3, 3);
	add_case(cases, &n, aka, "aka_v2", THSS_SCHEME_AKAV2, 1, 1);
	add_case(cases, &n, aka, "aka_capped", THSS_SCHEME_AKAV1, THSS_MAX_ITEMS + 5,
	         THSS_MAX_ITEMS);
	add_case(cases, &n, aka, "aka_zero_asked", THSS_SCHEME_AKAV1, 0, 1);
	add_case(cases, &n, aka, "scheme_unknown_gives_aka", THSS_SCHEME_UNKNOWN, 1, 1);
	cases[n - 1].want_scheme = THSS_SCHEME_AKAV1;
	add_case(cases, &n, aka, "resync", THSS_SCHEME_AKAV1, 2, 2);
	cases[n - 1].resync = 1;
	add_case(cases, &n, aka, "resync_bad_mac_gives_4001", THSS_SCHEME_AKAV1, 1, 0);
	cases[n - 1].resync = -1;
	cases[n - 1].want_rc = THSS_AUTHENTICATION_REJECTED;
	add_case(cases, &n, aka, "aka_after_bad_resync", THSS_SCHEME_AKAV1, 1, 1);
	add_case(cases, &n, dig, "digest_md5", THSS_SCHEME_DIGEST_MD5, 1, 1);
	add_case(cases, &n, aka, "wrong_impu_gives_5002", THSS_SCHEME_AKAV1, 1, 0);
	c = &cases[n - 1];
	c->impu = "sip:mallory@evil.test";
	c->want_rc = 0;
	c->want_exp = THSS_ERR_IDENTITIES_DONT_MATCH;
	add_case(cases, &n, aka, "unknown_user_gives_5001", THSS_SCHEME_AKAV1, 1, 0);
	c = &cases[n - 1];
	c->impi = "nobody@nowhere.test";
	c->impu = "sip:nobody@nowhere.test";
	c->want_rc = 0;
	c->want_exp = THSS_ERR_USER_UNKNOWN;
	add_case(cases, &n, aka, "unsupported_scheme_gives_5006", "NASS-Bundled", 1, 0);
	cases[n - 1].want_rc = 0;
	cases[n - 1].want_exp = THSS_ERR_AUTH_SCHEME_NOT_SUPPORTED;
	add_case(cases, &n, aka_only, "digest_without_password_gives_5006",
	         THSS_SCHEME_SIP_DIGEST, 1, 0);
	cases[n - 1].want_rc = 0;
	cases[n - 1].want_exp = THSS_ERR_AUTH_SCHEME_NOT_SUPPORTED;

	/* After a case without answer, the others would only time out too. */
	for (i = 0; i < n && !P.stop; i++)
		if (run_case(&cases[i]))
			break;
	for (i++; i < n; i++)
		report(0, cases[i].name, "not run");
}

/* Poll the HSS peer's state until OPEN (the daemon may still be starting:
 * never wait on fd_core_waitstartcomplete here). */
static int wait_open(void)
{
	int i;

	for (i = 0; i < PROBE_OPEN_WAIT_S * 10 && !P.stop; i++) {
		struct peer_hdr *peer = NULL;

		if (!fd_peer_getbyid(P.hss, strlen(P.hss), 1, &peer) && peer &&
		    fd_peer_get_state(peer) == STATE_OPEN)
			return 0;
		usleep(100000);
	}
	return ETIMEDOUT;
}

static void *probe_thread(void *unused)
{
	(void)unused;
	if (wait_open())
		report(0, "peer", "%s not OPEN after %d s", P.hss, PROBE_OPEN_WAIT_S);
	else
		run_cases();
	fprintf(P.out, "DONE pass=%u fail=%u\n", P.n_pass, P.n_fail);
	fclose(P.out);
	P.out = NULL;
	LOG_N("test_hss_probe: done, %u passed, %u failed", P.n_pass, P.n_fail);
	return NULL;
}

/* ------------------------------------------------------------------- entry */

static int conf_str(json_t *root, const char *key, const char *path, char **out)
{
	const char *v = json_string_value(json_object_get(root, key));

	if (!v) {
		LOG_E("test_hss_probe: %s: \"%s\" (a string) is required", path, key);
		return EINVAL;
	}
	*out = strdup(v);
	return *out ? 0 : ENOMEM;
}

static int probe_entry(char *conffile)
{
	static const char *const keys[] = { "result", "hss", "realm", "subscribers", NULL };
	json_t *root;
	int rc;

	CHECK_FCT(thss_dict_init());
	if (!conffile) {
		LOG_E("test_hss_probe: no configuration file");
		return EINVAL;
	}
	CHECK_FCT(thss_json_load(conffile, &root));
	rc = thss_json_keys_check(root, keys, conffile, "top level");
	rc = rc ? rc : conf_str(root, "result", conffile, &P.result);
	rc = rc ? rc : conf_str(root, "hss", conffile, &P.hss);
	rc = rc ? rc : conf_str(root, "realm", conffile, &P.realm);
	rc = rc ? rc : thss_subs_parse(root, conffile, &P.subs);
	json_decref(root);
	CHECK_FCT(rc);
	P.out = fopen(P.result, "w");
	if (!P.out) {
		LOG_E("test_hss_probe: cannot write %s: %s", P.result, strerror(errno));
		return errno;
	}
	/* A peer with no application in common refuses our CER. */
	CHECK_FCT(fd_disp_app_support(thss_dict.app_cx, thss_dict.vendor_3gpp, 1, 0));
	CHECK_POSIX(pthread_create(&P.thread, NULL, probe_thread, NULL));
	P.started = 1;
	return 0;
}

void fd_ext_fini(void)
{
	if (P.started) {
		pthread_mutex_lock(&P.lock);
		P.stop = 1;
		pthread_cond_signal(&P.cond);
		pthread_mutex_unlock(&P.lock);
		pthread_join(P.thread, NULL);
	}
	if (P.out)
		fclose(P.out);
	thss_subs_free(&P.subs);
	free(P.result);
	free(P.hss);
	free(P.realm);
}

EXTENSION_ENTRY("test_hss_probe", probe_entry, "dict_cx");
