/*
 * cx_client_msg.c: dictionary look-ups (once, after the configuration has
 * loaded the dictionaries) and the building of MAR, SAR, UAR, LIR, GOR and
 * GIR.
 *
 * Requests are built as TS 29.229 (Cx) and doc/allocation.md (GOR, GIR)
 * write them; --omit leaves out User-Name or Public-Identity on purpose so
 * that tests can provoke DIAMETER_MISSING_AVP.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cx_client.h"

#define CXC_DICT (fd_g_config->cnf_dict)

#define N_MAR (1u << CXC_MAR)
#define N_SAR (1u << CXC_SAR)
#define N_UAR (1u << CXC_UAR)
#define N_LIR (1u << CXC_LIR)
#define N_CX (N_MAR | N_SAR | N_UAR | N_LIR)
#define N_ALLOC ((1u << CXC_GOR) | (1u << CXC_GIR))
#define N_ALL (N_CX | N_ALLOC)

static struct dict_object *cxc_cmd_obj[CXC_NCMDS];
static struct dict_object *cxc_app_cx, *cxc_app_alloc;
static struct dict_object *cxc_vnd_3gpp, *cxc_vnd_mig;

static struct {
	struct dict_object *session_id, *vsai, *vendor_id, *auth_app_id, *auth_state;
	struct dict_object *dest_realm, *dest_host, *user_name, *public_identity;
	struct dict_object *n_items, *auth_item, *scheme, *authorization, *server_name;
	struct dict_object *partner, *primary, *sipdb, *lifetime, *pool;
	struct dict_object *origin_host, *sat, *udaa, *visited, *uat;
	struct dict_object *oc_sup, *oc_vector;
} cxc_avp;

/* An AVP to look up, by name and vendor, and the commands that need it. */
struct cxc_avp_ref {
	struct dict_object **obj;
	vendor_id_t vendor;
	const char *name;
	unsigned need;
};

static const struct cxc_avp_ref cxc_avp_refs[] = {
	{ &cxc_avp.session_id,      0,              "Session-Id",                      N_ALL },
	{ &cxc_avp.vsai,            0,              "Vendor-Specific-Application-Id",  N_CX },
	{ &cxc_avp.vendor_id,       0,              "Vendor-Id",                       N_CX },
	{ &cxc_avp.origin_host,     0,              "Origin-Host",                     N_ALL },
	{ &cxc_avp.oc_sup,          0,              "OC-Supported-Features",           N_ALL },
	{ &cxc_avp.oc_vector,       0,              "OC-Feature-Vector",               N_ALL },
	{ &cxc_avp.auth_app_id,     0,              "Auth-Application-Id",             N_ALL },
	{ &cxc_avp.auth_state,      0,              "Auth-Session-State",              N_ALL },
	{ &cxc_avp.dest_realm,      0,              "Destination-Realm",               N_ALL },
	{ &cxc_avp.dest_host,       0,              "Destination-Host",                N_ALL },
	{ &cxc_avp.user_name,       0,              "User-Name",                       N_ALL },
	{ &cxc_avp.public_identity, CXC_VENDOR_3GPP, "Public-Identity",                N_ALL },
	{ &cxc_avp.n_items,         CXC_VENDOR_3GPP, "SIP-Number-Auth-Items",          N_MAR },
	{ &cxc_avp.auth_item,       CXC_VENDOR_3GPP, "SIP-Auth-Data-Item",             N_MAR },
	{ &cxc_avp.scheme,          CXC_VENDOR_3GPP, "SIP-Authentication-Scheme",      N_MAR },
	{ &cxc_avp.authorization,   CXC_VENDOR_3GPP, "SIP-Authorization",              N_MAR },
	{ &cxc_avp.server_name,     CXC_VENDOR_3GPP, "Server-Name",                    N_MAR | N_SAR },
	{ &cxc_avp.sat,             CXC_VENDOR_3GPP, "Server-Assignment-Type",         N_SAR },
	{ &cxc_avp.udaa,            CXC_VENDOR_3GPP, "User-Data-Already-Available",    N_SAR },
	{ &cxc_avp.visited,         CXC_VENDOR_3GPP, "Visited-Network-Identifier",     N_UAR },
	{ &cxc_avp.uat,             CXC_VENDOR_3GPP, "User-Authorization-Type",        N_UAR | N_LIR },
	{ &cxc_avp.partner,         CXC_VENDOR_MIG,  "Migration-Partner-Realm",        1u << CXC_GOR },
	{ &cxc_avp.primary,         CXC_VENDOR_MIG,  "Migration-Primary-Realm",        1u << CXC_GIR },
	{ &cxc_avp.sipdb,           CXC_VENDOR_MIG,  "Migration-Primary-SIPDB",        1u << CXC_GIR },
	{ &cxc_avp.lifetime,        CXC_VENDOR_MIG,  "Migration-Lifetime",             N_ALLOC },
	{ &cxc_avp.pool,            CXC_VENDOR_MIG,  "Migration-Pool",                 N_ALLOC },
};

static const command_code_t cxc_cmd_codes[CXC_NCMDS] = {
	CXC_CMD_MAR, CXC_CMD_GOR, CXC_CMD_GIR, CXC_CMD_SAR, CXC_CMD_UAR, CXC_CMD_LIR
};

static struct dict_object *cxc_find_avp(vendor_id_t vendor, const char *name)
{
	struct dict_avp_request req = { .avp_vendor = vendor, .avp_name = (char *)name };
	struct dict_object *obj = NULL;

	if (fd_dict_search(CXC_DICT, DICT_AVP, AVP_BY_NAME_AND_VENDOR, &req, &obj, 0))
		return NULL;
	return obj;
}

static struct dict_object *cxc_find_by_id(enum dict_object_type type, int criteria,
					  uint32_t id)
{
	struct dict_object *obj = NULL;

	if (fd_dict_search(CXC_DICT, type, criteria, &id, &obj, 0))
		return NULL;
	return obj;
}

/*
 * Look every object up once.  Objects of the other commands may be
 * missing (dict_cx without the allocation application still serves MAR);
 * those this command needs may not.
 */
int cxc_dict_init(enum cxc_cmd cmd)
{
	size_t i;
	int missing = 0;

	for (i = 0; i < sizeof(cxc_avp_refs) / sizeof(cxc_avp_refs[0]); i++) {
		const struct cxc_avp_ref *r = &cxc_avp_refs[i];

		*r->obj = cxc_find_avp(r->vendor, r->name);
		if (!*r->obj && (r->need & (1u << cmd))) {
			fprintf(stderr, "cx_client: the dictionary has no AVP %s (vendor %u): "
				"does the configuration load dict_cx?\n", r->name, r->vendor);
			missing = 1;
		}
	}
	for (i = 0; i < CXC_NCMDS; i++)
		cxc_cmd_obj[i] = cxc_find_by_id(DICT_COMMAND, CMD_BY_CODE_R, cxc_cmd_codes[i]);
	if (!cxc_cmd_obj[cmd]) {
		fprintf(stderr, "cx_client: the dictionary has no command %u (%s)\n",
			cxc_cmd_codes[cmd], cxc_cmd_name(cmd));
		missing = 1;
	}
	cxc_app_cx = cxc_find_by_id(DICT_APPLICATION, APPLICATION_BY_ID, CXC_APP_CX);
	cxc_app_alloc = cxc_find_by_id(DICT_APPLICATION, APPLICATION_BY_ID, CXC_APP_ALLOC);
	cxc_vnd_3gpp = cxc_find_by_id(DICT_VENDOR, VENDOR_BY_ID, CXC_VENDOR_3GPP);
	cxc_vnd_mig = cxc_find_by_id(DICT_VENDOR, VENDOR_BY_ID, CXC_VENDOR_MIG);
	return missing ? ENOENT : 0;
}

/*
 * Advertise Cx (and the allocation application when the dictionary has
 * it) in our CER, as an S-CSCF or a CMS would: a peer that checks for a
 * common application then accepts us even when the configuration says
 * NoRelay.
 */
int cxc_advertise(void)
{
	if (cxc_app_cx)
		CHECK_FCT(fd_disp_app_support(cxc_app_cx, cxc_vnd_3gpp, 1, 0));
	if (cxc_app_alloc)
		CHECK_FCT(fd_disp_app_support(cxc_app_alloc, cxc_vnd_mig, 1, 0));
	return 0;
}

/* ---------------------------------------------------------------- AVPs */

static int cxc_add_os(msg_or_avp *parent, struct dict_object *model,
		      const uint8_t *data, size_t len)
{
	struct avp *avp = NULL;
	union avp_value val;

	memset(&val, 0, sizeof(val));
	val.os.data = (uint8_t *)data;
	val.os.len = len;
	CHECK_FCT(fd_msg_avp_new(model, 0, &avp));
	CHECK_FCT_DO(fd_msg_avp_setvalue(avp, &val), { fd_msg_free(avp); return __ret__; });
	CHECK_FCT(fd_msg_avp_add(parent, MSG_BRW_LAST_CHILD, avp));
	return 0;
}

static int cxc_add_str(msg_or_avp *parent, struct dict_object *model, const char *s)
{
	return cxc_add_os(parent, model, (const uint8_t *)s, strlen(s));
}

static int cxc_add_u32(msg_or_avp *parent, struct dict_object *model, uint32_t v)
{
	struct avp *avp = NULL;
	union avp_value val;

	memset(&val, 0, sizeof(val));
	val.u32 = v;
	CHECK_FCT(fd_msg_avp_new(model, 0, &avp));
	CHECK_FCT_DO(fd_msg_avp_setvalue(avp, &val), { fd_msg_free(avp); return __ret__; });
	CHECK_FCT(fd_msg_avp_add(parent, MSG_BRW_LAST_CHILD, avp));
	return 0;
}

/* Vendor-Specific-Application-Id { Vendor-Id 10415, Auth-Application-Id Cx } */
static int cxc_add_vsai(struct msg *msg)
{
	struct avp *g = NULL;

	CHECK_FCT(fd_msg_avp_new(cxc_avp.vsai, 0, &g));
	CHECK_FCT_DO(cxc_add_u32(g, cxc_avp.vendor_id, CXC_VENDOR_3GPP),
		     { fd_msg_free(g); return __ret__; });
	CHECK_FCT_DO(cxc_add_u32(g, cxc_avp.auth_app_id, CXC_APP_CX),
		     { fd_msg_free(g); return __ret__; });
	CHECK_FCT(fd_msg_avp_add(msg, MSG_BRW_LAST_CHILD, g));
	return 0;
}

/* Origin-Host H in place of ours (fd_msg_add_origin wrote ours). */
static int cxc_set_origin_host(struct msg *msg, const char *host)
{
	struct avp *avp = NULL;
	union avp_value val;

	CHECK_FCT(fd_msg_search_avp(msg, cxc_avp.origin_host, &avp));
	if (!avp)
		return ENOENT;
	memset(&val, 0, sizeof(val));
	val.os.data = (uint8_t *)host;
	val.os.len = strlen(host);
	return fd_msg_avp_setvalue(avp, &val);
}

/* ------------------------------------------------------------ commands */

/*
 * An identity option for request number SEQ: its first "%u" becomes SEQ,
 * so that a --count run can name a user of its own in each request (the
 * allocation load of the crash tests); without "%u", the option as given.
 */
static int cxc_add_ident(struct msg *msg, struct dict_object *model, const char *pat,
			 unsigned seq)
{
	const char *p = strstr(pat, "%u");
	char buf[1024];

	if (!p)
		return cxc_add_str(msg, model, pat);
	if ((size_t)snprintf(buf, sizeof(buf), "%.*s%u%s", (int)(p - pat), pat, seq, p + 2)
	    >= sizeof(buf))
		return ENAMETOOLONG;
	return cxc_add_str(msg, model, buf);
}

/* What every request carries, up to the user's identities. */
/* OC-Supported-Features { OC-Feature-Vector 1: the loss algorithm } */
static int cxc_add_oc_sup(struct msg *msg)
{
	union avp_value val = { .u64 = 1 };
	struct avp *g = NULL, *v = NULL;

	CHECK_FCT(fd_msg_avp_new(cxc_avp.oc_sup, 0, &g));
	CHECK_FCT_DO(fd_msg_avp_new(cxc_avp.oc_vector, 0, &v), { fd_msg_free(g); return __ret__; });
	CHECK_FCT_DO(fd_msg_avp_setvalue(v, &val), { fd_msg_free(v); fd_msg_free(g); return __ret__; });
	CHECK_FCT_DO(fd_msg_avp_add(g, MSG_BRW_LAST_CHILD, v), { fd_msg_free(v); fd_msg_free(g); return __ret__; });
	CHECK_FCT(fd_msg_avp_add(msg, MSG_BRW_LAST_CHILD, g));
	return 0;
}

static int cxc_build_head(const struct cxc_opts *o, const struct cxc_target *t, unsigned seq,
			  struct msg *msg)
{
	static const char tag[] = "cx_client";

	unsigned i;

	CHECK_FCT(fd_msg_new_session(msg, (os0_t)tag, sizeof(tag) - 1));
	if (CXC_IS_CX(o->cmd)) {
		CHECK_FCT(cxc_add_vsai(msg));
	} else {
		CHECK_FCT(cxc_add_u32(msg, cxc_avp.auth_app_id, CXC_APP_ALLOC));
	}
	CHECK_FCT(cxc_add_u32(msg, cxc_avp.auth_state, 1 /* NO_STATE_MAINTAINED */));
	CHECK_FCT(fd_msg_add_origin(msg, 0));
	if (o->origin_host)
		CHECK_FCT(cxc_set_origin_host(msg, o->origin_host));
	if (t->dest_host)
		CHECK_FCT(cxc_add_str(msg, cxc_avp.dest_host, t->dest_host));
	CHECK_FCT(cxc_add_str(msg, cxc_avp.dest_realm, t->dest_realm));
	if (o->impi && !o->omit_user_name)
		CHECK_FCT(cxc_add_ident(msg, cxc_avp.user_name, o->impi, seq));
	for (i = 0; i < o->n_impus && !o->omit_public_identity; i++)
		CHECK_FCT(cxc_add_ident(msg, cxc_avp.public_identity, o->impus[i], seq));
	return o->doic ? cxc_add_oc_sup(msg) : 0;
}

/* SIP-Auth-Data-Item { SIP-Authentication-Scheme [, SIP-Authorization] } */
static int cxc_add_auth_item(const struct cxc_opts *o, struct msg *msg)
{
	struct avp *g = NULL;

	CHECK_FCT(fd_msg_avp_new(cxc_avp.auth_item, 0, &g));
	CHECK_FCT_DO(cxc_add_str(g, cxc_avp.scheme, o->scheme), { fd_msg_free(g); return __ret__; });
	if (o->has_auts)
		CHECK_FCT_DO(cxc_add_os(g, cxc_avp.authorization, o->auts, sizeof(o->auts)),
			     { fd_msg_free(g); return __ret__; });
	CHECK_FCT(fd_msg_avp_add(msg, MSG_BRW_LAST_CHILD, g));
	return 0;
}

/* Server-Name: --server-name, or sip:scscf.<our realm>. */
static int cxc_add_server_name(const struct cxc_opts *o, struct msg *msg)
{
	char *sname = NULL;
	int rc;

	if (o->server_name)
		return cxc_add_str(msg, cxc_avp.server_name, o->server_name);
	if (asprintf(&sname, "sip:scscf.%s", fd_g_config->cnf_diamrlm) < 0)
		return ENOMEM;
	rc = cxc_add_str(msg, cxc_avp.server_name, sname);
	free(sname);
	return rc;
}

static int cxc_build_mar(const struct cxc_opts *o, struct msg *msg)
{
	CHECK_FCT(cxc_add_u32(msg, cxc_avp.n_items, o->items));
	CHECK_FCT(cxc_add_auth_item(o, msg));
	return cxc_add_server_name(o, msg);
}

/* SAR: Server-Name, Server-Assignment-Type (default REGISTRATION),
 * User-Data-Already-Available. */
static int cxc_build_sar(const struct cxc_opts *o, struct msg *msg)
{
	CHECK_FCT(cxc_add_server_name(o, msg));
	CHECK_FCT(cxc_add_u32(msg, cxc_avp.sat, o->has_type ? o->type : 1));
	return cxc_add_u32(msg, cxc_avp.udaa, o->data_available);
}

/* UAR: Visited-Network-Identifier; UAR, LIR: User-Authorization-Type. */
static int cxc_build_uar_lir(const struct cxc_opts *o, struct msg *msg)
{
	if (o->cmd == CXC_UAR)
		CHECK_FCT(cxc_add_str(msg, cxc_avp.visited,
				      o->visited ? o->visited : fd_g_config->cnf_diamrlm));
	if (o->has_type)
		CHECK_FCT(cxc_add_u32(msg, cxc_avp.uat, o->type));
	return 0;
}

static int cxc_build_alloc(const struct cxc_opts *o, struct msg *msg)
{
	CHECK_FCT(cxc_add_str(msg, o->cmd == CXC_GOR ? cxc_avp.partner : cxc_avp.primary, o->realm));
	if (o->primary_sipdb)
		CHECK_FCT(cxc_add_str(msg, cxc_avp.sipdb, o->primary_sipdb));
	if (o->has_lifetime)
		CHECK_FCT(cxc_add_u32(msg, cxc_avp.lifetime, o->lifetime));
	if (o->pool)
		CHECK_FCT(cxc_add_str(msg, cxc_avp.pool, o->pool));
	return 0;
}

/* Request number SEQ of the command the options name, with a new
 * Session-Id and end-to-end identifier. */
int cxc_msg_build(const struct cxc_opts *o, const struct cxc_target *t, unsigned seq,
		  struct msg **out)
{
	struct msg *msg = NULL;
	int rc;

	CHECK_FCT(fd_msg_new(cxc_cmd_obj[o->cmd], MSGFL_ALLOC_ETEID, &msg));
	rc = cxc_build_head(o, t, seq, msg);
	if (!rc) {
		switch (o->cmd) {
		case CXC_MAR: rc = cxc_build_mar(o, msg); break;
		case CXC_SAR: rc = cxc_build_sar(o, msg); break;
		case CXC_UAR: case CXC_LIR: rc = cxc_build_uar_lir(o, msg); break;
		default: rc = cxc_build_alloc(o, msg); break;
		}
	}
	if (rc) {
		fd_msg_free(msg);
		return rc;
	}
	*out = msg;
	return 0;
}
