/*
 * cx_client_sink.c: a freeDiameterd test extension that advertises Cx and
 * the migration-allocation application and never answers their requests
 * usefully.  The core still answers CER, DWR and DPR, so a client sees an
 * OPEN peer and shuts down at once.
 *
 *   LoadExtension = "cx_client_sink.fdx";
 *       swallow every request: no answer, ever;
 *   LoadExtension = "cx_client_sink.fdx" : "unknown-avp";
 *       answer 2001 with an M-bit AVP (vendor 32473, code 65001) that only
 *       this daemon's dictionary knows: freeDiameter 1.2.1 on the client
 *       side drops such an answer without calling any callback.
 *
 * The cx_client tests use it to prove the client's deadlines (exit 4).
 * Load it after dict_cx.  Prefix: cxs_ (freeDiameterd loads extensions
 * RTLD_GLOBAL).
 */
#include <string.h>

#include <freeDiameter/extension.h>

#include "cx_client.h"

int fd_ext_init(int major, int minor, char *conffile);
void fd_ext_fini(void);

#define CXS_NAPPS 2
#define CXS_UNKNOWN_CODE 65001

static struct disp_hdl *cxs_hdl[CXS_NAPPS];
static unsigned long cxs_swallowed;
static struct dict_object *cxs_unknown; /* set in "unknown-avp" mode */

/* Answer 2001 with the AVP the client cannot know. */
static int cxs_answer_unknown(struct msg **msg)
{
	struct avp *avp = NULL;
	union avp_value val = { .u32 = 1 };

	CHECK_FCT(fd_msg_new_answer_from_req(fd_g_config->cnf_dict, msg, 0));
	CHECK_FCT(fd_msg_rescode_set(*msg, "DIAMETER_SUCCESS", NULL, NULL, 1));
	CHECK_FCT(fd_msg_avp_new(cxs_unknown, 0, &avp));
	CHECK_FCT(fd_msg_avp_setvalue(avp, &val));
	CHECK_FCT(fd_msg_avp_add(*msg, MSG_BRW_LAST_CHILD, avp));
	CHECK_FCT(fd_msg_send(msg, NULL, NULL));
	return 0;
}

static int cxs_swallow(struct msg **msg, struct avp *avp, struct session *sess, void *opaque,
		       enum disp_action *act)
{
	struct msg_hdr *h = NULL;

	(void)avp;
	(void)sess;
	(void)opaque;
	*act = DISP_ACT_CONT;
	if (!fd_msg_hdr(*msg, &h))
		LOG_N("cx_client_sink: swallowed request %u (application %u), %lu so far",
		      h->msg_code, h->msg_appl, ++cxs_swallowed);
	if (cxs_unknown)
		return cxs_answer_unknown(msg);
	fd_msg_free(*msg);
	*msg = NULL;
	return 0;
}

/* A vendor-32473 AVP with the M bit that only this daemon defines. */
static int cxs_define_unknown(void)
{
	struct dict_object *vendor = NULL;
	vendor_id_t vid = CXC_VENDOR_MIG;
	struct dict_avp_data data = {
		CXS_UNKNOWN_CODE, CXC_VENDOR_MIG, "Cx-Client-Sink-Unknown",
		AVP_FLAG_VENDOR | AVP_FLAG_MANDATORY, AVP_FLAG_VENDOR | AVP_FLAG_MANDATORY,
		AVP_TYPE_UNSIGNED32
	};

	CHECK_FCT(fd_dict_search(fd_g_config->cnf_dict, DICT_VENDOR, VENDOR_BY_ID, &vid,
				 &vendor, ENOENT));
	CHECK_FCT(fd_dict_new(fd_g_config->cnf_dict, DICT_AVP, &data, NULL, &cxs_unknown));
	return 0;
}

/* Advertise one application and swallow its requests; absent from the
 * dictionary (dict_cx without the allocation part) is not an error. */
static int cxs_app(application_id_t app_id, vendor_id_t vendor_id, struct disp_hdl **hdl)
{
	struct dict_object *app = NULL, *vendor = NULL;
	struct disp_when when = { 0 };

	CHECK_FCT(fd_dict_search(fd_g_config->cnf_dict, DICT_APPLICATION, APPLICATION_BY_ID,
				 &app_id, &app, 0));
	if (!app) {
		LOG_N("cx_client_sink: application %u not in the dictionary, skipped", app_id);
		return 0;
	}
	CHECK_FCT(fd_dict_search(fd_g_config->cnf_dict, DICT_VENDOR, VENDOR_BY_ID, &vendor_id,
				 &vendor, 0));
	CHECK_FCT(fd_disp_app_support(app, vendor, 1, 0));
	when.app = app;
	CHECK_FCT(fd_disp_register(cxs_swallow, DISP_HOW_APPID, &when, NULL, hdl));
	return 0;
}

static int cxs_init(char *conffile)
{
	if (conffile && strcmp(conffile, "unknown-avp")) {
		LOG_E("cx_client_sink: unknown mode '%s' (none, or \"unknown-avp\")", conffile);
		return EINVAL;
	}
	if (conffile)
		CHECK_FCT(cxs_define_unknown());
	CHECK_FCT(cxs_app(CXC_APP_CX, CXC_VENDOR_3GPP, &cxs_hdl[0]));
	CHECK_FCT(cxs_app(CXC_APP_ALLOC, CXC_VENDOR_MIG, &cxs_hdl[1]));
	return 0;
}

void fd_ext_fini(void)
{
	int i;

	for (i = 0; i < CXS_NAPPS; i++)
		if (cxs_hdl[i])
			fd_disp_unregister(&cxs_hdl[i], NULL);
}

EXTENSION_ENTRY("cx_client_sink", cxs_init, "dict_cx");
