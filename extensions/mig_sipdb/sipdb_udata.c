/*
 * sipdb_udata.c: User-Data, the user's IMS subscription (TS 29.228 annex
 * E), on its way across the border.
 *
 *   <IMSSubscription>
 *     <PrivateID>IMPI</PrivateID>
 *     <ServiceProfile>
 *       <PublicIdentity><Identity>IMPU</Identity>...</PublicIdentity>
 *       <InitialFilterCriteria>...</InitialFilterCriteria> ...
 *     </ServiceProfile> ...
 *   </IMSSubscription>
 *
 * The S-CSCF that gets a profile must find in it the identities it knows
 * the user by, and nothing of the identities behind them.  So every
 * profile that crosses the broker is parsed (libxml2, never string search)
 * and rewritten: PrivateID must be the user's and becomes the receiver's
 * IMPI; each PublicIdentity whose Identity is the bound IMPU becomes the
 * receiver's IMPU, and every other PublicIdentity (not part of the
 * migration, and a real identity of the primary system) is removed, with
 * the ServiceProfiles left empty by that.  A profile that does not parse,
 * has another root, another or no PrivateID, no PublicIdentity of the
 * user, or a DTD (entities: not for us) is refused whole: never passed on
 * half-rewritten.
 *
 * At the partner side the partner may give visitors its own profile
 * (TR 23.781 5.2.1): partners[].profile_mode "template" replaces the
 * primary's profile by the partner's template, "merge" keeps the primary's
 * (mapped) and appends to each of its ServiceProfiles the children of the
 * template's first ServiceProfile other than PublicIdentity (the partner's
 * own filter criteria, say).  In the template, ${impi} and ${impu} (in text
 * and attribute values) stand for the visitor's identities here.
 */
#include <strings.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "sipdb.h"

#define UDATA_MAX (1024 * 1024)   /* larger User-Data is refused */
#define UDATA_PARSE (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING)

enum udata_mode { UDATA_PRIMARY, UDATA_TEMPLATE, UDATA_MERGE };

struct udata_profile {
	enum udata_mode mode;
	xmlDocPtr tmpl;   /* parsed template, checked at start */
};

/* Parallel to sipdb_conf->partners. */
static struct udata_profile *udata_profiles;

/* ---- tree helpers ------------------------------------------------------ */

static int ud_is(xmlNodePtr n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && !xmlStrcmp(n->name, BAD_CAST name);
}

/* The first element child of parent named name, or NULL. */
static xmlNodePtr ud_child(xmlNodePtr parent, const char *name)
{
	xmlNodePtr c;

	for (c = parent ? parent->children : NULL; c; c = c->next)
		if (ud_is(c, name))
			return c;
	return NULL;
}

/* The text of n, surrounding blanks ignored, is want (ignoring case). */
static int ud_text_is(xmlNodePtr n, const char *want)
{
	xmlChar *t = xmlNodeGetContent(n);
	const char *s = (const char *)t, *e;
	size_t len = strlen(want);
	int same;

	if (!t)
		return 0;
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		e--;
	same = (size_t)(e - s) == len && !strncasecmp(s, want, len);
	xmlFree(t);
	return same;
}

/* Replace the content of element n by the text val (escaped on output). */
static void ud_set_text(xmlNodePtr n, const char *val)
{
	xmlNodeSetContent(n, NULL);
	xmlNodeAddContent(n, BAD_CAST val);
}

static void ud_drop(xmlNodePtr n)
{
	xmlUnlinkNode(n);
	xmlFreeNode(n);
}

/* An IMS subscription: the root, its PrivateID, at least one ServiceProfile;
 * NULL and *why otherwise. */
static xmlNodePtr ud_root(xmlDocPtr doc, const char **why)
{
	xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;

	*why = NULL;
	if (!doc)
		*why = "not well-formed XML";
	else if (doc->intSubset || doc->extSubset)
		*why = "has a DTD";
	else if (!ud_is(root, "IMSSubscription"))
		*why = "the root element is not IMSSubscription";
	else if (!ud_child(root, "PrivateID"))
		*why = "no PrivateID";
	else if (!ud_child(root, "ServiceProfile"))
		*why = "no ServiceProfile";
	return *why ? NULL : root;
}

/* ---- mapping the identities -------------------------------------------- */

/* In one ServiceProfile: map the user's PublicIdentity elements, remove the
 * others; the number kept. */
static int ud_map_profile(xmlNodePtr sp, const struct sipdb_umap *map)
{
	xmlNodePtr c, next;
	int kept = 0;

	for (c = sp->children; c; c = next) {
		xmlNodePtr id = ud_child(c, "Identity");

		next = c->next;
		if (!ud_is(c, "PublicIdentity"))
			continue;
		if (id && ud_text_is(id, map->from.impu)) {
			ud_set_text(id, map->to.impu);
			kept++;
		} else {
			ud_drop(c);
		}
	}
	return kept;
}

static int ud_map(xmlNodePtr root, const struct sipdb_umap *map, const char **why)
{
	xmlNodePtr sp, next;
	int kept = 0;

	if (!ud_text_is(ud_child(root, "PrivateID"), map->from.impi)) {
		*why = "PrivateID is not the user's";
		return EBADMSG;
	}
	ud_set_text(ud_child(root, "PrivateID"), map->to.impi);
	for (sp = root->children; sp; sp = next) {
		int n;

		next = sp->next;
		if (!ud_is(sp, "ServiceProfile"))
			continue;
		n = ud_map_profile(sp, map);
		if (!n)
			ud_drop(sp);
		kept += n;
	}
	if (!kept) {
		*why = "no PublicIdentity of the user";
		return EBADMSG;
	}
	return 0;
}

/* ---- the partner's profile --------------------------------------------- */

/* s with every ${impi} and ${impu} replaced (a new string), or NULL when s
 * has none. */
static char *ud_fill_text(const char *s, const struct sipdb_ids *to)
{
	static const char *const keys[] = { "${impi}", "${impu}" };
	const char *vals[] = { to->impi, to->impu };
	char *out = NULL;
	size_t size = 0;
	FILE *f;

	if (!strstr(s, keys[0]) && !strstr(s, keys[1]))
		return NULL;
	if (!(f = open_memstream(&out, &size)))
		return NULL;
	while (*s) {
		int k = !strncmp(s, keys[0], 7) ? 0 : !strncmp(s, keys[1], 7) ? 1 : -1;

		if (k < 0) {
			fputc(*s++, f);
			continue;
		}
		fputs(vals[k], f);
		s += 7;
	}
	fclose(f);
	return out;
}

/* Fill the placeholders of n's subtree: text nodes and attribute values. */
static void ud_fill(xmlNodePtr n, const struct sipdb_ids *to)
{
	for (; n; n = n->next) {
		if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
			char *t = n->content ? ud_fill_text((const char *)n->content, to) : NULL;

			if (t)
				xmlNodeSetContent(n, BAD_CAST t);
			free(t);
		}
		if (n->type == XML_ELEMENT_NODE) {
			xmlAttrPtr a;

			for (a = n->properties; a; a = a->next)
				ud_fill(a->children, to);
			ud_fill(n->children, to);
		}
	}
}

/* The template of visitor, its placeholders filled: a new document. */
static xmlDocPtr ud_template(const struct udata_profile *pr, const struct sipdb_ids *to)
{
	xmlDocPtr doc = xmlCopyDoc(pr->tmpl, 1);

	if (doc)
		ud_fill(xmlDocGetRootElement(doc), to);
	return doc;
}

/* Merge: append the template's service data to each ServiceProfile. */
static int ud_merge(xmlDocPtr doc, const struct udata_profile *pr, const struct sipdb_ids *to)
{
	xmlDocPtr t = ud_template(pr, to);
	xmlNodePtr tsp = t ? ud_child(xmlDocGetRootElement(t), "ServiceProfile") : NULL;
	xmlNodePtr sp, c;

	if (!tsp) {
		xmlFreeDoc(t);
		return ENOMEM;
	}
	for (sp = xmlDocGetRootElement(doc)->children; sp; sp = sp->next) {
		if (!ud_is(sp, "ServiceProfile"))
			continue;
		for (c = tsp->children; c; c = c->next)
			if (c->type == XML_ELEMENT_NODE && !ud_is(c, "PublicIdentity"))
				xmlAddChild(sp, xmlDocCopyNode(c, doc, 1));
	}
	xmlFreeDoc(t);
	return 0;
}

static const struct udata_profile *ud_profile_of(const struct mig_partner_conf *p)
{
	if (!p || !udata_profiles || p < sipdb_conf->partners ||
	    p >= sipdb_conf->partners + sipdb_conf->n_partners)
		return NULL;
	return &udata_profiles[p - sipdb_conf->partners];
}

/* ---- the User-Data AVP ------------------------------------------------- */

/* The new document for the User-Data text (len bytes); NULL and *why. */
static xmlDocPtr ud_rewrite_doc(const char *text, size_t len, const struct sipdb_umap *map,
                                const char **why)
{
	const struct udata_profile *pr = ud_profile_of(map->visitor);
	xmlDocPtr doc = len > UDATA_MAX ? NULL
	                                : xmlReadMemory(text, (int)len, "User-Data", NULL, UDATA_PARSE);
	xmlNodePtr root = ud_root(doc, why);

	if (len > UDATA_MAX)
		*why = "too large";
	if (root && ud_map(root, map, why) == 0) {
		if (!pr || pr->mode == UDATA_PRIMARY)
			return doc;
		if (pr->mode == UDATA_MERGE && ud_merge(doc, pr, &map->to) == 0)
			return doc;
		if (pr->mode == UDATA_TEMPLATE) {
			xmlFreeDoc(doc);
			return ud_template(pr, &map->to);
		}
		*why = "out of memory";
	}
	xmlFreeDoc(doc);
	return NULL;
}

int sipdb_udata_rewrite(struct msg *m, const struct sipdb_umap *map)
{
	const char *text, *why = NULL;
	struct avp *a = NULL;
	union avp_value v;
	xmlChar *out = NULL;
	xmlDocPtr doc;
	size_t len;
	int olen = 0, rc;

	CHECK_FCT(sipdb_avp_str(m, sipdb_dict.user_data, &text, &len, &a));
	if (!a)
		return 0;
	doc = text ? ud_rewrite_doc(text, len, map, &why) : NULL;
	if (!doc) {
		fd_log_error("mig_sipdb: User-Data of '%s' refused: %s", map->from.impi,
		             why ? why : "empty");
		return EBADMSG;
	}
	xmlDocDumpMemoryEnc(doc, &out, &olen, "UTF-8");
	xmlFreeDoc(doc);
	if (!out)
		return ENOMEM;
	memset(&v, 0, sizeof(v));
	v.os.data = out;
	v.os.len = (size_t)olen;
	rc = fd_msg_avp_setvalue(a, &v);
	xmlFree(out);
	return rc;
}

/* ---- start and stop ---------------------------------------------------- */

/* Read partner i's template: inline XML when it starts with '<', else a
 * file; check that it is an IMS subscription. */
static int ud_load_template(size_t i, struct udata_profile *pr)
{
	const char *src = sipdb_conf->partners[i].profile_template, *why = NULL, *s = src;

	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	pr->tmpl = *s == '<' ? xmlReadMemory(src, (int)strlen(src), "profile_template", NULL,
	                                     UDATA_PARSE)
	                     : xmlReadFile(src, NULL, UDATA_PARSE);
	if (*s != '<' && access(src, R_OK))
		why = strerror(errno);
	else if (ud_root(pr->tmpl, &why) &&
	         ud_child(ud_child(ud_child(xmlDocGetRootElement(pr->tmpl), "ServiceProfile"),
	                           "PublicIdentity"), "Identity"))
		return 0;
	fd_log_error("mig_sipdb: bad configuration: partners[%zu].profile_template%s%s: %s", i,
	             *s == '<' ? "" : " ", *s == '<' ? "" : src,
	             why ? why : "its first ServiceProfile has no PublicIdentity/Identity");
	return EINVAL;
}

int sipdb_udata_init(void)
{
	size_t i;

	xmlInitParser();
	CHECK_MALLOC(udata_profiles = calloc(sipdb_conf->n_partners + 1, sizeof(*udata_profiles)));
	for (i = 0; i < sipdb_conf->n_partners; i++) {
		const char *mode = sipdb_conf->partners[i].profile_mode;
		struct udata_profile *pr = &udata_profiles[i];

		pr->mode = !strcmp(mode, "template") ? UDATA_TEMPLATE
		           : !strcmp(mode, "merge") ? UDATA_MERGE : UDATA_PRIMARY;
		if (pr->mode != UDATA_PRIMARY) {
			CHECK_FCT(ud_load_template(i, pr));
		}
	}
	return 0;
}

void sipdb_udata_fini(void)
{
	size_t i;

	if (!udata_profiles)
		return;
	for (i = 0; sipdb_conf && i < sipdb_conf->n_partners; i++)
		xmlFreeDoc(udata_profiles[i].tmpl);
	free(udata_profiles);
	udata_profiles = NULL;
}
