/*
 * dict_probe_xml.c: the dictionary against Wireshark's, an independent
 * machine-readable reference (/usr/share/wireshark/diameter/TGPP.xml,
 * Debian package libwireshark-data).
 *
 * The set compared: every <avp> of TGPP.xml's <application id="16777216">
 * block.  Wireshark puts there exactly the AVPs TS 29.229 allocates (codes
 * 600-699 of vendor 10415: 600-658 in Wireshark 4.0), which are the Cx AVPs
 * the commands carry.  For each one: code, name, base type, M-bit rule and
 * V-bit rule; for the grouped ones, that every member Wireshark lists has
 * a rule in our dictionary.  Wireshark is not the specification: where it
 * disagrees with TS 29.229 (it sets M on several "must not" AVPs, renames
 * some AVPs to avoid clashes in its flat name space), the difference is
 * listed in `known` and reported as KNOWN; anything else is a FAIL.  Our
 * AVPs Wireshark does not have (newer releases of TS 29.229) are NOTEs;
 * the "spec" check covers them.
 *
 * TGPP.xml is not a document on its own (it is an external entity of
 * dictionary.xml, with several top-level elements), so it is read through
 * a two-line wrapper that includes it as an entity.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "dict_probe.h"

#define G3 DPR_VENDOR_3GPP

/* Known differences, by AVP code and field ("name", "M", "V", "type",
 * "absent", or "member:NAME" for a member Wireshark lists and we do not). */
struct xml_known {
	avp_code_t code;
	const char *field;
	const char *why;
};

static const struct xml_known known[] = {
	{ 606, "name", "Wireshark says Cx-User-Data, to tell it from Sh's User-Data (702)" },
	{ 607, "name", "Wireshark prefixes 3GPP- to tell it from RFC 4740's SIP-Number-Auth-Items" },
	{ 608, "name", "Wireshark prefixes 3GPP- to tell it from RFC 4740's SIP-Authentication-Scheme" },
	{ 609, "name", "Wireshark prefixes 3GPP- to tell it from RFC 4740's SIP-Authenticate" },
	{ 610, "name", "Wireshark prefixes 3GPP- to tell it from RFC 4740's SIP-Authorization" },
	{ 612, "name", "Wireshark prefixes 3GPP- to tell it from RFC 4740's SIP-Auth-Data-Item" },
	{ 613, "name", "Wireshark prefixes 3GPP- to tell it from RFC 4740's SIP-Item-Number" },
	{ 634, "name", "Wireshark keeps the pre-Rel-8 name; TS 29.229 says Wildcarded-Public-Identity" },
	{ 627, "absent", "User-Data-Request-Type, removed from TS 29.229 in v6.5.0; not defined" },
	{ 628, "M", "TS 29.229 table 6.3.1: Supported-Features M may; Wireshark says must" },
	{ 629, "M", "TS 29.229 table 6.3.1: Feature-List-ID M must not; Wireshark says must" },
	{ 630, "M", "TS 29.229 table 6.3.1: Feature-List M must not; Wireshark says must" },
	{ 631, "M", "TS 29.229 table 6.3.1: Supported-Applications M must not; Wireshark says must" },
	{ 632, "M", "TS 29.229 table 6.3.1: Associated-Identities M must not; Wireshark says must" },
	{ 634, "M", "TS 29.229 table 6.3.1: Wildcarded-Public-Identity M must not; Wireshark says must" },
	{ 653, "M", "TS 29.229 table 6.3.1: LIA-Flags M must not; Wireshark says must" },
	{ 654, "M", "TS 29.229 table 6.3.1: Initial-CSeq-Sequence-Number M must not; Wireshark says must" },
	{ 655, "M", "TS 29.229 table 6.3.1: SAR-Flags M must not; Wireshark says must" },
	{ 657, "M", "TS 29.229 table 6.3.1: WebRTC-Authentication-Function-Name M must not; Wireshark says must" },
	{ 658, "M", "TS 29.229 table 6.3.1: WebRTC-Web-Server-Function-Name M must not; Wireshark says must" },
	{ 612, "member:Authentication-Method", "a TS 29.234 (Wx) member, not in TS 29.229 6.3.13" },
	{ 612, "member:Authentication-Information-SIM", "a TS 29.234 (Wx) member, not in TS 29.229 6.3.13" },
	{ 612, "member:Authorization-Information-SIM", "a TS 29.234 (Wx) member, not in TS 29.229 6.3.13" },
	{ 651, "member:Restoration-Info", "TS 29.229 6.3.57 has only User-Name and Public-Identity" },
};

/* Wireshark names of member AVPs defined outside the Cx block. */
struct xml_alias {
	const char *wireshark;
	vendor_id_t vendor;
	const char *ours;
};

static const struct xml_alias member_aliases[] = {
	{ "Digest-Qop", 0, "Digest-QoP" },
};

/* Which entries of `known` this run met; the others are stale. */
static int known_seen[sizeof(known) / sizeof(known[0])];

static const struct xml_known *known_for(avp_code_t code, const char *field)
{
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (known[i].code == code && !strcmp(known[i].field, field)) {
			known_seen[i] = 1;
			return &known[i];
		}
	}
	return NULL;
}

/* A known difference that no longer shows (a newer Wireshark or freeDiameter)
 * is worth knowing, so that doc/dictionary.md can follow. */
static void note_stale_known(void)
{
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (!known_seen[i])
			dpr_note("wireshark-stale", "known difference %u %s no longer seen: %s",
				 known[i].code, known[i].field, known[i].why);
}

/* Wireshark's derived types, mapped to freeDiameter's base types. */
static int xml_basetype(const char *t, enum dict_avp_basetype *base)
{
	static const struct {
		const char *name;
		enum dict_avp_basetype base;
	} map[] = {
		{ "OctetString", AVP_TYPE_OCTETSTRING }, { "OctetStringOrUTF8", AVP_TYPE_OCTETSTRING },
		{ "UTF8String", AVP_TYPE_OCTETSTRING },  { "DiameterIdentity", AVP_TYPE_OCTETSTRING },
		{ "DiameterURI", AVP_TYPE_OCTETSTRING }, { "IPAddress", AVP_TYPE_OCTETSTRING },
		{ "Address", AVP_TYPE_OCTETSTRING },     { "Time", AVP_TYPE_OCTETSTRING },
		{ "IPFilterRule", AVP_TYPE_OCTETSTRING }, { "QoSFilterRule", AVP_TYPE_OCTETSTRING },
		{ "Unsigned32", AVP_TYPE_UNSIGNED32 },   { "AppId", AVP_TYPE_UNSIGNED32 },
		{ "VendorId", AVP_TYPE_UNSIGNED32 },     { "Integer32", AVP_TYPE_INTEGER32 },
		{ "Enumerated", AVP_TYPE_INTEGER32 },    { "Unsigned64", AVP_TYPE_UNSIGNED64 },
		{ "Integer64", AVP_TYPE_INTEGER64 },     { "Float32", AVP_TYPE_FLOAT32 },
		{ "Float64", AVP_TYPE_FLOAT64 },         { "Grouped", AVP_TYPE_GROUPED },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (!strcmp(map[i].name, t)) {
			*base = map[i].base;
			return 0;
		}
	}
	return ENOENT;
}

/* An attribute as a C string in `buf` (def when absent). */
static const char *attr(xmlNodePtr node, const char *name, const char *def, char *buf, size_t len)
{
	xmlChar *v = xmlGetProp(node, (const xmlChar *)name);

	if (!v)
		return def;
	snprintf(buf, len, "%s", (const char *)v);
	xmlFree(v);
	return buf;
}

static int is_elem(xmlNodePtr n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && !xmlStrcmp(n->name, (const xmlChar *)name);
}

static xmlDocPtr load(const char *path)
{
	char wrapper[1200];
	int len;

	len = snprintf(wrapper, sizeof(wrapper),
		       "<?xml version=\"1.0\"?>\n"
		       "<!DOCTYPE tgpp [ <!ENTITY tgpp SYSTEM \"%s\"> ]>\n"
		       "<tgpp>&tgpp;</tgpp>\n", path);
	if (len < 0 || (size_t)len >= sizeof(wrapper))
		return NULL;
	return xmlReadMemory(wrapper, len, "tgpp-wrapper.xml", NULL,
			     XML_PARSE_NOENT | XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_NOERROR);
}

static xmlNodePtr find_cx(xmlDocPtr doc)
{
	xmlNodePtr n;
	char buf[32];

	for (n = xmlDocGetRootElement(doc)->children; n; n = n->next)
		if (is_elem(n, "application") && !strcmp(attr(n, "id", "", buf, sizeof(buf)), "16777216"))
			return n;
	return NULL;
}

/* Find the <avp> of the Cx block with this Wireshark name. */
static xmlNodePtr cx_avp_named(xmlNodePtr cx, const char *name)
{
	xmlNodePtr n;
	char buf[128];

	for (n = cx->children; n; n = n->next)
		if (is_elem(n, "avp") && !strcmp(attr(n, "name", "", buf, sizeof(buf)), name))
			return n;
	return NULL;
}

/* Our AVP for a member name of Wireshark's: a Cx AVP (by code, since
 * Wireshark renames some), an alias, or an AVP of that name in vendor 0,
 * 3GPP or ETSI. */
static struct dict_object *member_avp(xmlNodePtr cx, const char *name)
{
	static const vendor_id_t vendors[] = { 0, G3, DPR_VENDOR_ETSI };
	xmlNodePtr n = cx_avp_named(cx, name);
	struct dict_object *obj;
	char buf[32];
	size_t i;

	if (n)
		return dpr_avp_code(G3, (avp_code_t)atoi(attr(n, "code", "0", buf, sizeof(buf))));
	for (i = 0; i < sizeof(member_aliases) / sizeof(member_aliases[0]); i++)
		if (!strcmp(member_aliases[i].wireshark, name))
			return dpr_avp(member_aliases[i].vendor, member_aliases[i].ours);
	for (i = 0; i < sizeof(vendors) / sizeof(vendors[0]); i++)
		if ((obj = dpr_avp(vendors[i], name)) != NULL)
			return obj;
	return NULL;
}

/* Report a difference: KNOWN if listed, FAIL otherwise.  Returns 1. */
static int differs(const char *label, avp_code_t code, const char *field, const char *fmt,
		   const char *have, const char *want)
{
	const struct xml_known *k = known_for(code, field);
	char detail[512];

	snprintf(detail, sizeof(detail), "%s: ours %s, Wireshark %s", fmt, have, want);
	if (k)
		dpr_known(label, "%s (%s)", detail, k->why);
	else
		dpr_fail(label, "%s", detail);
	return 1;
}

/* Members Wireshark lists for a grouped AVP that have no rule here. */
static int check_members(const char *label, xmlNodePtr cx, xmlNodePtr grouped,
			 struct dict_object *ours, avp_code_t code)
{
	int diffs = 0;
	xmlNodePtr g;

	for (g = grouped->children; g; g = g->next) {
		struct dict_rule_data rule;
		struct dict_object *m;
		char name[128], field[160];

		if (!is_elem(g, "gavp"))
			continue;
		attr(g, "name", "", name, sizeof(name));
		m = member_avp(cx, name);
		if (m && !dpr_rule_of(ours, m, &rule))
			continue;
		snprintf(field, sizeof(field), "member:%s", name);
		diffs += differs(label, code, field, "member", m ? "has no rule for it" : "has no such AVP",
				 name);
	}
	return diffs;
}

/* Rules of ours that Wireshark does not list: newer releases of the spec. */
static void note_extra_members(const char *label, xmlNodePtr cx, xmlNodePtr grouped,
			       struct dict_object *ours)
{
	struct fd_list *sentinel, *li;

	if (fd_dict_getlistof(RULE_BY_AVP_AND_PARENT, ours, &sentinel))
		return;
	for (li = sentinel->next; li != sentinel; li = li->next) {
		struct dict_rule_data r;
		struct dict_avp_data a;
		xmlNodePtr g;
		int listed = 0;

		if (fd_dict_getval(li->o, &r) || fd_dict_getval(r.rule_avp, &a))
			continue;
		for (g = grouped ? grouped->children : NULL; g && !listed; g = g->next) {
			char name[128];
			if (is_elem(g, "gavp"))
				listed = member_avp(cx, attr(g, "name", "", name, sizeof(name))) == r.rule_avp;
		}
		if (!listed)
			dpr_note(label, "we also allow %s (TS 29.229 newer than Wireshark's TGPP.xml)", a.avp_name);
	}
}

static void check_one(xmlNodePtr cx, xmlNodePtr n)
{
	char name[128], code_s[16], mand[16], vbit[16], tname[64], label[160];
	struct dict_object *ours;
	struct dict_avp_data d;
	enum dict_avp_basetype base;
	xmlNodePtr c, grouped = NULL;
	avp_code_t code;
	int diffs = 0;

	attr(n, "name", "", name, sizeof(name));
	code = (avp_code_t)atoi(attr(n, "code", "0", code_s, sizeof(code_s)));
	attr(n, "mandatory", "may", mand, sizeof(mand));
	attr(n, "vendor-bit", "mustnot", vbit, sizeof(vbit));
	snprintf(tname, sizeof(tname), "?");
	for (c = n->children; c; c = c->next) {
		if (is_elem(c, "type"))
			attr(c, "type-name", "?", tname, sizeof(tname));
		if (is_elem(c, "grouped")) {
			grouped = c;
			snprintf(tname, sizeof(tname), "Grouped");
		}
	}
	snprintf(label, sizeof(label), "wireshark-%u-%s", code, name);

	ours = dpr_avp_code(G3, code);
	if (!ours || fd_dict_getval(ours, &d)) {
		differs(label, code, "absent", "AVP", "absent", "defined");
		return;
	}
	if (strcmp(d.avp_name, name))
		diffs += differs(label, code, "name", "name", d.avp_name, name);
	if (xml_basetype(tname, &base) || base != d.avp_basetype)
		diffs += differs(label, code, "type", "base type", dpr_basetype_name(d.avp_basetype), tname);
	if (strcmp(dpr_flag_rule(d.avp_flag_mask, d.avp_flag_val, AVP_FLAG_MANDATORY), mand))
		diffs += differs(label, code, "M", "M bit",
				 dpr_flag_rule(d.avp_flag_mask, d.avp_flag_val, AVP_FLAG_MANDATORY), mand);
	if (strcmp(dpr_flag_rule(d.avp_flag_mask, d.avp_flag_val, AVP_FLAG_VENDOR), vbit))
		diffs += differs(label, code, "V", "V bit",
				 dpr_flag_rule(d.avp_flag_mask, d.avp_flag_val, AVP_FLAG_VENDOR), vbit);
	if (grouped) {
		diffs += check_members(label, cx, grouped, ours, code);
		note_extra_members(label, cx, grouped, ours);
	}
	if (!diffs)
		dpr_pass(label, "same code, name, base type (%s), M %s, V %s%s", tname, mand, vbit,
			 grouped ? ", members" : "");
}

/* Our Cx AVPs that Wireshark does not know. */
static void note_ours_only(xmlNodePtr cx)
{
	avp_code_t code;

	for (code = 600; code < 700; code++) {
		struct dict_object *obj = dpr_avp_code(G3, code);
		struct dict_avp_data d;
		xmlNodePtr n;
		int found = 0;

		if (!obj || fd_dict_getval(obj, &d))
			continue;
		for (n = cx->children; n && !found; n = n->next) {
			char buf[16];
			found = is_elem(n, "avp") && atoi(attr(n, "code", "0", buf, sizeof(buf))) == (int)code;
		}
		if (!found)
			dpr_note("wireshark-extra", "%u %s is not in Wireshark's TGPP.xml (newer TS 29.229)",
				 code, d.avp_name);
	}
}

int dpr_check_wireshark(const char *tgpp_xml)
{
	xmlDocPtr doc;
	xmlNodePtr cx, n;
	unsigned count = 0;

	if (access(tgpp_xml, R_OK)) {
		dpr_fail("wireshark", "%s not readable (install the Debian package libwireshark-data)", tgpp_xml);
		return 0;
	}
	xmlInitParser();
	doc = load(tgpp_xml);
	if (!doc) {
		dpr_fail("wireshark", "%s could not be parsed", tgpp_xml);
		return 0;
	}
	cx = find_cx(doc);
	if (!cx) {
		dpr_fail("wireshark", "no <application id=\"16777216\"> in %s", tgpp_xml);
	} else {
		for (n = cx->children; n; n = n->next) {
			if (is_elem(n, "avp")) {
				check_one(cx, n);
				count++;
			}
		}
		note_ours_only(cx);
		note_stale_known();
		dpr_note("wireshark", "%u AVPs of application 16777216 compared with %s", count, tgpp_xml);
	}
	xmlFreeDoc(doc);
	return 0;
}
