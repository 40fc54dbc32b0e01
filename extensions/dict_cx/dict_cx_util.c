/*
 * dict_cx_util.c: table-driven helpers shared by every part of dict_cx.
 *
 * All of them run once, from fd_ext_init, while freeDiameterd loads its
 * extensions one after the other: no other thread touches the dictionary
 * yet, which is why walking the rule lists of a parent without the
 * dictionary lock is safe here (and only here).
 *
 * The policy for objects that already exist is the same everywhere:
 *   - identical to ours: keep it, count it as "present";
 *   - different: keep the existing one (1.2.1 cannot replace an object),
 *     log what differs, count it as "differ" -- except for commands and
 *     AVP names, where a difference means another dictionary owns the name
 *     and we must refuse to load (see dcx_cmds_check).
 */
#include <stdlib.h>
#include <string.h>

#include "dict_cx.h"

#define DICT (fd_g_config->cnf_dict)

/*
 * Make sure a vendor exists: created, under the name Wireshark and most
 * dictionaries use, when no dictionary loaded before us did.
 */
int dcx_vendor_ensure(vendor_id_t id, const char *name)
{
	struct dict_object *vendor = NULL;
	struct dict_vendor_data data;

	CHECK_FCT(fd_dict_search(DICT, DICT_VENDOR, VENDOR_BY_ID, &id, &vendor, 0));
	if (vendor)
		return 0;
	data.vendor_id = id;
	data.vendor_name = (char *)name;
	CHECK_FCT(fd_dict_new(DICT, DICT_VENDOR, &data, NULL, NULL));
	return 0;
}

/*
 * AVP lookups by name and vendor, each done once: the tables name the same
 * AVPs (Session-Id, Origin-Host, ...) in every command, so the results are
 * kept in a small array until init ends.  Names point into the static
 * tables, so the cache stores the pointers, not copies.
 */
struct dcx_avp_cached {
	const char *name;
	vendor_id_t vendor;
	struct dict_object *obj;
};
static struct dcx_avp_cached *avp_cache;
static size_t avp_cache_len, avp_cache_cap;

int dcx_avp_find(vendor_id_t vendor, const char *name, struct dict_object **avp)
{
	struct dict_avp_request req;
	struct dict_object *obj = NULL;
	size_t i;

	for (i = 0; i < avp_cache_len; i++) {
		if (avp_cache[i].vendor == vendor && !strcmp(avp_cache[i].name, name)) {
			*avp = avp_cache[i].obj;
			return 0;
		}
	}

	memset(&req, 0, sizeof(req));
	req.avp_vendor = vendor;
	req.avp_name = (char *)name;
	CHECK_FCT(fd_dict_search(DICT, DICT_AVP, AVP_BY_NAME_AND_VENDOR, &req, &obj, 0));
	if (!obj) {
		LOG_E("dict_cx: AVP '%s' (vendor %u) is not in the dictionary", name, vendor);
		return ENOENT;
	}

	if (avp_cache_len == avp_cache_cap) {
		size_t cap = avp_cache_cap ? 2 * avp_cache_cap : 64;
		struct dcx_avp_cached *grown;
		CHECK_MALLOC(grown = realloc(avp_cache, cap * sizeof(*grown)));
		avp_cache = grown;
		avp_cache_cap = cap;
	}
	avp_cache[avp_cache_len].name = name;
	avp_cache[avp_cache_len].vendor = vendor;
	avp_cache[avp_cache_len].obj = obj;
	avp_cache_len++;
	*avp = obj;
	return 0;
}

void dcx_avp_cache_free(void)
{
	free(avp_cache);
	avp_cache = NULL;
	avp_cache_len = avp_cache_cap = 0;
}

/* "must", "must not" or "may" for one flag, for log lines. */
static const char *flag_rule(uint8_t mask, uint8_t val, uint8_t flag)
{
	if (!(mask & flag))
		return "may";
	return (val & flag) ? "must" : "must not";
}

/*
 * Compare an existing AVP with our definition.  Returns 1 when they agree
 * on name, base type and the fixed flags (what freeDiameter itself compares
 * when an extension defines an object twice), else logs and returns 0.
 */
static int avp_same(struct dict_object *obj, const struct dcx_avp_def *d)
{
	struct dict_avp_data have;

	if (fd_dict_getval(obj, &have))
		return 0;
	if (strcmp(have.avp_name, d->name) || have.avp_basetype != d->base
	    || have.avp_flag_mask != d->mask
	    || (have.avp_flag_val & have.avp_flag_mask) != (d->val & d->mask)) {
		LOG_N("dict_cx: AVP %u (vendor %u) is already defined as '%s' (M %s, V %s); "
		      "TS 29.229 wants '%s' (M %s, V %s): keeping the existing definition",
		      d->code, d->vendor, have.avp_name,
		      flag_rule(have.avp_flag_mask, have.avp_flag_val, AVP_FLAG_MANDATORY),
		      flag_rule(have.avp_flag_mask, have.avp_flag_val, AVP_FLAG_VENDOR),
		      d->name, flag_rule(d->mask, d->val, AVP_FLAG_MANDATORY),
		      flag_rule(d->mask, d->val, AVP_FLAG_VENDOR));
		return 0;
	}
	return 1;
}

/*
 * Define each AVP of a table unless its code is already taken in its
 * vendor.  A name that is already taken by another code is an error: our
 * rules look AVPs up by name, so they would silently use the wrong one.
 * The derived type (UTF8String, Time, ...) must exist already; enumerated
 * types ("Enumerated(DRMP)", "3GPP/Enumerated(Reason-Code)") are created
 * here when missing (their constants, if any, come from dcx_enums_define).
 */
int dcx_avps_define(const struct dcx_avp_def *defs, size_t n, struct dcx_stats *st)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct dcx_avp_def *d = &defs[i];
		struct dict_avp_request req;
		struct dict_avp_data data;
		struct dict_object *obj = NULL, *type = NULL;

		memset(&req, 0, sizeof(req));
		req.avp_vendor = d->vendor;
		req.avp_code = d->code;
		CHECK_FCT(fd_dict_search(DICT, DICT_AVP, AVP_BY_CODE_AND_VENDOR, &req, &obj, 0));
		if (obj) {
			if (avp_same(obj, d))
				st->avps_present++;
			else
				st->avps_differ++;
			continue;
		}

		req.avp_name = (char *)d->name;
		CHECK_FCT(fd_dict_search(DICT, DICT_AVP, AVP_BY_NAME_AND_VENDOR, &req, &obj, 0));
		if (obj) {
			struct dict_avp_data have;
			CHECK_FCT(fd_dict_getval(obj, &have));
			LOG_E("dict_cx: AVP name '%s' (vendor %u) is already used by code %u, TS 29.229 gives it code %u",
			      d->name, d->vendor, have.avp_code, d->code);
			return EEXIST;
		}

		if (d->type_name) {
			CHECK_FCT(fd_dict_search(DICT, DICT_TYPE, TYPE_BY_NAME, d->type_name, &type, 0));
			if (!type && strstr(d->type_name, "Enumerated(")) {
				struct dict_type_data tdata;
				memset(&tdata, 0, sizeof(tdata));
				tdata.type_base = d->base;
				tdata.type_name = (char *)d->type_name;
				CHECK_FCT(fd_dict_new(DICT, DICT_TYPE, &tdata, NULL, &type));
			}
			if (!type) {
				LOG_E("dict_cx: data type '%s' of AVP '%s' is not in the dictionary",
				      d->type_name, d->name);
				return ENOENT;
			}
		}

		memset(&data, 0, sizeof(data));
		data.avp_code = d->code;
		data.avp_vendor = d->vendor;
		data.avp_name = (char *)d->name;
		data.avp_flag_mask = d->mask;
		data.avp_flag_val = d->val;
		data.avp_basetype = d->base;
		CHECK_FCT(fd_dict_new(DICT, DICT_AVP, &data, type, NULL));
		st->avps_added++;
	}
	return 0;
}

/*
 * Add the constants of enumerated types.  They only name values in dumps,
 * so they never stop the load: a type that another dictionary created
 * under another name is skipped, and a constant that clashes with an
 * existing one is logged and skipped (fd_dict_new itself accepts one that
 * exists with the same name and value).
 */
int dcx_enums_define(const struct dcx_enum_def *defs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct dict_object *type = NULL;
		struct dict_enumval_data data;
		int ret;

		CHECK_FCT(fd_dict_search(DICT, DICT_TYPE, TYPE_BY_NAME, defs[i].type_name, &type, 0));
		if (!type)
			continue;
		memset(&data, 0, sizeof(data));
		data.enum_name = (char *)defs[i].name;
		data.enum_value.i32 = defs[i].value;
		ret = fd_dict_new(DICT, DICT_ENUMVAL, &data, type, NULL);
		if (ret == EEXIST)
			LOG_N("dict_cx: %s already has another constant for %s (%d): keeping it",
			      defs[i].type_name, defs[i].name, defs[i].value);
		else if (ret)
			return ret;
	}
	return 0;
}

/*
 * Find the rule that `parent` already has for `avp`.  freeDiameter's own
 * RULE_BY_AVP_AND_PARENT search compares AVP names only, so a rule for a
 * same-named AVP of another vendor would match; walking the list and
 * comparing the objects is exact.
 */
static int rule_of(struct dict_object *parent, struct dict_object *avp,
		   struct dict_rule_data *found)
{
	struct fd_list *sentinel, *li;

	CHECK_FCT(fd_dict_getlistof(RULE_BY_AVP_AND_PARENT, parent, &sentinel));
	for (li = sentinel->next; li != sentinel; li = li->next) {
		struct dict_rule_data data;
		CHECK_FCT(fd_dict_getval(li->o, &data));
		if (data.rule_avp == avp) {
			*found = data;
			return 0;
		}
	}
	return ENOENT;
}

/* A rule as ABNF text, for log lines: "1*{ Restoration-Info }" and so on. */
static void rule_text(char *buf, size_t len, const char *name, enum rule_position pos,
		      int min, int max)
{
	const char *open = (pos == RULE_OPTIONAL) ? "[" : (pos == RULE_REQUIRED) ? "{" : "<";
	const char *close = (pos == RULE_OPTIONAL) ? "]" : (pos == RULE_REQUIRED) ? "}" : ">";
	char lo[16] = "", hi[16] = "";

	if (min != -1)
		snprintf(lo, sizeof(lo), "%d", min);
	if (max != 1 && max != -1)
		snprintf(hi, sizeof(hi), "%d", max);
	if (min == -1 && max == 1)
		snprintf(buf, len, "%s %s %s", open, name, close);
	else
		snprintf(buf, len, "%s*%s%s %s %s", lo, hi, open, name, close);
}

/* Add one rule to `parent` unless it already has one for that AVP. */
static int rule_add(struct dict_object *parent, const char *parent_name,
		    const struct dcx_rule *r, unsigned *head, struct dcx_stats *st)
{
	struct dict_rule_data data, have;
	int ret;

	memset(&data, 0, sizeof(data));
	CHECK_FCT(dcx_avp_find(r->vendor, r->avp_name, &data.rule_avp));
	data.rule_position = r->position;
	data.rule_order = (r->position == RULE_FIXED_HEAD) ? ++*head : 0;
	data.rule_min = r->min;
	data.rule_max = r->max;

	ret = rule_of(parent, data.rule_avp, &have);
	if (ret == 0) {
		if (have.rule_position == data.rule_position && have.rule_order == data.rule_order
		    && have.rule_min == data.rule_min && have.rule_max == data.rule_max) {
			st->rules_present++;
		} else {
			char want[128], got[128];
			rule_text(want, sizeof(want), r->avp_name, data.rule_position,
				  data.rule_min, data.rule_max);
			rule_text(got, sizeof(got), r->avp_name, have.rule_position,
				  have.rule_min, have.rule_max);
			LOG_N("dict_cx: '%s' already has the rule %s; TS 29.229 says %s: keeping the existing rule",
			      parent_name, got, want);
			st->rules_differ++;
		}
		return 0;
	}
	if (ret != ENOENT)
		return ret;

	ret = fd_dict_new(DICT, DICT_RULE, &data, parent, NULL);
	if (ret) {
		LOG_E("dict_cx: cannot add the rule for '%s' to '%s': %s",
		      r->avp_name, parent_name, strerror(ret));
		return ret;
	}
	st->rules_added++;
	return 0;
}

/*
 * Apply one ABNF, given as slices, to a command or grouped AVP.  Fixed-head
 * positions are numbered in ABNF order across the slices (Session-Id is 1
 * in every Cx command).  A rule that is already there is left alone:
 * identical ones are counted, different ones logged, so loading on top of
 * a newer dict_dcca_3gpp that already carries some Cx rules never adds a
 * rule twice.
 */
int dcx_rules_apply(struct dict_object *parent, const char *parent_name,
		    const struct dcx_rules *parts, size_t n_parts, struct dcx_stats *st)
{
	unsigned head = 0;
	size_t p, i;

	for (p = 0; p < n_parts; p++) {
		for (i = 0; i < parts[p].n; i++) {
			const struct dcx_rule *r = &parts[p].rules[i];
			CHECK_FCT(rule_add(parent, parent_name, r, &head, st));
		}
	}
	return 0;
}

/* Apply the ABNF of each grouped AVP of a table. */
int dcx_groups_apply(const struct dcx_group_def *groups, size_t n, struct dcx_stats *st)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct dict_object *avp;
		struct dict_avp_data data;

		CHECK_FCT(dcx_avp_find(groups[i].vendor, groups[i].avp_name, &avp));
		CHECK_FCT(fd_dict_getval(avp, &data));
		if (data.avp_basetype != AVP_TYPE_GROUPED) {
			LOG_E("dict_cx: AVP '%s' is not Grouped in the dictionary", groups[i].avp_name);
			return EINVAL;
		}
		CHECK_FCT(dcx_rules_apply(avp, groups[i].avp_name, &groups[i].abnf, 1, st));
	}
	return 0;
}

/*
 * Is this command name or code owned by someone else?  Command names are
 * global in freeDiameter (not per application), and so are (code, R flag)
 * pairs.  dict_sip (RFC 4740) names its commands 283-288 exactly like the
 * 3GPP commands 300-305 ("Multimedia-Auth-Request" is 286 there, 303 here),
 * so the two dictionaries cannot be loaded together: say so before
 * anything is created, rather than fail half-way.
 * Returns 0, or EEXIST after logging the conflict.
 */
static int cmd_check_one(const char *name, command_code_t code, int is_request)
{
	struct dict_object *obj = NULL;
	struct dict_cmd_data have;

	CHECK_FCT(fd_dict_search(DICT, DICT_COMMAND, CMD_BY_NAME, name, &obj, 0));
	if (obj) {
		CHECK_FCT(fd_dict_getval(obj, &have));
		if (have.cmd_code != code) {
			LOG_E("dict_cx: command '%s' is already defined with code %u%s; the 3GPP Cx command "
			      "of that name has code %u. dict_cx cannot be loaded together with dict_sip "
			      "(RFC 4740); remove one of them from the configuration",
			      name, have.cmd_code,
			      (have.cmd_code >= 283 && have.cmd_code <= 288) ? " (RFC 4740, dict_sip)" : "",
			      code);
			return EEXIST;
		}
		return 0;
	}

	CHECK_FCT(fd_dict_search(DICT, DICT_COMMAND, is_request ? CMD_BY_CODE_R : CMD_BY_CODE_A,
				 &code, &obj, 0));
	if (obj) {
		CHECK_FCT(fd_dict_getval(obj, &have));
		LOG_E("dict_cx: command code %u (%s) is already defined as '%s', not '%s'",
		      code, is_request ? "request" : "answer", have.cmd_name, name);
		return EEXIST;
	}
	return 0;
}

int dcx_cmds_check(const struct dcx_cmd_def *cmds, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		CHECK_FCT(cmd_check_one(cmds[i].req_name, cmds[i].code, 1));
		CHECK_FCT(cmd_check_one(cmds[i].ans_name, cmds[i].code, 0));
	}
	return 0;
}

/* The application object, created unless some dictionary already has it. */
int dcx_app_ensure(application_id_t id, vendor_id_t vendor, const char *name,
		   struct dict_object **app)
{
	struct dict_object *vendor_obj = NULL;
	struct dict_application_data data;

	CHECK_FCT(fd_dict_search(DICT, DICT_APPLICATION, APPLICATION_BY_ID, &id, app, 0));
	if (*app)
		return 0;
	CHECK_FCT(fd_dict_search(DICT, DICT_VENDOR, VENDOR_BY_ID, &vendor, &vendor_obj, ENOENT));
	data.application_id = id;
	data.application_name = (char *)name;
	CHECK_FCT(fd_dict_new(DICT, DICT_APPLICATION, &data, vendor_obj, app));
	return 0;
}

/*
 * Create one command (unless it is there already, see dcx_cmds_check) and
 * apply its ABNF.  Every command of this dictionary is proxiable: the P
 * flag is fixed to 1 in both directions, the R flag tells request from
 * answer, and E stays free (any answer may be an error).
 */
static int cmd_define_one(struct dict_object *app, const char *name, command_code_t code,
			  int is_request, const struct dcx_rules *abnf, struct dcx_stats *st)
{
	struct dict_object *cmd = NULL;
	struct dict_cmd_data data;

	CHECK_FCT(fd_dict_search(DICT, DICT_COMMAND, CMD_BY_NAME, name, &cmd, 0));
	if (cmd) {
		st->cmds_present++;
	} else {
		memset(&data, 0, sizeof(data));
		data.cmd_code = code;
		data.cmd_name = (char *)name;
		data.cmd_flag_mask = CMD_FLAG_REQUEST | CMD_FLAG_PROXIABLE;
		data.cmd_flag_val = CMD_FLAG_PROXIABLE | (is_request ? CMD_FLAG_REQUEST : 0);
		CHECK_FCT(fd_dict_new(DICT, DICT_COMMAND, &data, app, &cmd));
		st->cmds_added++;
	}
	return dcx_rules_apply(cmd, name, abnf, DCX_PARTS_MAX, st);
}

int dcx_cmds_define(struct dict_object *app, const struct dcx_cmd_def *cmds, size_t n,
		    struct dcx_stats *st)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct dcx_cmd_def *c = &cmds[i];
		CHECK_FCT(cmd_define_one(app, c->req_name, c->code, 1, c->req, st));
		CHECK_FCT(cmd_define_one(app, c->ans_name, c->code, 0, c->ans, st));
	}
	return 0;
}
