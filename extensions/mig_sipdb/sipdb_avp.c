/*
 * sipdb_avp.c: AVP get/put helpers shared by every command.
 *
 * Kept in one place (as Kamailio's cxdx_avp.c is) so that MAR, SAR, UAR,
 * LIR and RTR do not each grow their own way of reading an identity or of
 * building an error answer.
 */
#include <strings.h>

#include "sipdb.h"

int sipdb_avp_str(struct msg *m, struct dict_object *model, const char **val, size_t *len,
                  struct avp **avp)
{
	struct avp_hdr *h;
	struct avp *a = NULL;

	*val = NULL;
	*len = 0;
	if (avp)
		*avp = NULL;
	CHECK_FCT(fd_msg_search_avp(m, model, &a));
	if (!a)
		return 0;
	CHECK_FCT(fd_msg_avp_hdr(a, &h));
	if (avp)
		*avp = a;
	if (!h->avp_value)
		return 0;
	*val = (const char *)h->avp_value->os.data;
	*len = h->avp_value->os.len;
	return 0;
}

int sipdb_avp_ident(struct msg *m, struct dict_object *model, char *buf, struct avp **avp)
{
	const char *v;
	size_t len;

	buf[0] = '\0';
	CHECK_FCT(sipdb_avp_str(m, model, &v, &len, avp));
	if (!v)
		return ENOENT;
	if (len > MIG_IDENT_MAX || memchr(v, '\0', len))
		return EINVAL;
	memcpy(buf, v, len);
	buf[len] = '\0';
	return 0;
}

int sipdb_avp_u32(struct msg *m, struct dict_object *model, uint32_t *val)
{
	struct avp_hdr *h;
	struct avp *a = NULL;

	CHECK_FCT(fd_msg_search_avp(m, model, &a));
	if (!a)
		return ENOENT;
	CHECK_FCT(fd_msg_avp_hdr(a, &h));
	if (!h->avp_value)
		return ENOENT;
	*val = h->avp_value->u32;
	return 0;
}

int sipdb_avp_set_str(struct avp *avp, const char *val)
{
	union avp_value v;

	memset(&v, 0, sizeof(v));
	v.os.data = (uint8_t *)val;
	v.os.len = strlen(val);
	return fd_msg_avp_setvalue(avp, &v);
}

int sipdb_avp_add_str(msg_or_avp *parent, struct dict_object *model, const char *val)
{
	struct avp *a;

	CHECK_FCT(fd_msg_avp_new(model, 0, &a));
	CHECK_FCT_DO(sipdb_avp_set_str(a, val), { fd_msg_free(a); return EINVAL; });
	CHECK_FCT(fd_msg_avp_add(parent, MSG_BRW_LAST_CHILD, a));
	return 0;
}

int sipdb_avp_add_u32(msg_or_avp *parent, struct dict_object *model, uint32_t val)
{
	union avp_value v;
	struct avp *a;

	memset(&v, 0, sizeof(v));
	v.u32 = val;
	CHECK_FCT(fd_msg_avp_new(model, 0, &a));
	CHECK_FCT_DO(fd_msg_avp_setvalue(a, &v), { fd_msg_free(a); return EINVAL; });
	CHECK_FCT(fd_msg_avp_add(parent, MSG_BRW_LAST_CHILD, a));
	return 0;
}

int sipdb_avp_all_equal(struct msg *m, struct dict_object *model, const char *want)
{
	size_t len = strlen(want);
	struct avp *a;

	if (fd_msg_browse(m, MSG_BRW_FIRST_CHILD, &a, NULL))
		return 0;
	for (; a; fd_msg_browse(a, MSG_BRW_NEXT, &a, NULL)) {
		struct dict_object *am = NULL;
		struct avp_hdr *h;

		if (fd_msg_model(a, &am) || am != model)
			continue;
		if (fd_msg_avp_hdr(a, &h) || !h->avp_value || h->avp_value->os.len != len ||
		    strncasecmp((const char *)h->avp_value->os.data, want, len))
			return 0;
	}
	return 1;
}

int sipdb_avp_add_cx_app(struct msg *m)
{
	struct avp *vsai;

	CHECK_FCT(fd_msg_avp_new(sipdb_dict.vsai, 0, &vsai));
	CHECK_FCT(sipdb_avp_add_u32(vsai, sipdb_dict.vendor_id, 10415));
	CHECK_FCT(sipdb_avp_add_u32(vsai, sipdb_dict.auth_app_id, 16777216));
	CHECK_FCT(fd_msg_avp_add(m, MSG_BRW_LAST_CHILD, vsai));
	return sipdb_avp_add_u32(m, sipdb_dict.auth_session_state, 1 /* NO_STATE_MAINTAINED */);
}

uint32_t sipdb_answer_code(struct msg *ans)
{
	struct avp *a = NULL, *c = NULL;
	struct avp_hdr *h;
	uint32_t code = 0;

	if (sipdb_avp_u32(ans, sipdb_dict.result_code, &code) == 0)
		return code;
	if (fd_msg_search_avp(ans, sipdb_dict.exp_result, &a) || !a)
		return 0;
	if (fd_msg_browse(a, MSG_BRW_FIRST_CHILD, &c, NULL))
		return 0;
	for (; c; fd_msg_browse(c, MSG_BRW_NEXT, &c, NULL)) {
		struct dict_object *m = NULL;

		if (fd_msg_model(c, &m) == 0 && m == sipdb_dict.exp_result_code &&
		    fd_msg_avp_hdr(c, &h) == 0 && h->avp_value)
			return h->avp_value->u32;
	}
	return 0;
}

/* Recursive copy: the model gives the type; a grouped AVP copies each child
 * that has a model (children without one cannot be rebuilt: skipped). */
int sipdb_avp_clone(struct avp *src, struct avp **copy)
{
	struct dict_object *model = NULL;
	struct dict_avp_data d;
	struct avp_hdr *h;
	struct avp *c, *child, *cc;

	CHECK_FCT(fd_msg_model(src, &model));
	if (!model)
		return ENOTSUP;
	CHECK_FCT(fd_dict_getval(model, &d));
	CHECK_FCT(fd_msg_avp_new(model, 0, &c));
	if (d.avp_basetype != AVP_TYPE_GROUPED) {
		CHECK_FCT(fd_msg_avp_hdr(src, &h));
		if (h->avp_value) {
			CHECK_FCT_DO(fd_msg_avp_setvalue(c, h->avp_value), { fd_msg_free(c); return EINVAL; });
		}
		*copy = c;
		return 0;
	}
	CHECK_FCT(fd_msg_browse(src, MSG_BRW_FIRST_CHILD, &child, NULL));
	while (child) {
		if (sipdb_avp_clone(child, &cc) == 0) {
			CHECK_FCT(fd_msg_avp_add(c, MSG_BRW_LAST_CHILD, cc));
		}
		CHECK_FCT(fd_msg_browse(child, MSG_BRW_NEXT, &child, NULL));
	}
	*copy = c;
	return 0;
}

/* Copy the application AVPs of the request into its answer: Cx answers need
 * Vendor-Specific-Application-Id and Auth-Session-State even on errors. */
static int answer_copy_app(struct msg *req, struct msg *ans)
{
	struct dict_object *models[] = { sipdb_dict.vsai, sipdb_dict.auth_app_id,
	                                 sipdb_dict.auth_session_state };
	struct avp *a, *c;
	size_t i;

	for (i = 0; i < sizeof(models) / sizeof(models[0]); i++) {
		CHECK_FCT(fd_msg_search_avp(req, models[i], &a));
		if (a && sipdb_avp_clone(a, &c) == 0) {
			CHECK_FCT(fd_msg_avp_add(ans, MSG_BRW_LAST_CHILD, c));
		}
	}
	return 0;
}

int sipdb_answer_add_experimental(struct msg *ans, uint32_t code)
{
	struct avp *er;
	struct msg_hdr *h;

	CHECK_FCT(fd_msg_add_origin(ans, 0));
	CHECK_FCT(fd_msg_avp_new(sipdb_dict.exp_result, 0, &er));
	CHECK_FCT(sipdb_avp_add_u32(er, sipdb_dict.vendor_id, 10415));
	CHECK_FCT(sipdb_avp_add_u32(er, sipdb_dict.exp_result_code, code));
	CHECK_FCT(fd_msg_avp_add(ans, MSG_BRW_LAST_CHILD, er));
	CHECK_FCT(fd_msg_hdr(ans, &h));
	h->msg_flags &= ~CMD_FLAG_ERROR;
	return 0;
}

/* Failed-AVP holding a copy of the offending AVP (or a blank one of that
 * model when it was missing: RFC 6733 7.5). */
static int answer_add_failed(struct msg *ans, struct avp *failed)
{
	struct avp *fa, *c;

	if (sipdb_avp_clone(failed, &c))
		return 0;
	CHECK_FCT(fd_msg_avp_new(sipdb_dict.failed_avp, 0, &fa));
	CHECK_FCT(fd_msg_avp_add(fa, MSG_BRW_LAST_CHILD, c));
	CHECK_FCT(fd_msg_avp_add(ans, MSG_BRW_LAST_CHILD, fa));
	return 0;
}

int sipdb_answer_new(struct msg **msg)
{
	struct msg *req = *msg;

	CHECK_FCT(fd_msg_new_answer_from_req(fd_g_config->cnf_dict, msg, 0));
	CHECK_FCT(answer_copy_app(req, *msg));
	return sipdb_doic_report(req, *msg);
}

int sipdb_answer_start(struct msg **msg, const char *base, uint32_t exp, const char *text)
{
	CHECK_FCT(sipdb_answer_new(msg));
	if (exp)
		return sipdb_answer_add_experimental(*msg, exp);
	return fd_msg_rescode_set(*msg, (char *)base, (char *)text, NULL, 1);
}

int sipdb_answer_error(struct msg **msg, const char *base, uint32_t exp, const char *text,
                       struct avp *failed, const struct sipdb_ids *ident)
{
	struct msg *ans;

	CHECK_FCT(sipdb_answer_start(msg, base, exp, text));
	ans = *msg;
	if (failed) {
		CHECK_FCT(answer_add_failed(ans, failed));
	}
	if (ident && ident->impi && ident->impi[0]) {
		CHECK_FCT(sipdb_avp_add_str(ans, sipdb_dict.user_name, ident->impi));
	}
	if (ident && ident->impu && ident->impu[0]) {
		CHECK_FCT(sipdb_avp_add_str(ans, sipdb_dict.public_identity, ident->impu));
	}
	return fd_msg_send(msg, NULL, NULL);
}

int sipdb_req_ident(struct msg **msg, struct dict_object *model, char *buf, int required,
                    int *answered)
{
	struct avp *a = NULL, *blank;
	int rc = sipdb_avp_ident(*msg, model, buf, &a);

	*answered = 0;
	if (rc == 0 || (rc == ENOENT && !required))
		return 0;
	*answered = 1;
	if (rc == EINVAL)
		return sipdb_answer_error(msg, "DIAMETER_INVALID_AVP_VALUE", 0, NULL, a, NULL);
	CHECK_FCT(fd_msg_avp_new(model, 0, &blank));
	CHECK_FCT(sipdb_avp_set_str(blank, ""));
	rc = sipdb_answer_error(msg, "DIAMETER_MISSING_AVP", 0, NULL, blank, NULL);
	fd_msg_free(blank);
	return rc;
}

/* By the header, which an AVP has whether or not it was parsed with the
 * dictionary (a model it may lack). */
static int sipdb_avp_is(struct avp *a, const struct dict_avp_data *d, struct avp_hdr **h)
{
	if (fd_msg_avp_hdr(a, h))
		return 0;
	return (*h)->avp_code == d->avp_code &&
	       ((*h)->avp_flags & AVP_FLAG_VENDOR ? (*h)->avp_vendor : 0) == d->avp_vendor;
}

/* Count, not validate: an answer's item count is checked against what was
 * asked (a hostile next hop may send thousands). */
int sipdb_avp_count(struct msg *m, struct dict_object *model)
{
	struct dict_avp_data d;
	struct avp_hdr *h;
	struct avp *a;
	int n = 0;

	if (fd_dict_getval(model, &d) || fd_msg_browse(m, MSG_BRW_FIRST_CHILD, &a, NULL))
		return 0;
	while (a) {
		if (sipdb_avp_is(a, &d, &h))
			n++;
		if (fd_msg_browse(a, MSG_BRW_NEXT, &a, NULL))
			break;
	}
	return n;
}
