/*
 * test_hss_mar.c: Multimedia-Auth-Request -> Multimedia-Auth-Answer
 * (TS 29.229 6.1.7/6.1.8, procedure of TS 29.228 6.3).
 *
 * One request goes read -> decide -> answer, each its own function.  What
 * the answer says:
 *
 *   unknown User-Name                       Experimental-Result 5001
 *   Public-Identity not the user's          Experimental-Result 5002
 *   scheme unknown to us, or the user has   Experimental-Result 5006
 *     no keys / no password for it
 *   Digest-AKAv1-MD5, Digest-AKAv2-MD5      2001, min(max(asked, 1), 10)
 *                                           AKA items
 *   SIP Digest, Digest-MD5, Digest,         2001, one item with
 *     HTTP_DIGEST_MD5                       SIP-Digest-Authenticate
 *   Unknown (or no scheme in the item)      the user's own: AKA when it has
 *                                           keys, else SIP Digest
 *   AKA item with SIP-Authorization =       resynchronisation: SQN_HE :=
 *     RAND(16) || AUTS(14)                  SQN_MS, then fresh vectors
 *   ... whose MAC-S does not verify         Result-Code 4001 (see below)
 *   AKA item whose SIP-Authorization is     Result-Code 5004 with the AVP in
 *     not 30 bytes, an identity over 255    Failed-AVP
 *     bytes
 *
 * Every answer carries Session-Id, Vendor-Specific-Application-Id {10415,
 * 16777216}, Auth-Session-State NO_STATE_MAINTAINED, Origin-Host/Realm,
 * and the request's User-Name and Public-Identity (Kamailio 5.6 answers the
 * UE 403 without them, whatever the result); successes add
 * SIP-Number-Auth-Items, the number of items actually returned.
 *
 * SQN policy: one counter per subscriber, +1 per vector (TS 33.102 C.1,
 * without the IND field), taken under the subscriber's lock so that
 * concurrent MARs never share an SQN.  After a resynchronisation the next
 * vector carries SQN_MS + 1.
 *
 * A bad MAC-S: TS 29.228 6.3 only says that the HSS processes AUTS as
 * TS 33.203/33.102 describe and answers DIAMETER_SUCCESS; it names no error
 * for an AUTS that does not verify, and TS 33.102 6.3.5 has the HE simply
 * not reset SQN_HE.  A test HSS wants a mismatch of keys to show, not to
 * loop through new challenges, so it answers the base Result-Code
 * DIAMETER_AUTHENTICATION_REJECTED (4001, RFC 6733 7.1.4) and leaves
 * SQN_HE alone.  (Open5GS answers 5006 here; Kamailio turns any failure
 * into a 403.)
 *
 * One NOTICE line per MAA gives user, scheme, item count and result:
 * mismatched keys are otherwise hard to debug (INTEROP.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "test_hss.h"

#define DICT (fd_g_config->cnf_dict)

enum kind { KIND_NONE, KIND_AKA, KIND_DIGEST };

/* One MAR on its way to an answer. */
struct mar {
	struct msg **msg;                 /* the request, then the answer */
	char impi[THSS_ID_MAX + 1];
	char impu[THSS_ID_MAX + 1];
	char server[THSS_ID_MAX + 1];
	char scheme[THSS_ID_MAX + 1];     /* as asked ("Unknown" if none) */
	uint32_t n_asked;
	struct avp *authz_avp;            /* SIP-Authorization of the item */
	const uint8_t *authz;
	size_t authz_len;
	struct thss_sub *sub;

	/* the decision */
	uint32_t base;                    /* Result-Code, or 0 */
	uint32_t exp;                     /* Experimental-Result-Code, or 0 */
	const char *why;                  /* for the log line */
	struct avp *failed;               /* request AVP for Failed-AVP */
	const char *ans_scheme;           /* scheme the items carry */
	enum kind kind;
	unsigned n;                       /* items built */
	struct aka_vector v[THSS_MAX_ITEMS];
	char ha1[33];
};

static struct disp_hdl *mar_hdl;

/* Decide on an error answer; 0, so that callers can return it. */
static int refuse_base(struct mar *m, uint32_t code, const char *why)
{
	m->base = code;
	m->why = why;
	return 0;
}

static int refuse_exp(struct mar *m, uint32_t code, const char *why)
{
	m->exp = code;
	m->why = why;
	return 0;
}

/* An identity AVP of the request into buf; one over THSS_ID_MAX bytes is
 * refused with 5004.  Absent ones stay empty: the dictionary rules have
 * already answered DIAMETER_MISSING_AVP for required ones. */
static int read_id(struct mar *m, msg_or_avp *parent, struct dict_object *model, char *buf)
{
	int rc = thss_avp_get_id(parent, model, buf);

	if (rc == EINVAL) {
		refuse_base(m, THSS_INVALID_AVP_VALUE, "identity too long or with a NUL byte");
		return thss_avp_find(parent, NULL, model, &m->failed);
	}
	return rc == ENOENT ? 0 : rc;
}

static int mar_read(struct mar *m)
{
	struct msg *req = *m->msg;
	struct avp *item;
	int rc;

	CHECK_FCT(read_id(m, req, thss_dict.user_name, m->impi));
	CHECK_FCT(read_id(m, req, thss_dict.public_identity, m->impu));
	CHECK_FCT(read_id(m, req, thss_dict.server_name, m->server));
	rc = thss_avp_get_u32(req, thss_dict.n_auth_items, &m->n_asked);
	if (rc && rc != ENOENT)
		return rc;
	strcpy(m->scheme, THSS_SCHEME_UNKNOWN);
	CHECK_FCT(thss_avp_find(req, NULL, thss_dict.auth_data_item, &item));
	if (!item)
		return 0;
	CHECK_FCT(read_id(m, item, thss_dict.auth_scheme, m->scheme));
	if (!m->scheme[0])
		strcpy(m->scheme, THSS_SCHEME_UNKNOWN);
	rc = thss_avp_get_os(item, thss_dict.sip_authorization, &m->authz, &m->authz_len);
	if (rc == ENOENT)
		return 0;
	CHECK_FCT(rc);
	return thss_avp_find(item, NULL, thss_dict.sip_authorization, &m->authz_avp);
}

/* Which kind of item the asked scheme wants, and the scheme name the items
 * carry (the asked one, or our choice for "Unknown"). */
static enum kind scheme_kind(const struct thss_sub *s, const char *scheme, const char **name)
{
	static const struct {
		const char *name;
		enum kind kind;
	} known[] = {
		{ THSS_SCHEME_AKAV1, KIND_AKA },         { THSS_SCHEME_AKAV2, KIND_AKA },
		{ THSS_SCHEME_SIP_DIGEST, KIND_DIGEST }, { THSS_SCHEME_DIGEST_MD5, KIND_DIGEST },
		{ "Digest", KIND_DIGEST },               { "HTTP_DIGEST_MD5", KIND_DIGEST },
	};
	size_t i;

	if (!strcasecmp(scheme, THSS_SCHEME_UNKNOWN)) {
		*name = s->has_aka ? THSS_SCHEME_AKAV1 : THSS_SCHEME_SIP_DIGEST;
		return s->has_aka ? KIND_AKA : KIND_DIGEST;
	}
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (!strcasecmp(scheme, known[i].name)) {
			*name = known[i].name;
			return known[i].kind;
		}
	}
	return KIND_NONE;
}

/* AKA vectors, after a resynchronisation when the item asked for one. */
static int decide_aka(struct mar *m, struct thss_sub *s)
{
	unsigned flags = thss_conf.no_zero_xres ? AKA_FRESH_XRES_NO_ZERO : 0;
	uint64_t sqn_ms = 0, sqn;
	unsigned i;

	if (m->authz) {
		uint8_t ms[AKA_SQN_LEN];
		int rc;

		if (m->authz_len != AKA_RAND_LEN + AKA_AUTS_LEN) {
			m->failed = m->authz_avp;
			return refuse_base(m, THSS_INVALID_AVP_VALUE,
			                   "SIP-Authorization is not RAND(16) || AUTS(14)");
		}
		rc = aka_resync(s->k, s->opc, m->authz, m->authz + AKA_RAND_LEN, ms);
		if (rc == AKA_ERR_MAC)
			return refuse_base(m, THSS_AUTHENTICATION_REJECTED,
			                   "resynchronisation: MAC-S of AUTS does not verify");
		if (rc)
			return refuse_base(m, THSS_UNABLE_TO_COMPLY, aka_strerror(rc));
		sqn_ms = aka_sqn_from_bytes(ms);
		m->why = "after resynchronisation";
	}
	m->n = m->n_asked < 1 ? 1 : m->n_asked > THSS_MAX_ITEMS ? THSS_MAX_ITEMS : m->n_asked;
	sqn = thss_sub_sqn_take(s, m->n, m->authz ? &sqn_ms : NULL);
	for (i = 0; i < m->n; i++, sqn = aka_sqn_next(sqn)) {
		uint8_t b[AKA_SQN_LEN];

		aka_sqn_to_bytes(sqn, b);
		if (aka_vector_fresh(s->k, s->opc, b, s->amf, flags, &m->v[i]))
			return refuse_base(m, THSS_UNABLE_TO_COMPLY, "AKA vector generation failed");
	}
	m->base = THSS_SUCCESS;
	return 0;
}

/* One SIP Digest item (SIP-Authorization, if any, plays no part). */
static int decide_digest(struct mar *m, struct thss_sub *s)
{
	if (thss_digest_ha1(m->impi, s->realm, s->password, m->ha1))
		return refuse_base(m, THSS_UNABLE_TO_COMPLY, "MD5 failed");
	m->n = 1;
	m->base = THSS_SUCCESS;
	return 0;
}

int thss_digest_ha1(const char *impi, const char *realm, const char *password, char out[33])
{
	uint8_t md5[16];
	char *a1;
	int len = asprintf(&a1, "%s:%s:%s", impi, realm, password);

	if (len < 0)
		return ENOMEM;
	len = gnutls_hash_fast(GNUTLS_DIG_MD5, a1, (size_t)len, md5);
	free(a1);
	if (len < 0)
		return EINVAL;
	aka_bytes_to_hex(md5, sizeof(md5), out);
	return 0;
}

static int mar_decide(struct mar *m)
{
	struct thss_sub *s;

	if (m->base || m->exp)
		return 0;
	s = m->sub = thss_subs_find(&thss_conf.subs, m->impi);
	if (!s)
		return refuse_exp(m, THSS_ERR_USER_UNKNOWN, "unknown user");
	if (!thss_sub_has_impu(s, m->impu))
		return refuse_exp(m, THSS_ERR_IDENTITIES_DONT_MATCH, "IMPU not the user's");
	if (m->server[0]) {
		CHECK_FCT(thss_sub_server_set(s, m->server));
	}
	m->kind = scheme_kind(s, m->scheme, &m->ans_scheme);
	if (m->kind == KIND_AKA && s->has_aka)
		return decide_aka(m, s);
	if (m->kind == KIND_DIGEST && s->password)
		return decide_digest(m, s);
	return refuse_exp(m, THSS_ERR_AUTH_SCHEME_NOT_SUPPORTED,
	                  m->kind == KIND_NONE ? "scheme not supported"
	                                       : "user has no credentials for this scheme");
}

/* ------------------------------------------------------------------ answer */

static const char *base_name(uint32_t code)
{
	switch (code) {
	case THSS_SUCCESS:                 return "DIAMETER_SUCCESS";
	case THSS_AUTHENTICATION_REJECTED: return "DIAMETER_AUTHENTICATION_REJECTED";
	case THSS_INVALID_AVP_VALUE:       return "DIAMETER_INVALID_AVP_VALUE";
	default:                           return "DIAMETER_UNABLE_TO_COMPLY";
	}
}

static int add_aka_item(struct avp *item, const struct aka_vector *v)
{
	uint8_t rand_autn[AKA_RAND_LEN + AKA_AUTN_LEN];

	memcpy(rand_autn, v->rand, AKA_RAND_LEN);
	memcpy(rand_autn + AKA_RAND_LEN, v->autn, AKA_AUTN_LEN);
	CHECK_FCT(thss_avp_add_os(item, thss_dict.sip_authenticate, rand_autn, sizeof(rand_autn)));
	CHECK_FCT(thss_avp_add_os(item, thss_dict.sip_authorization, v->xres, AKA_XRES_LEN));
	CHECK_FCT(thss_avp_add_os(item, thss_dict.ck, v->ck, AKA_CK_LEN));
	return thss_avp_add_os(item, thss_dict.ik, v->ik, AKA_IK_LEN);
}

static int add_digest_item(struct avp *item, const struct mar *m)
{
	struct avp *d;

	CHECK_FCT(thss_avp_add_group(item, thss_dict.digest_authenticate, &d));
	CHECK_FCT(thss_avp_add_str(d, thss_dict.digest_realm, m->sub->realm));
	CHECK_FCT(thss_avp_add_str(d, thss_dict.digest_algorithm, "MD5"));
	CHECK_FCT(thss_avp_add_str(d, thss_dict.digest_qop, "auth"));
	return thss_avp_add_str(d, thss_dict.digest_ha1, m->ha1);
}

static int add_items(struct msg *ans, const struct mar *m)
{
	unsigned i;

	CHECK_FCT(thss_avp_add_u32(ans, thss_dict.n_auth_items, m->n));
	for (i = 0; i < m->n; i++) {
		struct avp *item;

		CHECK_FCT(thss_avp_add_group(ans, thss_dict.auth_data_item, &item));
		CHECK_FCT(thss_avp_add_u32(item, thss_dict.item_number, i + 1));
		CHECK_FCT(thss_avp_add_str(item, thss_dict.auth_scheme, m->ans_scheme));
		if (m->kind == KIND_AKA) {
			CHECK_FCT(add_aka_item(item, &m->v[i]));
		} else {
			CHECK_FCT(add_digest_item(item, m));
		}
	}
	return 0;
}

static int mar_answer(struct mar *m)
{
	struct msg *ans;
	int ok = m->base == THSS_SUCCESS;

	CHECK_FCT(thss_answer_new(m->msg, base_name(m->base), m->exp, m->failed));
	ans = *m->msg;
	if (m->impi[0]) {
		CHECK_FCT(thss_avp_add_str(ans, thss_dict.user_name, m->impi));
	}
	if (m->impu[0]) {
		CHECK_FCT(thss_avp_add_str(ans, thss_dict.public_identity, m->impu));
	}
	if (ok) {
		CHECK_FCT(add_items(ans, m));
	}

	LOG_N("test_hss: MAA user=%s impu=%s scheme=%s items=%u %s=%u%s%s server=%s",
	      m->impi, m->impu, ok ? m->ans_scheme : m->scheme, ok ? m->n : 0,
	      m->exp ? "experimental" : "result", m->exp ? m->exp : m->base, m->why ? ": " : "",
	      m->why ? m->why : "", m->server[0] ? m->server : "-");
	return fd_msg_send(m->msg, NULL, NULL);
}

static int mar_cb(struct msg **msg, struct avp *avp, struct session *sess, void *opaque,
                  enum disp_action *act)
{
	struct mar *m;
	int rc;

	(void)avp;
	(void)sess;
	(void)opaque;
	*act = DISP_ACT_CONT;
	m = calloc(1, sizeof(*m)); /* about 2 kB: not on the dispatch stack */
	if (!m)
		return ENOMEM;
	m->msg = msg;
	rc = mar_read(m);
	if (!rc)
		rc = mar_decide(m);
	if (!rc)
		rc = mar_answer(m);
	free(m);
	return rc;
}

int thss_mar_init(void)
{
	struct disp_when when;

	memset(&when, 0, sizeof(when));
	when.app = thss_dict.app_cx;
	when.command = thss_dict.cmd_mar;
	CHECK_FCT(fd_disp_register(mar_cb, DISP_HOW_CC, &when, NULL, &mar_hdl));
	return 0;
}

void thss_mar_fini(void)
{
	if (mar_hdl)
		fd_disp_unregister(&mar_hdl, NULL);
	mar_hdl = NULL;
}
