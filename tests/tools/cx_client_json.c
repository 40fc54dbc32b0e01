/*
 * cx_client_json.c: an answer as JSON (jansson), for tests and people.
 *
 *   {"command":"MAA","command_code":303,"application_id":16777216,
 *    "error_bit":false,"result_code":2001|null,
 *    "experimental_result":{"vendor_id":10415,"code":5001}|null,
 *    "origin_host":..,"origin_realm":..,"session_id":..,
 *    MAA:     "user_name","public_identity","sip_number_auth_items",
 *             "items":[{"item_number","scheme","authenticate",
 *                       "authorization","ck","ik"}],
 *    SAA:     "user_name","user_data" (the profile XML, as text),
 *    UAA/LIA: "server_name","server_capabilities":{"mandatory":[..],
 *             "optional":[..],"server_names":[..]},
 *    GOA/GIA: "user_name","public_identity","migration_impi",
 *             "migration_impu","lifetime",
 *    "error_message" (only when present),
 *    "avps":[{"name","code","vendor","flags":"MV","value"|"avps"}]}
 *
 * Values: text for UTF8String, DiameterIdentity and DiameterURI (hex when
 * not valid UTF-8), numbers for integer and float types, and for other
 * OctetStrings text when the bytes are printable UTF-8, hex otherwise.
 * The AKA material (SIP-Authenticate, SIP-Authorization,
 * Confidentiality-Key, Integrity-Key) is always hex; User-Data is always
 * text (XML, line breaks and all) when it is valid UTF-8.  An AVP the
 * dictionary does not know (only possible without the M bit) has null for
 * its name and value.
 */
#include <stdio.h>
#include <string.h>

#include "aka.h"
#include "cx_client.h"

/* AVP codes the convenience fields read, by (vendor, code). */
#define K(v, c) (((uint64_t)(v) << 32) | (uint32_t)(c))
#define K_USER_NAME        K(0, 1)
#define K_SESSION_ID       K(0, 263)
#define K_ORIGIN_HOST      K(0, 264)
#define K_VENDOR_ID        K(0, 266)
#define K_RESULT_CODE      K(0, 268)
#define K_ERROR_MESSAGE    K(0, 281)
#define K_ORIGIN_REALM     K(0, 296)
#define K_EXP_RESULT       K(0, 297)
#define K_EXP_RESULT_CODE  K(0, 298)
#define K_PUBLIC_IDENTITY  K(CXC_VENDOR_3GPP, 601)
#define K_SERVER_NAME      K(CXC_VENDOR_3GPP, 602)
#define K_SERVER_CAPS      K(CXC_VENDOR_3GPP, 603)
#define K_MANDATORY_CAP    K(CXC_VENDOR_3GPP, 604)
#define K_OPTIONAL_CAP     K(CXC_VENDOR_3GPP, 605)
#define K_USER_DATA        K(CXC_VENDOR_3GPP, 606)
#define K_N_AUTH_ITEMS     K(CXC_VENDOR_3GPP, 607)
#define K_AUTH_SCHEME      K(CXC_VENDOR_3GPP, 608)
#define K_AUTHENTICATE     K(CXC_VENDOR_3GPP, 609)
#define K_AUTHORIZATION    K(CXC_VENDOR_3GPP, 610)
#define K_AUTH_DATA_ITEM   K(CXC_VENDOR_3GPP, 612)
#define K_ITEM_NUMBER      K(CXC_VENDOR_3GPP, 613)
#define K_CK               K(CXC_VENDOR_3GPP, 625)
#define K_IK               K(CXC_VENDOR_3GPP, 626)
#define K_OC_SUPPORTED     K(0, 621)
#define K_OC_VECTOR        K(0, 622)
#define K_OC_OLR           K(0, 623)
#define K_OC_SEQ           K(0, 624)
#define K_OC_VALIDITY      K(0, 625)
#define K_OC_TYPE          K(0, 626)
#define K_OC_REDUCTION     K(0, 627)
#define K_MIG_IMPI         K(CXC_VENDOR_MIG, 4)
#define K_MIG_IMPU         K(CXC_VENDOR_MIG, 5)
#define K_MIG_LIFETIME     K(CXC_VENDOR_MIG, 6)

static uint64_t cxc_key(const struct avp_hdr *h)
{
	return K((h->avp_flags & AVP_FLAG_VENDOR) ? h->avp_vendor : 0, h->avp_code);
}

static int cxc_always_hex(uint64_t key)
{
	return key == K_AUTHENTICATE || key == K_AUTHORIZATION || key == K_CK || key == K_IK;
}

/* ---------------------------------------------------------- browsing */

static struct avp *cxc_first(msg_or_avp *parent)
{
	struct avp *avp = NULL;

	return fd_msg_browse(parent, MSG_BRW_FIRST_CHILD, &avp, NULL) ? NULL : avp;
}

static struct avp *cxc_next(struct avp *avp)
{
	struct avp *next = NULL;

	return fd_msg_browse(avp, MSG_BRW_NEXT, &next, NULL) ? NULL : next;
}

/* ---------------------------------------------------------- values */

static json_t *cxc_hex(const uint8_t *p, size_t n)
{
	char buf[2 * 4096 + 1];

	if (n > 4096)
		n = 4096; /* nothing in Cx is that long; keep the output bounded */
	return json_string(aka_bytes_to_hex(p, n, buf));
}

/* Text when valid UTF-8 (and, if `printable`, free of control bytes). */
static json_t *cxc_text_or_hex(const uint8_t *p, size_t n, int printable)
{
	json_t *s;
	size_t i;

	for (i = 0; printable && i < n; i++)
		if (p[i] < 0x20 || p[i] == 0x7f)
			return cxc_hex(p, n);
	s = json_stringn((const char *)p, n); /* NULL when not valid UTF-8 */
	return s ? s : cxc_hex(p, n);
}

static int cxc_is_text_type(const char *type_name)
{
	return type_name && (!strcmp(type_name, "UTF8String")
			     || !strcmp(type_name, "DiameterIdentity")
			     || !strcmp(type_name, "DiameterURI"));
}

static json_t *cxc_octets(const struct avp_hdr *h, const char *type_name)
{
	const uint8_t *p = h->avp_value->os.data;
	size_t n = h->avp_value->os.len;

	if (cxc_always_hex(cxc_key(h)))
		return cxc_hex(p, n);
	if (cxc_key(h) == K_USER_DATA)
		return cxc_text_or_hex(p, n, 0);
	return cxc_text_or_hex(p, n, !cxc_is_text_type(type_name));
}

static json_t *cxc_value(const struct avp_hdr *h, enum dict_avp_basetype base,
			 const char *type_name)
{
	const union avp_value *v = h->avp_value;

	if (!v)
		return json_null();
	switch (base) {
	case AVP_TYPE_OCTETSTRING: return cxc_octets(h, type_name);
	case AVP_TYPE_INTEGER32:   return json_integer(v->i32);
	case AVP_TYPE_INTEGER64:   return json_integer(v->i64);
	case AVP_TYPE_UNSIGNED32:  return json_integer(v->u32);
	case AVP_TYPE_UNSIGNED64:
		return v->u64 <= (uint64_t)INT64_MAX ? json_integer((json_int_t)v->u64)
						     : json_real((double)v->u64);
	case AVP_TYPE_FLOAT32:     return json_real(v->f32);
	case AVP_TYPE_FLOAT64:     return json_real(v->f64);
	default:                   return json_null();
	}
}

/* A value as a string for the convenience fields (text or hex). */
static json_t *cxc_value_of(struct avp *avp)
{
	struct dict_object *model = NULL, *type = NULL;
	struct dict_avp_data ad;
	struct dict_type_data td;
	struct avp_hdr *h = NULL;

	if (fd_msg_avp_hdr(avp, &h) || fd_msg_model(avp, &model) || !model
	    || fd_dict_getval(model, &ad))
		return json_null();
	if (fd_dict_search(fd_g_config->cnf_dict, DICT_TYPE, TYPE_OF_AVP, model, &type, 0)
	    || !type || fd_dict_getval(type, &td))
		return cxc_value(h, ad.avp_basetype, NULL);
	return cxc_value(h, ad.avp_basetype, td.type_name);
}

/* ---------------------------------------------------------- the tree */

static json_t *cxc_json_avps(msg_or_avp *parent);

static json_t *cxc_flags(uint8_t f)
{
	char s[4];
	size_t n = 0;

	if (f & AVP_FLAG_MANDATORY)
		s[n++] = 'M';
	if (f & AVP_FLAG_VENDOR)
		s[n++] = 'V';
	if (f & AVP_FLAG_RESERVED3)
		s[n++] = 'P';
	s[n] = '\0';
	return json_string(s);
}

static json_t *cxc_json_avp(struct avp *avp)
{
	struct dict_object *model = NULL;
	struct dict_avp_data ad;
	struct avp_hdr *h = NULL;
	json_t *o = json_object();

	if (!o || fd_msg_avp_hdr(avp, &h))
		return o;
	if (fd_msg_model(avp, &model) || !model || fd_dict_getval(model, &ad))
		model = NULL;
	json_object_set_new(o, "name", model ? json_string(ad.avp_name) : json_null());
	json_object_set_new(o, "code", json_integer(h->avp_code));
	json_object_set_new(o, "vendor", json_integer((json_int_t)(cxc_key(h) >> 32)));
	json_object_set_new(o, "flags", cxc_flags(h->avp_flags));
	if (model && ad.avp_basetype == AVP_TYPE_GROUPED)
		json_object_set_new(o, "avps", cxc_json_avps(avp));
	else
		json_object_set_new(o, "value", model ? cxc_value_of(avp) : json_null());
	return o;
}

static json_t *cxc_json_avps(msg_or_avp *parent)
{
	json_t *a = json_array();
	struct avp *avp;

	for (avp = cxc_first(parent); avp; avp = cxc_next(avp))
		json_array_append_new(a, cxc_json_avp(avp));
	return a;
}

/* ------------------------------------------------------------ codes */

static int cxc_u32_of(struct avp *avp, uint32_t *v)
{
	struct avp_hdr *h = NULL;

	if (fd_msg_avp_hdr(avp, &h) || !h->avp_value)
		return -1;
	*v = h->avp_value->u32;
	return 0;
}

static void cxc_exp_codes(struct avp *g, struct cxc_codes *c)
{
	struct avp *avp;
	struct avp_hdr *h = NULL;

	for (avp = cxc_first(g); avp; avp = cxc_next(avp)) {
		if (fd_msg_avp_hdr(avp, &h))
			continue;
		if (cxc_key(h) == K_VENDOR_ID)
			cxc_u32_of(avp, &c->exp_vendor);
		else if (cxc_key(h) == K_EXP_RESULT_CODE && !cxc_u32_of(avp, &c->exp_code))
			c->has_exp = 1;
	}
}

static void cxc_olr_field(struct avp *avp, struct cxc_olr *o)
{
	struct avp_hdr *h = NULL;

	if (fd_msg_avp_hdr(avp, &h) || !h->avp_value)
		return;
	if (cxc_key(h) == K_OC_SEQ)
		o->seq = h->avp_value->u64;
	else if (cxc_key(h) == K_OC_REDUCTION)
		o->pct = h->avp_value->u32;
	else if (cxc_key(h) == K_OC_VALIDITY)
		o->validity = h->avp_value->u32;
}

void cxc_answer_olr(struct msg *ans, struct cxc_olr *o)
{
	struct avp *avp, *f;
	struct avp_hdr *h = NULL;

	memset(o, 0, sizeof(*o));
	o->validity = 30;
	for (avp = cxc_first(ans); avp; avp = cxc_next(avp)) {
		if (fd_msg_avp_hdr(avp, &h) || cxc_key(h) != K_OC_OLR)
			continue;
		o->has = 1;
		for (f = cxc_first(avp); f; f = cxc_next(f))
			cxc_olr_field(f, o);
		return;
	}
}

/* Result-Code and Experimental-Result of an answer (top level only). */
void cxc_answer_codes(struct msg *ans, struct cxc_codes *c)
{
	struct avp *avp;
	struct avp_hdr *h = NULL;

	memset(c, 0, sizeof(*c));
	for (avp = cxc_first(ans); avp; avp = cxc_next(avp)) {
		if (fd_msg_avp_hdr(avp, &h))
			continue;
		if (cxc_key(h) == K_RESULT_CODE && !cxc_u32_of(avp, &c->rc))
			c->has_rc = 1;
		else if (cxc_key(h) == K_EXP_RESULT)
			cxc_exp_codes(avp, c);
	}
}

/* ------------------------------------------------- convenience fields */

struct cxc_field {
	uint64_t key;
	const char *name;
};

/* A grouped AVP as an object of the fields named, null when absent. */
static json_t *cxc_json_fields(struct avp *g, const struct cxc_field *fields, size_t n)
{
	json_t *o = json_object();
	struct avp *avp;
	struct avp_hdr *h = NULL;
	size_t i;

	for (i = 0; i < n; i++)
		json_object_set_new(o, fields[i].name, json_null());
	for (avp = cxc_first(g); avp; avp = cxc_next(avp)) {
		if (fd_msg_avp_hdr(avp, &h))
			continue;
		for (i = 0; i < n; i++)
			if (cxc_key(h) == fields[i].key)
				json_object_set_new(o, fields[i].name, cxc_value_of(avp));
	}
	return o;
}

static const struct cxc_field cxc_item_fields[] = {
	{ K_ITEM_NUMBER, "item_number" }, { K_AUTH_SCHEME, "scheme" },
	{ K_AUTHENTICATE, "authenticate" }, { K_AUTHORIZATION, "authorization" },
	{ K_CK, "ck" }, { K_IK, "ik" },
};

/* RFC 7683 */
static const struct cxc_field cxc_olr_fields[] = {
	{ K_OC_SEQ, "sequence_number" }, { K_OC_TYPE, "report_type" },
	{ K_OC_REDUCTION, "reduction_percentage" }, { K_OC_VALIDITY, "validity_duration" },
};
static const struct cxc_field cxc_oc_sup_fields[] = { { K_OC_VECTOR, "feature_vector" } };

#define CXC_FIELDS(g, f) cxc_json_fields((g), (f), sizeof(f) / sizeof((f)[0]))

/* The top-level AVPs that map to one field each. */
static const struct { uint64_t key; const char *name; } cxc_top_fields[] = {
	{ K_SESSION_ID, "session_id" }, { K_ORIGIN_HOST, "origin_host" },
	{ K_ORIGIN_REALM, "origin_realm" }, { K_ERROR_MESSAGE, "error_message" },
	{ K_USER_NAME, "user_name" }, { K_PUBLIC_IDENTITY, "public_identity" },
	{ K_N_AUTH_ITEMS, "sip_number_auth_items" }, { K_MIG_IMPI, "migration_impi" },
	{ K_MIG_IMPU, "migration_impu" }, { K_MIG_LIFETIME, "lifetime" },
	{ K_SERVER_NAME, "server_name" }, { K_USER_DATA, "user_data" },
};

/* Server-Capabilities as {"mandatory":[..],"optional":[..],"server_names":[..]}. */
static json_t *cxc_json_caps(struct avp *g)
{
	json_t *o = json_pack("{s:[],s:[],s:[]}", "mandatory", "optional", "server_names");
	struct avp *avp;
	struct avp_hdr *h = NULL;

	for (avp = cxc_first(g); o && avp; avp = cxc_next(avp)) {
		if (fd_msg_avp_hdr(avp, &h))
			continue;
		if (cxc_key(h) == K_MANDATORY_CAP)
			json_array_append_new(json_object_get(o, "mandatory"), cxc_value_of(avp));
		else if (cxc_key(h) == K_OPTIONAL_CAP)
			json_array_append_new(json_object_get(o, "optional"), cxc_value_of(avp));
		else if (cxc_key(h) == K_SERVER_NAME)
			json_array_append_new(json_object_get(o, "server_names"), cxc_value_of(avp));
	}
	return o;
}

static void cxc_top_field(json_t *root, struct avp *avp)
{
	struct avp_hdr *h = NULL;
	json_t *items;
	size_t i;

	if (fd_msg_avp_hdr(avp, &h))
		return;
	if (cxc_key(h) == K_SERVER_CAPS) {
		json_object_set_new(root, "server_capabilities", cxc_json_caps(avp));
		return;
	}
	if (cxc_key(h) == K_AUTH_DATA_ITEM) {
		items = json_object_get(root, "items");
		if (!json_is_array(items))
			json_object_set_new(root, "items", items = json_array());
		json_array_append_new(items, CXC_FIELDS(avp, cxc_item_fields));
		return;
	}
	if (cxc_key(h) == K_OC_OLR) {
		json_object_set_new(root, "oc_olr", CXC_FIELDS(avp, cxc_olr_fields));
		return;
	}
	if (cxc_key(h) == K_OC_SUPPORTED) {
		json_object_set_new(root, "oc_supported_features", CXC_FIELDS(avp, cxc_oc_sup_fields));
		return;
	}
	for (i = 0; i < sizeof(cxc_top_fields) / sizeof(cxc_top_fields[0]); i++)
		if (cxc_key(h) == cxc_top_fields[i].key)
			json_object_set_new(root, cxc_top_fields[i].name, cxc_value_of(avp));
}

/* The fields each answer always has, null until an AVP fills them. */
static void cxc_defaults(json_t *root, command_code_t code)
{
	static const char *const common[] = { "session_id", "origin_host", "origin_realm", "oc_olr",
		                              "oc_supported_features" };
	static const char *const maa[] = { "user_name", "public_identity", "sip_number_auth_items" };
	static const char *const alloc[] = {
		"user_name", "public_identity", "migration_impi", "migration_impu", "lifetime"
	};
	static const char *const saa[] = { "user_name", "user_data" };
	static const char *const uaa[] = { "server_name", "server_capabilities" };
	size_t i;

	for (i = 0; i < sizeof(common) / sizeof(common[0]); i++)
		json_object_set_new(root, common[i], json_null());
	if (code == CXC_CMD_MAR) {
		for (i = 0; i < sizeof(maa) / sizeof(maa[0]); i++)
			json_object_set_new(root, maa[i], json_null());
		json_object_set_new(root, "items", json_array());
	}
	if (code == CXC_CMD_GOR || code == CXC_CMD_GIR)
		for (i = 0; i < sizeof(alloc) / sizeof(alloc[0]); i++)
			json_object_set_new(root, alloc[i], json_null());
	if (code == CXC_CMD_SAR)
		for (i = 0; i < sizeof(saa) / sizeof(saa[0]); i++)
			json_object_set_new(root, saa[i], json_null());
	if (code == CXC_CMD_UAR || code == CXC_CMD_LIR)
		for (i = 0; i < sizeof(uaa) / sizeof(uaa[0]); i++)
			json_object_set_new(root, uaa[i], json_null());
}

/* ------------------------------------------------------------ header */

static const char *cxc_short_name(command_code_t code)
{
	switch (code) {
	case 300: return "UAA";
	case 301: return "SAA";
	case 302: return "LIA";
	case CXC_CMD_MAR: return "MAA";
	case 304: return "RTA";
	case 305: return "PPA";
	case CXC_CMD_GOR: return "GOA";
	case CXC_CMD_GIR: return "GIA";
	default: return NULL;
	}
}

static json_t *cxc_command_name(struct msg *ans, command_code_t code)
{
	struct dict_object *model = NULL;
	struct dict_cmd_data cd;
	const char *s = cxc_short_name(code);

	if (s)
		return json_string(s);
	if (fd_msg_model(ans, &model) || !model || fd_dict_getval(model, &cd))
		return json_null();
	return json_string(cd.cmd_name);
}

static void cxc_header(json_t *root, struct msg *ans, const struct msg_hdr *mh)
{
	struct cxc_codes c;
	json_t *er;

	json_object_set_new(root, "command", cxc_command_name(ans, mh->msg_code));
	json_object_set_new(root, "command_code", json_integer(mh->msg_code));
	json_object_set_new(root, "application_id", json_integer(mh->msg_appl));
	json_object_set_new(root, "error_bit", json_boolean(mh->msg_flags & CMD_FLAG_ERROR));
	cxc_answer_codes(ans, &c);
	json_object_set_new(root, "result_code", c.has_rc ? json_integer(c.rc) : json_null());
	er = c.has_exp ? json_pack("{s:I,s:I}", "vendor_id", (json_int_t)c.exp_vendor,
				   "code", (json_int_t)c.exp_code)
		       : json_null();
	json_object_set_new(root, "experimental_result", er);
}

json_t *cxc_json_answer(struct msg *ans)
{
	struct msg_hdr *mh = NULL;
	struct avp *avp;
	json_t *root = json_object();

	if (!root || fd_msg_hdr(ans, &mh)) {
		json_decref(root);
		return NULL;
	}
	cxc_header(root, ans, mh);
	cxc_defaults(root, mh->msg_code);
	for (avp = cxc_first(ans); avp; avp = cxc_next(avp))
		cxc_top_field(root, avp);
	json_object_set_new(root, "avps", cxc_json_avps(ans));
	return root;
}
