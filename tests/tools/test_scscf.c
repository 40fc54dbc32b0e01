/*
 * test_scscf.c: an S-CSCF stand-in for the tests, as a freeDiameter
 * extension (test_scscf.fdx).  It advertises Cx, answers every
 * Registration-Termination-Request and Push-Profile-Request it receives
 * with DIAMETER_SUCCESS, and writes each request as one JSON line to a file
 * (the test's record of what reached the S-CSCF):
 *
 *   {"command":"RTR","session_id":..,"origin_host":..,"origin_realm":..,
 *    "destination_host":..,"destination_realm":..,"user_name":..,
 *    "public_identities":[..],"reason_code":0,"reason_info":..,
 *    "user_data":..,"avps":["Session-Id",...]}
 *
 * (absent AVPs: null).  Configuration (LoadExtension = "test_scscf.fdx" :
 * "scscf.json";):
 *
 *   { "log": "/tmp/scscf.jsonl", "answer": true }
 *
 * "answer": false answers nothing, as Kamailio does for an RTR about an
 * identity it does not hold (INTEROP.md).  The cx_client plays the
 * requests of this S-CSCF (MAR, SAR) with --origin-host, as a Diameter
 * proxy in front of it would.  Prefix: tscf_.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <freeDiameter/extension.h>
#include <jansson.h>

int fd_ext_init(int major, int minor, char *conffile);
void fd_ext_fini(void);

#define TSCF_VENDOR_3GPP 10415
#define TSCF_APP_CX 16777216

static struct {
	struct dict_object *app, *vendor, *rtr, *ppr;
	struct dict_object *vsai, *vendor_id, *auth_app_id, *auth_state;
} tscf_dict;

static struct disp_hdl *tscf_hdl[2];
static int tscf_log = -1;  /* O_APPEND: each line one write(), never read half */
static int tscf_answer = 1;
static pthread_mutex_t tscf_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- the record -------------------------------------------------------- */

/* The value of an AVP as text (UTF-8 or escaped by jansson), or an integer. */
static json_t *tscf_value(struct avp *a)
{
	struct dict_object *model = NULL;
	struct dict_avp_data d;
	struct avp_hdr *h;

	if (fd_msg_avp_hdr(a, &h) || !h->avp_value || fd_msg_model(a, &model) || !model ||
	    fd_dict_getval(model, &d))
		return json_null();
	if (d.avp_basetype == AVP_TYPE_OCTETSTRING)
		return json_stringn((const char *)h->avp_value->os.data, h->avp_value->os.len);
	if (d.avp_basetype == AVP_TYPE_INTEGER32)
		return json_integer(h->avp_value->i32);
	if (d.avp_basetype == AVP_TYPE_UNSIGNED32)
		return json_integer(h->avp_value->u32);
	return json_null();
}

/* One AVP into the record, by name; a child of Deregistration-Reason too. */
static void tscf_field(json_t *rec, struct avp *a, const char *name)
{
	static const struct { const char *avp, *key; } map[] = {
		{ "Session-Id", "session_id" }, { "Origin-Host", "origin_host" },
		{ "Origin-Realm", "origin_realm" }, { "Destination-Host", "destination_host" },
		{ "Destination-Realm", "destination_realm" }, { "User-Name", "user_name" },
		{ "Reason-Code", "reason_code" }, { "Reason-Info", "reason_info" },
		{ "User-Data", "user_data" },
	};
	size_t i;

	if (!strcmp(name, "Public-Identity")) {
		json_array_append_new(json_object_get(rec, "public_identities"), tscf_value(a));
		return;
	}
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(name, map[i].avp))
			json_object_set_new(rec, map[i].key, tscf_value(a));
}

/* The AVPs of parent into the record; the names of the top-level ones
 * (depth 0) into "avps". */
static void tscf_walk(json_t *rec, msg_or_avp *parent, int depth)
{
	struct avp *a = NULL;

	for (fd_msg_browse(parent, MSG_BRW_FIRST_CHILD, &a, NULL); a;
	     fd_msg_browse(a, MSG_BRW_NEXT, &a, NULL)) {
		struct dict_object *model = NULL;
		struct dict_avp_data d;

		if (fd_msg_model(a, &model) || !model || fd_dict_getval(model, &d))
			continue;
		if (!depth)
			json_array_append_new(json_object_get(rec, "avps"), json_string(d.avp_name));
		if (d.avp_basetype == AVP_TYPE_GROUPED)
			tscf_walk(rec, a, depth + 1);
		else
			tscf_field(rec, a, d.avp_name);
	}
}

static void tscf_record(struct msg *req, const char *cmd)
{
	json_t *rec = json_pack("{s:s,s:n,s:n,s:n,s:n,s:n,s:n,s:[],s:n,s:n,s:n,s:[]}", "command",
	                        cmd, "session_id", "origin_host", "origin_realm",
	                        "destination_host", "destination_realm", "user_name",
	                        "public_identities", "reason_code", "reason_info", "user_data",
	                        "avps");
	char *line, *nl;

	if (!rec)
		return;
	tscf_walk(rec, req, 0);
	line = json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(rec);
	if (!line || asprintf(&nl, "%s\n", line) < 0) {
		free(line);
		return;
	}
	pthread_mutex_lock(&tscf_lock);
	if (write(tscf_log, nl, strlen(nl)) < 0)
		LOG_E("test_scscf: cannot write the record: %s", strerror(errno));
	pthread_mutex_unlock(&tscf_lock);
	free(nl);
	free(line);
}

/* ---- the answer -------------------------------------------------------- */

static int tscf_add_u32(msg_or_avp *parent, struct dict_object *model, uint32_t v)
{
	union avp_value val = { .u32 = v };
	struct avp *a;

	CHECK_FCT(fd_msg_avp_new(model, 0, &a));
	CHECK_FCT(fd_msg_avp_setvalue(a, &val));
	return fd_msg_avp_add(parent, MSG_BRW_LAST_CHILD, a);
}

static int tscf_reply(struct msg **msg)
{
	struct avp *vsai;

	CHECK_FCT(fd_msg_new_answer_from_req(fd_g_config->cnf_dict, msg, 0));
	CHECK_FCT(fd_msg_avp_new(tscf_dict.vsai, 0, &vsai));
	CHECK_FCT(tscf_add_u32(vsai, tscf_dict.vendor_id, TSCF_VENDOR_3GPP));
	CHECK_FCT(tscf_add_u32(vsai, tscf_dict.auth_app_id, TSCF_APP_CX));
	CHECK_FCT(fd_msg_avp_add(*msg, MSG_BRW_LAST_CHILD, vsai));
	CHECK_FCT(tscf_add_u32(*msg, tscf_dict.auth_state, 1 /* NO_STATE_MAINTAINED */));
	CHECK_FCT(fd_msg_rescode_set(*msg, "DIAMETER_SUCCESS", NULL, NULL, 1));
	return fd_msg_send(msg, NULL, NULL);
}

static int tscf_cb(struct msg **msg, struct avp *avp, struct session *sess, void *opaque,
                   enum disp_action *act)
{
	(void)avp;
	(void)sess;
	*act = DISP_ACT_CONT;
	tscf_record(*msg, opaque);
	LOG_N("test_scscf: %s received, %s", (const char *)opaque,
	      tscf_answer ? "answered 2001" : "not answered");
	if (tscf_answer)
		return tscf_reply(msg);
	fd_msg_free(*msg);
	*msg = NULL;
	return 0;
}

/* ---- start and stop ---------------------------------------------------- */

static int tscf_conf(const char *path)
{
	json_error_t err;
	json_t *root = path ? json_load_file(path, 0, &err) : NULL;
	json_t *log = root ? json_object_get(root, "log") : NULL;
	json_t *ans = root ? json_object_get(root, "answer") : NULL;

	if (!json_is_string(log) || (ans && !json_is_boolean(ans))) {
		LOG_E("test_scscf: %s: needs { \"log\": FILE [, \"answer\": true|false] }",
		      path ? path : "(no configuration file)");
		json_decref(root);
		return EINVAL;
	}
	tscf_answer = !ans || json_is_true(ans);
	tscf_log = open(json_string_value(log), O_WRONLY | O_APPEND | O_CREAT, 0644);
	if (tscf_log < 0)
		LOG_E("test_scscf: %s: cannot open %s", path, json_string_value(log));
	json_decref(root);
	return tscf_log < 0 ? EINVAL : 0;
}

static int tscf_dict_init(void)
{
	struct dictionary *d = fd_g_config->cnf_dict;
	application_id_t app = TSCF_APP_CX;
	vendor_id_t vendor = TSCF_VENDOR_3GPP;
	command_code_t rtr = 304, ppr = 305;
	struct dict_avp_request vid = { 0, 0, "Vendor-Id" }, aid = { 0, 0, "Auth-Application-Id" };
	struct dict_avp_request vsai = { 0, 0, "Vendor-Specific-Application-Id" };
	struct dict_avp_request ass = { 0, 0, "Auth-Session-State" };

	CHECK_FCT(fd_dict_search(d, DICT_APPLICATION, APPLICATION_BY_ID, &app, &tscf_dict.app, ENOENT));
	CHECK_FCT(fd_dict_search(d, DICT_VENDOR, VENDOR_BY_ID, &vendor, &tscf_dict.vendor, ENOENT));
	CHECK_FCT(fd_dict_search(d, DICT_COMMAND, CMD_BY_CODE_R, &rtr, &tscf_dict.rtr, ENOENT));
	CHECK_FCT(fd_dict_search(d, DICT_COMMAND, CMD_BY_CODE_R, &ppr, &tscf_dict.ppr, ENOENT));
	CHECK_FCT(fd_dict_search(d, DICT_AVP, AVP_BY_NAME_AND_VENDOR, &vid, &tscf_dict.vendor_id, ENOENT));
	CHECK_FCT(fd_dict_search(d, DICT_AVP, AVP_BY_NAME_AND_VENDOR, &aid, &tscf_dict.auth_app_id, ENOENT));
	CHECK_FCT(fd_dict_search(d, DICT_AVP, AVP_BY_NAME_AND_VENDOR, &vsai, &tscf_dict.vsai, ENOENT));
	CHECK_FCT(fd_dict_search(d, DICT_AVP, AVP_BY_NAME_AND_VENDOR, &ass, &tscf_dict.auth_state, ENOENT));
	return 0;
}

static int tscf_init(char *conffile)
{
	struct disp_when when = { 0 };

	CHECK_FCT(tscf_conf(conffile));
	CHECK_FCT(tscf_dict_init());
	CHECK_FCT(fd_disp_app_support(tscf_dict.app, tscf_dict.vendor, 1, 0));
	when.app = tscf_dict.app;
	when.command = tscf_dict.rtr;
	CHECK_FCT(fd_disp_register(tscf_cb, DISP_HOW_CC, &when, "RTR", &tscf_hdl[0]));
	when.command = tscf_dict.ppr;
	CHECK_FCT(fd_disp_register(tscf_cb, DISP_HOW_CC, &when, "PPR", &tscf_hdl[1]));
	return 0;
}

void fd_ext_fini(void)
{
	int i;

	for (i = 0; i < 2; i++)
		if (tscf_hdl[i])
			fd_disp_unregister(&tscf_hdl[i], NULL);
	if (tscf_log >= 0)
		close(tscf_log);
	tscf_log = -1;
}

EXTENSION_ENTRY("test_scscf", tscf_init, "dict_cx");
