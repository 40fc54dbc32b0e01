/*
 * test_hss_dict.c: the dictionary objects of the test HSS, looked up once
 * at start, and the small AVP helpers that the MAR handler and the probe
 * share.
 *
 * Applications and commands are found by number, AVPs by name and vendor
 * (the names of dict_cx and dict_dcca_3gpp).  The Digest-* AVPs are looked
 * up under vendor 0: dict_dcca_3gpp 1.2.1, when loaded, also has
 * vendor-10415 copies of them that go on the wire wrongly (see
 * extensions/dict_cx/dict_cx_avps.c).
 */
#include <string.h>

#include "test_hss.h"

#define DICT (fd_g_config->cnf_dict)

struct thss_dict thss_dict;

/* One AVP to look up: where its object goes, its vendor and name. */
struct avp_ref {
	struct dict_object **obj;
	vendor_id_t vendor;
	const char *name;
};

static int find_avps(const struct avp_ref *refs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct dict_avp_request req = { .avp_vendor = refs[i].vendor,
		                                .avp_name = (char *)refs[i].name };

		if (fd_dict_search(DICT, DICT_AVP, AVP_BY_NAME_AND_VENDOR, &req, refs[i].obj,
		                   ENOENT)) {
			LOG_E("test_hss: AVP %s (vendor %u) is not in the dictionary: load "
			      "dict_cx first",
			      refs[i].name, (unsigned)refs[i].vendor);
			return ENOENT;
		}
	}
	return 0;
}

int thss_dict_init(void)
{
	struct thss_dict *d = &thss_dict;
	application_id_t app = THSS_APP_CX;
	command_code_t mar = THSS_CMD_MAR, sar = THSS_CMD_SAR, rtr = THSS_CMD_RTR;
	command_code_t ppr = THSS_CMD_PPR;
	vendor_id_t vendor = THSS_VENDOR_3GPP;
	const struct avp_ref avps[] = {
		{ &d->session_id, 0, "Session-Id" },
		{ &d->dest_realm, 0, "Destination-Realm" },
		{ &d->user_name, 0, "User-Name" },
		{ &d->result_code, 0, "Result-Code" },
		{ &d->exp_result, 0, "Experimental-Result" },
		{ &d->exp_result_code, 0, "Experimental-Result-Code" },
		{ &d->vendor_id, 0, "Vendor-Id" },
		{ &d->auth_app_id, 0, "Auth-Application-Id" },
		{ &d->vsai, 0, "Vendor-Specific-Application-Id" },
		{ &d->auth_session_state, 0, "Auth-Session-State" },
		{ &d->failed_avp, 0, "Failed-AVP" },
		{ &d->origin_host, 0, "Origin-Host" },
		{ &d->origin_realm, 0, "Origin-Realm" },
		{ &d->dest_host, 0, "Destination-Host" },
		{ &d->sat, THSS_VENDOR_3GPP, "Server-Assignment-Type" },
		{ &d->udaa, THSS_VENDOR_3GPP, "User-Data-Already-Available" },
		{ &d->user_data, THSS_VENDOR_3GPP, "User-Data" },
		{ &d->charging_info, THSS_VENDOR_3GPP, "Charging-Information" },
		{ &d->primary_ccf, THSS_VENDOR_3GPP, "Primary-Charging-Collection-Function-Name" },
		{ &d->dereg_reason, THSS_VENDOR_3GPP, "Deregistration-Reason" },
		{ &d->reason_code, THSS_VENDOR_3GPP, "Reason-Code" },
		{ &d->public_identity, THSS_VENDOR_3GPP, "Public-Identity" },
		{ &d->server_name, THSS_VENDOR_3GPP, "Server-Name" },
		{ &d->n_auth_items, THSS_VENDOR_3GPP, "SIP-Number-Auth-Items" },
		{ &d->auth_data_item, THSS_VENDOR_3GPP, "SIP-Auth-Data-Item" },
		{ &d->item_number, THSS_VENDOR_3GPP, "SIP-Item-Number" },
		{ &d->auth_scheme, THSS_VENDOR_3GPP, "SIP-Authentication-Scheme" },
		{ &d->sip_authenticate, THSS_VENDOR_3GPP, "SIP-Authenticate" },
		{ &d->sip_authorization, THSS_VENDOR_3GPP, "SIP-Authorization" },
		{ &d->ck, THSS_VENDOR_3GPP, "Confidentiality-Key" },
		{ &d->ik, THSS_VENDOR_3GPP, "Integrity-Key" },
		{ &d->digest_authenticate, THSS_VENDOR_3GPP, "SIP-Digest-Authenticate" },
		{ &d->digest_realm, 0, "Digest-Realm" },
		{ &d->digest_algorithm, 0, "Digest-Algorithm" },
		{ &d->digest_qop, 0, "Digest-QoP" },
		{ &d->digest_ha1, 0, "Digest-HA1" },
	};

	if (fd_dict_search(DICT, DICT_APPLICATION, APPLICATION_BY_ID, &app, &d->app_cx, ENOENT) ||
	    fd_dict_search(DICT, DICT_COMMAND, CMD_BY_CODE_R, &mar, &d->cmd_mar, ENOENT) ||
	    fd_dict_search(DICT, DICT_COMMAND, CMD_BY_CODE_R, &sar, &d->cmd_sar, ENOENT) ||
	    fd_dict_search(DICT, DICT_COMMAND, CMD_BY_CODE_R, &rtr, &d->cmd_rtr, ENOENT) ||
	    fd_dict_search(DICT, DICT_COMMAND, CMD_BY_CODE_R, &ppr, &d->cmd_ppr, ENOENT) ||
	    fd_dict_search(DICT, DICT_VENDOR, VENDOR_BY_ID, &vendor, &d->vendor_3gpp, ENOENT)) {
		LOG_E("test_hss: no Cx application, Cx commands or 3GPP vendor in the "
		      "dictionary: load dict_cx.fdx before this extension");
		return ENOENT;
	}
	return find_avps(avps, sizeof(avps) / sizeof(avps[0]));
}

/* ----------------------------------------------------------------- writing */

static int add_value(msg_or_avp *parent, struct dict_object *model, union avp_value *v)
{
	struct avp *a;

	CHECK_FCT(fd_msg_avp_new(model, 0, &a));
	CHECK_FCT_DO(fd_msg_avp_setvalue(a, v), { fd_msg_free(a); return EINVAL; });
	CHECK_FCT_DO(fd_msg_avp_add(parent, MSG_BRW_LAST_CHILD, a), { fd_msg_free(a); return EINVAL; });
	return 0;
}

int thss_avp_add_os(msg_or_avp *parent, struct dict_object *model, const void *data,
                    size_t len)
{
	union avp_value v;

	memset(&v, 0, sizeof(v));
	v.os.data = (uint8_t *)data; /* fd_msg_avp_setvalue copies it */
	v.os.len = len;
	return add_value(parent, model, &v);
}

int thss_avp_add_str(msg_or_avp *parent, struct dict_object *model, const char *s)
{
	return thss_avp_add_os(parent, model, s, strlen(s));
}

int thss_avp_add_u32(msg_or_avp *parent, struct dict_object *model, uint32_t val)
{
	union avp_value v;

	memset(&v, 0, sizeof(v));
	v.u32 = val;
	return add_value(parent, model, &v);
}

int thss_avp_add_i32(msg_or_avp *parent, struct dict_object *model, int32_t val)
{
	union avp_value v;

	memset(&v, 0, sizeof(v));
	v.i32 = val;
	return add_value(parent, model, &v);
}

int thss_avp_add_group(msg_or_avp *parent, struct dict_object *model, struct avp **grp)
{
	CHECK_FCT(fd_msg_avp_new(model, 0, grp));
	CHECK_FCT_DO(fd_msg_avp_add(parent, MSG_BRW_LAST_CHILD, *grp),
	             { fd_msg_free(*grp); *grp = NULL; return EINVAL; });
	return 0;
}

int thss_add_cx_app(struct msg *m)
{
	struct avp *vsai;

	CHECK_FCT(thss_avp_add_group(m, thss_dict.vsai, &vsai));
	CHECK_FCT(thss_avp_add_u32(vsai, thss_dict.vendor_id, THSS_VENDOR_3GPP));
	CHECK_FCT(thss_avp_add_u32(vsai, thss_dict.auth_app_id, THSS_APP_CX));
	return thss_avp_add_i32(m, thss_dict.auth_session_state, 1 /* NO_STATE_MAINTAINED */);
}

int thss_answer_new(struct msg **msg, const char *base, uint32_t exp, struct avp *failed)
{
	struct avp *er;

	CHECK_FCT(fd_msg_new_answer_from_req(DICT, msg, 0));
	CHECK_FCT(thss_add_cx_app(*msg));
	if (!exp)
		return fd_msg_rescode_set(*msg, (char *)base, NULL, failed, 1);
	CHECK_FCT(fd_msg_add_origin(*msg, 0));
	CHECK_FCT(thss_avp_add_group(*msg, thss_dict.exp_result, &er));
	CHECK_FCT(thss_avp_add_u32(er, thss_dict.vendor_id, THSS_VENDOR_3GPP));
	return thss_avp_add_u32(er, thss_dict.exp_result_code, exp);
}

/* ----------------------------------------------------------------- reading */

int thss_avp_find(msg_or_avp *parent, struct avp *after, struct dict_object *model,
                  struct avp **found)
{
	struct dict_avp_data want;
	struct avp *a;

	*found = NULL;
	CHECK_FCT(fd_dict_getval(model, &want));
	if (after) {
		CHECK_FCT(fd_msg_browse(after, MSG_BRW_NEXT, &a, NULL));
	} else {
		CHECK_FCT(fd_msg_browse(parent, MSG_BRW_FIRST_CHILD, &a, NULL));
	}
	while (a) {
		struct avp_hdr *h;

		CHECK_FCT(fd_msg_avp_hdr(a, &h));
		if (h->avp_code == want.avp_code && h->avp_vendor == want.avp_vendor) {
			*found = a;
			return 0;
		}
		CHECK_FCT(fd_msg_browse(a, MSG_BRW_NEXT, &a, NULL));
	}
	return 0;
}

/* The parsed value of the first child of that model, or ENOENT. */
static int get_value(msg_or_avp *parent, struct dict_object *model, union avp_value **v)
{
	struct avp *a;
	struct avp_hdr *h;

	CHECK_FCT(thss_avp_find(parent, NULL, model, &a));
	if (!a)
		return ENOENT;
	CHECK_FCT(fd_msg_parse_dict(a, DICT, NULL));
	CHECK_FCT(fd_msg_avp_hdr(a, &h));
	if (!h->avp_value)
		return EINVAL;
	*v = h->avp_value;
	return 0;
}

int thss_avp_get_os(msg_or_avp *parent, struct dict_object *model, const uint8_t **data,
                    size_t *len)
{
	union avp_value *v;
	int rc = get_value(parent, model, &v);

	if (rc)
		return rc;
	*data = v->os.data;
	*len = v->os.len;
	return 0;
}

int thss_avp_get_u32(msg_or_avp *parent, struct dict_object *model, uint32_t *val)
{
	union avp_value *v;
	int rc = get_value(parent, model, &v);

	if (rc)
		return rc;
	*val = v->u32;
	return 0;
}

int thss_avp_get_id(msg_or_avp *parent, struct dict_object *model, char *buf)
{
	const uint8_t *data;
	size_t len;
	int rc = thss_avp_get_os(parent, model, &data, &len);

	buf[0] = '\0';
	if (rc)
		return rc;
	if (len > THSS_ID_MAX || memchr(data, '\0', len))
		return EINVAL;
	memcpy(buf, data, len);
	buf[len] = '\0';
	return 0;
}
