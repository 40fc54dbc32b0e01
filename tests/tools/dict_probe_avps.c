/*
 * dict_probe_avps.c: the dictionary against the specification.
 *
 *   spec   every AVP the Cx commands carry, as TS 29.229 table 6.3.1 (and
 *          the RFCs of the base AVPs) defines it: code, name, base type, M
 *          and V rules; the application; the twelve commands.  This table
 *          is written from the specification, independently of dict_cx's
 *          sources, so a slip in either shows up as a FAIL.
 *   rules  write the ABNF the dictionary actually enforces, one rule per
 *          line, for the shell test to compare with a reviewed copy.
 *
 * What 1.2.1 defines differently and we cannot change is reported as
 * KNOWN, from the table `known` below (and doc/dictionary.md).
 */
#include <stdio.h>
#include <string.h>

#include "dict_probe.h"

#define DICT (fd_g_config->cnf_dict)

#define B 0
#define G3 DPR_VENDOR_3GPP

#define OS  AVP_TYPE_OCTETSTRING
#define U32 AVP_TYPE_UNSIGNED32
#define I32 AVP_TYPE_INTEGER32
#define U64 AVP_TYPE_UNSIGNED64
#define GRP AVP_TYPE_GROUPED

struct spec_avp {
	vendor_id_t vendor;
	avp_code_t code;
	const char *name;
	enum dict_avp_basetype base;
	const char *m;   /* "must", "mustnot", "may" */
	const char *v;
};

static const struct spec_avp spec[] = {
	/* TS 29.229 table 6.3.1 */
	{ G3, 600, "Visited-Network-Identifier", OS, "must", "must" },
	{ G3, 601, "Public-Identity", OS, "must", "must" },
	{ G3, 602, "Server-Name", OS, "must", "must" },
	{ G3, 603, "Server-Capabilities", GRP, "must", "must" },
	{ G3, 604, "Mandatory-Capability", U32, "must", "must" },
	{ G3, 605, "Optional-Capability", U32, "must", "must" },
	{ G3, 606, "User-Data", OS, "must", "must" },
	{ G3, 607, "SIP-Number-Auth-Items", U32, "must", "must" },
	{ G3, 608, "SIP-Authentication-Scheme", OS, "must", "must" },
	{ G3, 609, "SIP-Authenticate", OS, "must", "must" },
	{ G3, 610, "SIP-Authorization", OS, "must", "must" },
	{ G3, 611, "SIP-Authentication-Context", OS, "must", "must" },
	{ G3, 612, "SIP-Auth-Data-Item", GRP, "must", "must" },
	{ G3, 613, "SIP-Item-Number", U32, "must", "must" },
	{ G3, 614, "Server-Assignment-Type", I32, "must", "must" },
	{ G3, 615, "Deregistration-Reason", GRP, "must", "must" },
	{ G3, 616, "Reason-Code", I32, "must", "must" },
	{ G3, 617, "Reason-Info", OS, "must", "must" },
	{ G3, 618, "Charging-Information", GRP, "must", "must" },
	{ G3, 619, "Primary-Event-Charging-Function-Name", OS, "must", "must" },
	{ G3, 620, "Secondary-Event-Charging-Function-Name", OS, "must", "must" },
	{ G3, 621, "Primary-Charging-Collection-Function-Name", OS, "must", "must" },
	{ G3, 622, "Secondary-Charging-Collection-Function-Name", OS, "must", "must" },
	{ G3, 623, "User-Authorization-Type", I32, "must", "must" },
	{ G3, 624, "User-Data-Already-Available", I32, "must", "must" },
	{ G3, 625, "Confidentiality-Key", OS, "must", "must" },
	{ G3, 626, "Integrity-Key", OS, "must", "must" },
	{ G3, 628, "Supported-Features", GRP, "may", "must" },
	{ G3, 629, "Feature-List-ID", U32, "mustnot", "must" },
	{ G3, 630, "Feature-List", U32, "mustnot", "must" },
	{ G3, 631, "Supported-Applications", GRP, "mustnot", "must" },
	{ G3, 632, "Associated-Identities", GRP, "mustnot", "must" },
	{ G3, 633, "Originating-Request", I32, "must", "must" },
	{ G3, 634, "Wildcarded-Public-Identity", OS, "mustnot", "must" },
	{ G3, 635, "SIP-Digest-Authenticate", GRP, "mustnot", "must" },
	{ G3, 636, "Wildcarded-IMPU", OS, "mustnot", "must" },
	{ G3, 637, "UAR-Flags", U32, "mustnot", "must" },
	{ G3, 638, "Loose-Route-Indication", I32, "mustnot", "must" },
	{ G3, 639, "SCSCF-Restoration-Info", GRP, "mustnot", "must" },
	{ G3, 640, "Path", OS, "mustnot", "must" },
	{ G3, 641, "Contact", OS, "mustnot", "must" },
	{ G3, 642, "Subscription-Info", GRP, "mustnot", "must" },
	{ G3, 643, "Call-ID-SIP-Header", OS, "mustnot", "must" },
	{ G3, 644, "From-SIP-Header", OS, "mustnot", "must" },
	{ G3, 645, "To-SIP-Header", OS, "mustnot", "must" },
	{ G3, 646, "Record-Route", OS, "mustnot", "must" },
	{ G3, 647, "Associated-Registered-Identities", GRP, "mustnot", "must" },
	{ G3, 648, "Multiple-Registration-Indication", I32, "mustnot", "must" },
	{ G3, 649, "Restoration-Info", GRP, "mustnot", "must" },
	{ G3, 650, "Session-Priority", I32, "mustnot", "must" },
	{ G3, 651, "Identity-with-Emergency-Registration", GRP, "mustnot", "must" },
	{ G3, 652, "Priviledged-Sender-Indication", I32, "mustnot", "must" },
	{ G3, 653, "LIA-Flags", U32, "mustnot", "must" },
	{ G3, 654, "Initial-CSeq-Sequence-Number", U32, "mustnot", "must" },
	{ G3, 655, "SAR-Flags", U32, "mustnot", "must" },
	{ G3, 656, "Allowed-WAF-WWSF-Identities", GRP, "mustnot", "must" },
	{ G3, 657, "WebRTC-Authentication-Function-Name", OS, "mustnot", "must" },
	{ G3, 658, "WebRTC-Web-Server-Function-Name", OS, "mustnot", "must" },
	{ G3, 659, "RTR-Flags", U32, "mustnot", "must" },
	{ G3, 660, "P-CSCF-Subscription-Info", GRP, "mustnot", "must" },
	{ G3, 661, "Registration-Time-Out", OS, "mustnot", "must" },
	{ G3, 662, "Alternate-Digest-Algorithm", OS, "mustnot", "must" },
	{ G3, 663, "Alternate-Digest-HA1", OS, "mustnot", "must" },
	{ G3, 664, "Failed-PCSCF", GRP, "mustnot", "must" },
	{ G3, 665, "PCSCF-FQDN", OS, "mustnot", "must" },
	{ G3, 666, "PCSCF-IP-Address", OS, "mustnot", "must" },
	/* RFC 4740, inside SIP-Digest-Authenticate */
	{ B, 104, "Digest-Realm", OS, "must", "mustnot" },
	{ B, 110, "Digest-QoP", OS, "must", "mustnot" },
	{ B, 111, "Digest-Algorithm", OS, "must", "mustnot" },
	{ B, 121, "Digest-HA1", OS, "must", "mustnot" },
	/* RFC 7155, inside SIP-Auth-Data-Item */
	{ B, 8, "Framed-IP-Address", OS, "must", "mustnot" },
	{ B, 96, "Framed-Interface-Id", U64, "must", "mustnot" },
	{ B, 97, "Framed-IPv6-Prefix", OS, "must", "mustnot" },
	/* ETSI TS 283 034, inside SIP-Auth-Data-Item */
	{ DPR_VENDOR_ETSI, 500, "Line-Identifier", OS, "may", "must" },
	/* RFC 7944, RFC 7683, RFC 8583: in every Cx command since Rel-13 */
	{ B, 301, "DRMP", I32, "mustnot", "mustnot" },
	{ B, 621, "OC-Supported-Features", GRP, "may", "mustnot" },
	{ B, 622, "OC-Feature-Vector", U64, "may", "mustnot" },
	{ B, 623, "OC-OLR", GRP, "may", "mustnot" },
	{ B, 624, "OC-Sequence-Number", U64, "may", "mustnot" },
	{ B, 625, "OC-Validity-Duration", U32, "may", "mustnot" },
	{ B, 626, "OC-Report-Type", I32, "may", "mustnot" },
	{ B, 627, "OC-Reduction-Percentage", U32, "may", "mustnot" },
	{ B, 649, "SourceID", OS, "may", "mustnot" },
	{ B, 650, "Load", GRP, "may", "mustnot" },
	{ B, 651, "Load-Type", I32, "may", "mustnot" },
	{ B, 652, "Load-Value", U64, "may", "mustnot" },
};

/* Differences from `spec` that come from 1.2.1 itself (field: "name",
 * "type", "M" or "V"), with the reason shown in the KNOWN line. */
struct known_diff {
	vendor_id_t vendor;
	avp_code_t code;
	const char *field;
	const char *why;
};

static const struct known_diff known[] = {
	{ 0, 0, NULL, NULL }, /* none so far: the table must not be empty */
};

static const struct known_diff *known_for(vendor_id_t v, avp_code_t c, const char *field)
{
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (known[i].field && known[i].vendor == v && known[i].code == c
		    && !strcmp(known[i].field, field))
			return &known[i];
	return NULL;
}

/* Report one field: PASS is left to the caller (one line per AVP). */
static int field_differs(const struct spec_avp *s, const char *field, const char *have,
			 const char *want)
{
	const struct known_diff *k;
	char label[96];

	if (!strcmp(have, want))
		return 0;
	snprintf(label, sizeof(label), "spec-%u-%u-%s", s->vendor, s->code, s->name);
	k = known_for(s->vendor, s->code, field);
	if (k)
		dpr_known(label, "%s is %s, TS wants %s: %s", field, have, want, k->why);
	else
		dpr_fail(label, "%s is %s, the specification says %s", field, have, want);
	return 1;
}

static void check_spec_avp(const struct spec_avp *s)
{
	struct dict_object *obj = dpr_avp_code(s->vendor, s->code);
	struct dict_avp_data d;
	char label[96];
	int diffs = 0;

	snprintf(label, sizeof(label), "spec-%u-%u-%s", s->vendor, s->code, s->name);
	if (!obj || fd_dict_getval(obj, &d)) {
		dpr_fail(label, "no AVP %u of vendor %u in the dictionary", s->code, s->vendor);
		return;
	}
	diffs += field_differs(s, "name", d.avp_name, s->name);
	diffs += field_differs(s, "type", dpr_basetype_name(d.avp_basetype), dpr_basetype_name(s->base));
	diffs += field_differs(s, "M", dpr_flag_rule(d.avp_flag_mask, d.avp_flag_val, AVP_FLAG_MANDATORY), s->m);
	diffs += field_differs(s, "V", dpr_flag_rule(d.avp_flag_mask, d.avp_flag_val, AVP_FLAG_VENDOR), s->v);
	if (dpr_avp(s->vendor, s->name) != obj) {
		dpr_fail(label, "looking '%s' up by name and vendor finds another object", s->name);
		diffs++;
	}
	if (!diffs)
		dpr_pass(label, "%s, M %s, V %s", dpr_basetype_name(s->base), s->m, s->v);
}

/*
 * 1.2.1's dict_dcca_3gpp defines Digest-Realm, Digest-QoP, Digest-Algorithm
 * and Digest-HA1 under vendor 10415 while giving them the flags of the RFC
 * 4740 (vendor 0) AVPs.  They are extra objects, not a wrong field of the
 * AVPs above, so they get a check of their own.
 */
static void check_misplaced_digest(void)
{
	static const avp_code_t codes[] = { 104, 110, 111, 121 };
	size_t i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		struct dict_object *obj = dpr_avp_code(G3, codes[i]);
		struct dict_avp_data d;
		char label[64];

		snprintf(label, sizeof(label), "dict_dcca_3gpp-3GPP-%u", codes[i]);
		if (!obj || fd_dict_getval(obj, &d)) {
			dpr_note(label, "no AVP %u under vendor 10415 any more: remove this known difference",
				 codes[i]);
			continue;
		}
		dpr_known(label, "'%s' is also defined under vendor 10415 (V %s); the real one is "
			  "vendor 0 (RFC 4740), which SIP-Digest-Authenticate uses",
			  d.avp_name, dpr_flag_rule(d.avp_flag_mask, d.avp_flag_val, AVP_FLAG_VENDOR));
	}
}

struct spec_cmd {
	const char *name;
	command_code_t code;
	int request;
};

static const struct spec_cmd cmds[] = {
	{ "User-Authorization-Request", 300, 1 },       { "User-Authorization-Answer", 300, 0 },
	{ "Server-Assignment-Request", 301, 1 },        { "Server-Assignment-Answer", 301, 0 },
	{ "Location-Info-Request", 302, 1 },            { "Location-Info-Answer", 302, 0 },
	{ "Multimedia-Auth-Request", 303, 1 },          { "Multimedia-Auth-Answer", 303, 0 },
	{ "Registration-Termination-Request", 304, 1 }, { "Registration-Termination-Answer", 304, 0 },
	{ "Push-Profile-Request", 305, 1 },             { "Push-Profile-Answer", 305, 0 },
};

/* Code, R and P fixed (E free), parent application 16777216. */
static void check_cmd(const struct spec_cmd *c)
{
	struct dict_object *obj = dpr_cmd(c->name), *app = NULL;
	struct dict_application_data appdata;
	struct dict_cmd_data d;
	uint8_t mask = CMD_FLAG_REQUEST | CMD_FLAG_PROXIABLE;
	uint8_t val = CMD_FLAG_PROXIABLE | (c->request ? CMD_FLAG_REQUEST : 0);

	if (!obj || fd_dict_getval(obj, &d)) {
		dpr_fail(c->name, "command not in the dictionary");
		return;
	}
	if (fd_dict_search(DICT, DICT_APPLICATION, APPLICATION_OF_COMMAND, obj, &app, 0) || !app
	    || fd_dict_getval(app, &appdata) || appdata.application_id != DPR_APP_CX) {
		dpr_fail(c->name, "not a command of application %u", DPR_APP_CX);
		return;
	}
	if (d.cmd_code != c->code || (d.cmd_flag_mask & mask) != mask
	    || (d.cmd_flag_mask & CMD_FLAG_ERROR) || (d.cmd_flag_val & mask) != val) {
		dpr_fail(c->name, "code %u, flag mask %02x, values %02x; expected %u, R and P fixed, E free",
			 d.cmd_code, d.cmd_flag_mask, d.cmd_flag_val, c->code);
		return;
	}
	dpr_pass(c->name, "code %u, %s, P, application %u (%s)", c->code,
		 c->request ? "R" : "not R", DPR_APP_CX, appdata.application_name);
}

int dpr_check_spec(void)
{
	size_t i;

	for (i = 0; i < sizeof(spec) / sizeof(spec[0]); i++)
		check_spec_avp(&spec[i]);
	check_misplaced_digest();
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		check_cmd(&cmds[i]);
	return 0;
}

/* ------------------------------------------------------------- rules dump */

static void write_rule(FILE *out, const char *parent, struct dict_rule_data *r)
{
	struct dict_avp_data a;
	char occ[32] = "";
	const char *open, *close;

	if (fd_dict_getval(r->rule_avp, &a))
		return;
	switch (r->rule_position) {
	case RULE_FIXED_HEAD:
	case RULE_FIXED_TAIL: open = "<"; close = ">"; break;
	case RULE_REQUIRED:   open = "{"; close = "}"; break;
	default:              open = "["; close = "]"; break;
	}
	if (r->rule_max != 1 || r->rule_min > 1) {
		char lo[12] = "", hi[12] = "";
		if (r->rule_min >= 1)
			snprintf(lo, sizeof(lo), "%d", r->rule_min);
		if (r->rule_max > 1)
			snprintf(hi, sizeof(hi), "%d", r->rule_max);
		snprintf(occ, sizeof(occ), "%s*%s", lo, hi);
	}
	fprintf(out, "%s: %s%s %s %s", parent, occ, open, a.avp_name, close);
	if (r->rule_position == RULE_FIXED_HEAD || r->rule_position == RULE_FIXED_TAIL)
		fprintf(out, " #%u", r->rule_order);
	fprintf(out, "  (%u:%u)\n", a.avp_vendor, a.avp_code);
}

static int dump_parent(FILE *out, const char *parent, struct dict_object *obj)
{
	struct fd_list *sentinel, *li;
	int n = 0;

	CHECK_FCT(fd_dict_getlistof(RULE_BY_AVP_AND_PARENT, obj, &sentinel));
	for (li = sentinel->next; li != sentinel; li = li->next) {
		struct dict_rule_data r;
		CHECK_FCT(fd_dict_getval(li->o, &r));
		write_rule(out, parent, &r);
		n++;
	}
	if (!n)
		fprintf(out, "%s: (no rules)\n", parent);
	return 0;
}

/* The grouped AVPs of vendor `v` whose code is in [lo, hi]. */
static int dump_groups(FILE *out, vendor_id_t v, avp_code_t lo, avp_code_t hi)
{
	struct dict_object *vendor = NULL;
	struct fd_list *sentinel, *li;

	if (v) {
		CHECK_FCT(fd_dict_search(DICT, DICT_VENDOR, VENDOR_BY_ID, &v, &vendor, ENOENT));
	} else {
		/* Vendor 0 is not in the vendors' list: reach it through an AVP. */
		struct dict_object *any = dpr_avp(0, "Session-Id");
		CHECK_FCT(fd_dict_search(DICT, DICT_VENDOR, VENDOR_OF_AVP, any, &vendor, ENOENT));
	}
	CHECK_FCT(fd_dict_getlistof(AVP_BY_CODE, vendor, &sentinel));
	for (li = sentinel->next; li != sentinel; li = li->next) {
		struct dict_avp_data a;
		CHECK_FCT(fd_dict_getval(li->o, &a));
		if (a.avp_code < lo || a.avp_code > hi || a.avp_basetype != AVP_TYPE_GROUPED)
			continue;
		CHECK_FCT(dump_parent(out, a.avp_name, li->o));
	}
	return 0;
}

int dpr_dump_rules(const char *path)
{
	FILE *out;
	size_t i;

	if (!path) {
		dpr_fail("rules", "no 'rules = FILE' in the probe configuration");
		return 0;
	}
	out = fopen(path, "w");
	if (!out) {
		dpr_fail("rules", "cannot write %s: %s", path, strerror(errno));
		return 0;
	}
	fprintf(out, "# ABNF enforced by the dictionary, parents and rules in dictionary order\n"
		     "# (vendor, code); (vendor:code) of the AVP at the end of each line.\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		struct dict_object *obj = dpr_cmd(cmds[i].name);
		if (obj)
			CHECK_FCT(dump_parent(out, cmds[i].name, obj));
	}
	CHECK_FCT(dump_groups(out, G3, 600, 699));
	CHECK_FCT(dump_groups(out, B, 621, 627));
	CHECK_FCT(dump_groups(out, B, 649, 652));
	fclose(out);
	dpr_pass("rules", "ABNF of the 12 commands and the Cx grouped AVPs written to %s", path);
	return 0;
}
