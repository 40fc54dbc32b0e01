/*
 * test_hss_sar.c: Server-Assignment-Request -> Server-Assignment-Answer
 * (TS 29.229 6.1.3/6.1.4, procedure of TS 29.228 6.1.2).
 *
 *   no subscriber with that User-Name (or, without   Experimental-Result 5001
 *     one, with the first Public-Identity)
 *   a Public-Identity that is not the user's         Experimental-Result 5002
 *   otherwise                                        2001, User-Name, and for
 *                                                    REGISTRATION (1),
 *                                                    RE_REGISTRATION (2),
 *                                                    UNREGISTERED_USER (3)
 *                                                    with User-Data-Already-
 *                                                    Available 0: User-Data
 *                                                    (and Charging-Information
 *                                                    when "ccf" is set)
 *
 * The Server-Name is stored (as a real HSS does), and so are the SAR's
 * Origin-Host and Origin-Realm: test_hss_push.c sends PPR and RTR there.
 * The profile is a minimal IMSSubscription, the IMPI and one ServiceProfile
 * with a PublicIdentity per IMPU, unless the subscriber has "user_data".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_hss.h"

#define SAT_REGISTRATION 1
#define SAT_RE_REGISTRATION 2
#define SAT_UNREGISTERED_USER 3

/* One SAR on its way to an answer. */
struct sar {
	struct msg **msg;
	char impi[THSS_ID_MAX + 1];
	char impu[THSS_ID_MAX + 1];     /* the first Public-Identity */
	char server[THSS_ID_MAX + 1];
	char host[THSS_ID_MAX + 1];     /* Origin-Host, -Realm */
	char realm[THSS_ID_MAX + 1];
	uint32_t type;
	uint32_t data_available;
	struct thss_sub *sub;
	uint32_t exp;                   /* Experimental-Result-Code, or 0: success */
	const char *why;
};

static struct disp_hdl *sar_hdl;

char *thss_user_data(const struct thss_sub *s)
{
	char *out = NULL;
	size_t size = 0, i;
	FILE *f;

	if (s->user_data)
		return strdup(s->user_data);
	if (!(f = open_memstream(&out, &size)))
		return NULL;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<IMSSubscription>"
	        "<PrivateID>%s</PrivateID><ServiceProfile>", s->impi);
	for (i = 0; i < s->n_impus; i++)
		fprintf(f, "<PublicIdentity><Identity>%s</Identity></PublicIdentity>", s->impus[i]);
	fputs("</ServiceProfile></IMSSubscription>\n", f);
	fclose(f);
	return out;
}

/* Read the request; absent identities stay empty. */
static int sar_read(struct sar *r)
{
	struct msg *req = *r->msg;
	struct { struct dict_object *model; char *buf; } ids[] = {
		{ thss_dict.user_name, r->impi }, { thss_dict.public_identity, r->impu },
		{ thss_dict.server_name, r->server }, { thss_dict.origin_host, r->host },
		{ thss_dict.origin_realm, r->realm },
	};
	size_t i;
	int rc;

	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		rc = thss_avp_get_id(req, ids[i].model, ids[i].buf);
		if (rc && rc != ENOENT)
			return rc;
	}
	rc = thss_avp_get_u32(req, thss_dict.sat, &r->type);
	if (rc && rc != ENOENT)
		return rc;
	rc = thss_avp_get_u32(req, thss_dict.udaa, &r->data_available);
	return rc == ENOENT ? 0 : rc;
}

/* Every Public-Identity of the request must be the user's. */
static int sar_impus_ok(const struct sar *r)
{
	struct avp *a = NULL;
	char impu[THSS_ID_MAX + 1];

	if (thss_avp_find(*r->msg, NULL, thss_dict.public_identity, &a))
		return 0;
	for (; a; thss_avp_find(*r->msg, a, thss_dict.public_identity, &a)) {
		struct avp_hdr *h;

		if (fd_msg_avp_hdr(a, &h) || !h->avp_value || h->avp_value->os.len > THSS_ID_MAX)
			return 0;
		memcpy(impu, h->avp_value->os.data, h->avp_value->os.len);
		impu[h->avp_value->os.len] = '\0';
		if (!thss_sub_has_impu(r->sub, impu))
			return 0;
	}
	return 1;
}

static int sar_decide(struct sar *r)
{
	r->sub = r->impi[0] ? thss_subs_find(&thss_conf.subs, r->impi)
	                    : thss_subs_find_impu(&thss_conf.subs, r->impu);
	if (!r->sub) {
		r->exp = THSS_ERR_USER_UNKNOWN;
		r->why = "unknown user";
		return 0;
	}
	if (!sar_impus_ok(r)) {
		r->exp = THSS_ERR_IDENTITIES_DONT_MATCH;
		r->why = "IMPU not the user's";
		return 0;
	}
	if (r->server[0]) {
		CHECK_FCT(thss_sub_server_set(r->sub, r->server));
	}
	return thss_sub_scscf_set(r->sub, r->host, r->realm);
}

static int sar_wants_data(const struct sar *r)
{
	return !r->data_available && (r->type == SAT_REGISTRATION ||
	                              r->type == SAT_RE_REGISTRATION ||
	                              r->type == SAT_UNREGISTERED_USER);
}

static int sar_add_profile(struct msg *ans, const struct sar *r)
{
	char *data = thss_user_data(r->sub);
	struct avp *ci;
	int rc;

	if (!data)
		return ENOMEM;
	rc = thss_avp_add_str(ans, thss_dict.user_data, data);
	free(data);
	CHECK_FCT(rc);
	if (!thss_conf.ccf)
		return 0;
	CHECK_FCT(thss_avp_add_group(ans, thss_dict.charging_info, &ci));
	return thss_avp_add_str(ci, thss_dict.primary_ccf, thss_conf.ccf);
}

static int sar_answer(struct sar *r)
{
	int data = !r->exp && sar_wants_data(r);

	CHECK_FCT(thss_answer_new(r->msg, "DIAMETER_SUCCESS", r->exp, NULL));
	if (r->sub) {
		CHECK_FCT(thss_avp_add_str(*r->msg, thss_dict.user_name, r->sub->impi));
	}
	if (data) {
		CHECK_FCT(sar_add_profile(*r->msg, r));
	}
	LOG_N("test_hss: SAA user=%s impu=%s type=%u %s=%u%s%s data=%s server=%s from=%s",
	      r->impi[0] ? r->impi : "-", r->impu[0] ? r->impu : "-", r->type,
	      r->exp ? "experimental" : "result", r->exp ? r->exp : THSS_SUCCESS,
	      r->why ? ": " : "", r->why ? r->why : "", data ? "yes" : "no",
	      r->server[0] ? r->server : "-", r->host);
	return fd_msg_send(r->msg, NULL, NULL);
}

static int sar_cb(struct msg **msg, struct avp *avp, struct session *sess, void *opaque,
                  enum disp_action *act)
{
	struct sar *r;
	int rc;

	(void)avp;
	(void)sess;
	(void)opaque;
	*act = DISP_ACT_CONT;
	r = calloc(1, sizeof(*r)); /* about 1.3 kB: not on the dispatch stack */
	if (!r)
		return ENOMEM;
	r->msg = msg;
	rc = sar_read(r);
	if (!rc)
		rc = sar_decide(r);
	if (!rc)
		rc = sar_answer(r);
	free(r);
	return rc;
}

int thss_sar_init(void)
{
	struct disp_when when;

	memset(&when, 0, sizeof(when));
	when.app = thss_dict.app_cx;
	when.command = thss_dict.cmd_sar;
	CHECK_FCT(fd_disp_register(sar_cb, DISP_HOW_CC, &when, NULL, &sar_hdl));
	return 0;
}

void thss_sar_fini(void)
{
	if (sar_hdl)
		fd_disp_unregister(&sar_hdl, NULL);
	sar_hdl = NULL;
}
