/*
 * mig_config.c: reading and checking the broker's JSON configuration.
 *
 * Each JSON object is described by a table of fields (key, kind, where it
 * goes, whether it is required).  One walker applies a table, so that every
 * object gets the same treatment: unknown keys are refused (a typo must not
 * silently leave a default in place), each value is checked for its kind,
 * and the first problem is reported with the path of the field.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "mig_config.h"

enum cfg_kind {
	CFG_REALM,    /* DNS-like name: realm or Diameter identity */
	CFG_PREFIX,   /* prefix of generated identities */
	CFG_TEXT,     /* any non-empty text (path, SIP URI, pool name) */
	CFG_BOOL,
	CFG_UINT,
	CFG_OBJECT,   /* nested object, described by another table */
	CFG_PARTNERS, /* the array of partner objects */
	CFG_STRDUP,   /* any non-empty text, of any length, kept in a char * */
	CFG_UINTS     /* an array of whole numbers (struct mig_uints) */
};

struct cfg_field {
	const char *key;
	enum cfg_kind kind;
	size_t offset;                /* into the struct being filled */
	size_t size;                  /* buffer size (text) */
	int required;
	unsigned long max;            /* CFG_UINT upper bound */
	const struct cfg_field *sub;  /* CFG_OBJECT: its fields */
};

/* Where a problem was found, as "partners[1].realm", and what it was. */
struct cfg_ctx {
	char *err;
	size_t errlen;
	char path[128];
};

#define FIELD(type, member) offsetof(type, member), sizeof(((type *)0)->member)
#define END { NULL, 0, 0, 0, 0, 0, NULL }

static const struct cfg_field cfg_system[] = {
	{ "realm", CFG_REALM, FIELD(struct mig_config, realm), 1, 0, NULL },
	{ "sipdb", CFG_REALM, FIELD(struct mig_config, sipdb), 1, 0, NULL },
	END
};

static const struct cfg_field cfg_hss[] = {
	{ "host", CFG_REALM, FIELD(struct mig_config, hss_host), 1, 0, NULL },
	{ "realm", CFG_REALM, FIELD(struct mig_config, hss_realm), 0, 0, NULL },
	END
};

static const struct cfg_field cfg_identities[] = {
	{ "prefix", CFG_PREFIX, FIELD(struct mig_config, id_prefix), 0, 0, NULL },
	{ "chars", CFG_UINT, offsetof(struct mig_config, id_chars), sizeof(unsigned), 0,
	  MIG_GEN_CHARS_MAX, NULL },
	{ "realm", CFG_REALM, FIELD(struct mig_config, id_realm), 0, 0, NULL },
	{ "pool", CFG_TEXT, FIELD(struct mig_config, id_pool), 0, 0, NULL },
	{ "lifetime", CFG_UINT, offsetof(struct mig_config, lifetime), sizeof(uint32_t), 0,
	  UINT32_MAX, NULL },
	END
};

static const struct cfg_field cfg_caps[] = {
	{ "mandatory", CFG_UINTS, offsetof(struct mig_config, scscf_mandatory), 0, 0, UINT32_MAX,
	  NULL },
	{ "optional", CFG_UINTS, offsetof(struct mig_config, scscf_optional), 0, 0, UINT32_MAX,
	  NULL },
	END
};

static const struct cfg_field cfg_scscf[] = {
	{ "name", CFG_TEXT, FIELD(struct mig_config, scscf_name), 0, 0, NULL },
	{ "capabilities", CFG_OBJECT, 0, 0, 0, 0, cfg_caps },
	END
};

static const struct cfg_field cfg_top[] = {
	{ "system", CFG_OBJECT, 0, 0, 1, 0, cfg_system },
	{ "database", CFG_TEXT, FIELD(struct mig_config, database), 1, 0, NULL },
	{ "database_mmap_mib", CFG_UINT, offsetof(struct mig_config, database_mmap_mib),
	  sizeof(unsigned), 0, 2047, NULL },
	{ "hss", CFG_OBJECT, 0, 0, 1, 0, cfg_hss },
	{ "identities", CFG_OBJECT, 0, 0, 0, 0, cfg_identities },
	{ "border_server_name", CFG_TEXT, FIELD(struct mig_config, border_server_name), 0, 0,
	  NULL },
	{ "timeout_ms", CFG_UINT, offsetof(struct mig_config, timeout_ms), sizeof(unsigned), 0,
	  600000, NULL },
	{ "partners", CFG_PARTNERS, 0, 0, 1, 0, NULL },
	{ "scscf", CFG_OBJECT, 0, 0, 0, 0, cfg_scscf },
	{ "rtr_retry_for", CFG_UINT, offsetof(struct mig_config, rtr_retry_for), sizeof(uint32_t),
	  0, 31536000, NULL },
	{ "max_inflight", CFG_UINT, offsetof(struct mig_config, max_inflight), sizeof(unsigned), 0,
	  MIG_CONFIG_MAX_INFLIGHT_MAX, NULL },
	{ "alloc_batch", CFG_UINT, offsetof(struct mig_config, alloc_batch), sizeof(unsigned), 0,
	  MIG_CONFIG_MAX_ALLOC_BATCH, NULL },
	{ "max_queue_ms", CFG_UINT, offsetof(struct mig_config, max_queue_ms), sizeof(unsigned), 0,
	  60000, NULL },
	{ "doic", CFG_BOOL, offsetof(struct mig_config, doic), sizeof(int), 0, 0, NULL },
	{ "max_backlog_kb", CFG_UINT, offsetof(struct mig_config, max_backlog_kb), sizeof(unsigned),
	  0, MIG_CONFIG_MAX_BACKLOG_KB_MAX, NULL },
	END
};

static const struct cfg_field cfg_limits[] = {
	{ "bindings", CFG_UINT, offsetof(struct mig_partner_conf, max_bindings), sizeof(uint32_t),
	  0, MIG_CONFIG_LIMIT_MAX, NULL },
	{ "rps", CFG_UINT, offsetof(struct mig_partner_conf, max_rps), sizeof(uint32_t), 0,
	  MIG_CONFIG_LIMIT_MAX, NULL },
	{ "burst", CFG_UINT, offsetof(struct mig_partner_conf, burst), sizeof(uint32_t), 0,
	  MIG_CONFIG_LIMIT_MAX, NULL },
	END
};

static const struct cfg_field cfg_partner[] = {
	{ "realm", CFG_REALM, FIELD(struct mig_partner_conf, realm), 1, 0, NULL },
	{ "sipdb", CFG_REALM, FIELD(struct mig_partner_conf, sipdb), 0, 0, NULL },
	{ "migrate_in", CFG_BOOL, offsetof(struct mig_partner_conf, migrate_in), sizeof(int), 1,
	  0, NULL },
	{ "migrate_out", CFG_BOOL, offsetof(struct mig_partner_conf, migrate_out), sizeof(int),
	  1, 0, NULL },
	{ "obfuscate", CFG_BOOL, offsetof(struct mig_partner_conf, obfuscate), sizeof(int), 0, 0,
	  NULL },
	{ "tls", CFG_BOOL, offsetof(struct mig_partner_conf, tls), sizeof(int), 0, 0, NULL },
	{ "profile_mode", CFG_TEXT, FIELD(struct mig_partner_conf, profile_mode), 0, 0, NULL },
	{ "profile_template", CFG_STRDUP, offsetof(struct mig_partner_conf, profile_template),
	  sizeof(char *), 0, 0, NULL },
	{ "limits", CFG_OBJECT, 0, 0, 0, 0, cfg_limits },
	END
};

__attribute__((format(printf, 2, 3)))
static int cfg_fail(struct cfg_ctx *cx, const char *fmt, ...)
{
	char what[MIG_CONFIG_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (cx->path[0])
		snprintf(cx->err, cx->errlen, "%s: %s", cx->path, what);
	else
		snprintf(cx->err, cx->errlen, "%s", what);
	return -1;
}

/* Extend the path for a nested key; returns the old length to restore. */
static size_t cfg_path_push(struct cfg_ctx *cx, const char *key)
{
	size_t len = strlen(cx->path);

	snprintf(cx->path + len, sizeof(cx->path) - len, "%s%s", len ? "." : "", key);
	return len;
}

static int cfg_object(struct cfg_ctx *cx, json_t *obj, const struct cfg_field *fields,
                      void *dst, struct mig_config *cfg);

/* Copy a string value after checking it for its kind. */
static int cfg_string(struct cfg_ctx *cx, json_t *v, const struct cfg_field *f, char *dst)
{
	const char *s, *why = NULL;

	if (!json_is_string(v))
		return cfg_fail(cx, "must be a string");
	s = json_string_value(v); /* jansson refuses \u0000 without JSON_ALLOW_NUL */
	if (strlen(s) >= f->size)
		return cfg_fail(cx, "longer than %zu bytes", f->size - 1);
	if (f->kind == CFG_REALM)
		why = s[0] ? mig_ident_check_realm(s) : NULL;
	else if (f->kind == CFG_PREFIX)
		why = mig_ident_check_prefix(s);
	if (why)
		return cfg_fail(cx, "'%s': %s", s, why);
	if (f->required && !s[0])
		return cfg_fail(cx, "must not be empty");
	strcpy(dst, s);
	return 0;
}

static int cfg_uint(struct cfg_ctx *cx, json_t *v, const struct cfg_field *f, void *dst)
{
	json_int_t n;

	if (!json_is_integer(v))
		return cfg_fail(cx, "must be a whole number");
	n = json_integer_value(v);
	if (n < 0 || (unsigned long long)n > f->max)
		return cfg_fail(cx, "%lld is out of range (0 to %lu)", (long long)n, f->max);
	if (f->size == sizeof(uint32_t))
		*(uint32_t *)dst = (uint32_t)n;
	else
		*(unsigned *)dst = (unsigned)n;
	return 0;
}

/* A text of any length, kept as a copy (freed by mig_config_free). */
static int cfg_strdup(struct cfg_ctx *cx, json_t *v, char **dst)
{
	if (!json_is_string(v))
		return cfg_fail(cx, "must be a string");
	if (!json_string_value(v)[0])
		return cfg_fail(cx, "must not be empty");
	free(*dst);
	*dst = strdup(json_string_value(v));
	return *dst ? 0 : cfg_fail(cx, "out of memory");
}

/* An array of at most MIG_CONFIG_UINTS_MAX whole numbers up to f->max. */
static int cfg_uints(struct cfg_ctx *cx, json_t *v, const struct cfg_field *f,
                     struct mig_uints *dst)
{
	size_t i;

	if (!json_is_array(v))
		return cfg_fail(cx, "must be an array of whole numbers");
	if (json_array_size(v) > MIG_CONFIG_UINTS_MAX)
		return cfg_fail(cx, "more than %d numbers", MIG_CONFIG_UINTS_MAX);
	for (i = 0; i < json_array_size(v); i++) {
		json_t *e = json_array_get(v, i);
		json_int_t n = json_is_integer(e) ? json_integer_value(e) : -1;

		if (n < 0 || (unsigned long long)n > f->max)
			return cfg_fail(cx, "[%zu]: must be a whole number from 0 to %lu", i, f->max);
		dst->v[i] = (uint32_t)n;
	}
	dst->n = i;
	return 0;
}

/* Defaults of a partner entry, before its object is read. */
static void cfg_partner_defaults(struct mig_partner_conf *p)
{
	p->tls = 1;
	strcpy(p->profile_mode, "primary");
}

/* The partners array: allocated here, each entry a cfg_partner object, and
 * no realm twice (the broker looks partners up by realm). */
static int cfg_partners(struct cfg_ctx *cx, json_t *v, struct mig_config *cfg)
{
	size_t i, j, n;

	if (!json_is_array(v))
		return cfg_fail(cx, "must be an array");
	n = json_array_size(v);
	cfg->partners = calloc(n ? n : 1, sizeof(*cfg->partners));
	if (!cfg->partners)
		return cfg_fail(cx, "out of memory");
	for (i = 0; i < n; i++) {
		size_t len = strlen(cx->path);

		snprintf(cx->path + len, sizeof(cx->path) - len, "[%zu]", i);
		cfg_partner_defaults(&cfg->partners[i]);
		cfg->n_partners++; /* counted first: mig_config_free frees what it holds */
		if (cfg_object(cx, json_array_get(v, i), cfg_partner, &cfg->partners[i], cfg))
			return -1;
		for (j = 0; j < i; j++)
			if (!strcasecmp(cfg->partners[j].realm, cfg->partners[i].realm))
				return cfg_fail(cx, "realm '%s' is listed twice",
				                cfg->partners[i].realm);
		cx->path[len] = '\0';
	}
	return 0;
}

static int cfg_value(struct cfg_ctx *cx, json_t *v, const struct cfg_field *f, void *dst,
                     struct mig_config *cfg)
{
	char *at = (char *)dst + f->offset;

	switch (f->kind) {
	case CFG_REALM:
	case CFG_PREFIX:
	case CFG_TEXT:
		return cfg_string(cx, v, f, at);
	case CFG_BOOL:
		if (!json_is_boolean(v))
			return cfg_fail(cx, "must be true or false");
		*(int *)at = json_is_true(v);
		return 0;
	case CFG_UINT:
		return cfg_uint(cx, v, f, at);
	case CFG_OBJECT:
		return cfg_object(cx, v, f->sub, dst, cfg);
	case CFG_PARTNERS:
		return cfg_partners(cx, v, cfg);
	case CFG_STRDUP:
		return cfg_strdup(cx, v, (char **)at);
	case CFG_UINTS:
		return cfg_uints(cx, v, f, (struct mig_uints *)at);
	}
	return cfg_fail(cx, "internal error: unknown field kind");
}

/* Fill dst from obj following fields; refuse unknown keys and missing
 * required ones. */
static int cfg_object(struct cfg_ctx *cx, json_t *obj, const struct cfg_field *fields,
                      void *dst, struct mig_config *cfg)
{
	const struct cfg_field *f;
	const char *key;
	json_t *v;

	if (!json_is_object(obj))
		return cfg_fail(cx, "must be an object");
	json_object_foreach(obj, key, v) {
		for (f = fields; f->key && strcmp(f->key, key); f++)
			;
		if (!f->key) {
			cfg_path_push(cx, key);
			return cfg_fail(cx, "unknown field");
		}
	}
	for (f = fields; f->key; f++) {
		size_t len = cfg_path_push(cx, f->key);

		v = json_object_get(obj, f->key);
		if (!v && f->required)
			return cfg_fail(cx, "missing");
		if (v && cfg_value(cx, v, f, dst, cfg))
			return -1;
		cx->path[len] = '\0';
	}
	return 0;
}

/* A partner's profile settings: a known mode, and a template exactly when
 * the mode uses one. */
static int cfg_profile(struct cfg_ctx *cx, const struct mig_partner_conf *p, size_t i)
{
	int uses = !strcmp(p->profile_mode, "template") || !strcmp(p->profile_mode, "merge");

	if (!uses && strcmp(p->profile_mode, "primary"))
		return cfg_fail(cx, "partners[%zu].profile_mode: '%s': must be primary, template "
		                "or merge", i, p->profile_mode);
	if (uses && !p->profile_template)
		return cfg_fail(cx, "partners[%zu].profile_template: missing (profile_mode %s "
		                "needs it)", i, p->profile_mode);
	if (!uses && p->profile_template)
		return cfg_fail(cx, "partners[%zu].profile_template: not used with profile_mode "
		                "primary", i);
	return 0;
}

/* A burst needs a rate to refill it; without one, a burst of a second's
 * worth of requests. */
static int cfg_limits_finish(struct cfg_ctx *cx, struct mig_partner_conf *p, size_t i)
{
	if (p->burst && !p->max_rps)
		return cfg_fail(cx, "partners[%zu].limits.burst: needs limits.rps", i);
	if (!p->burst)
		p->burst = p->max_rps;
	return 0;
}

/* Defaults that depend on other fields, and checks across fields. */
static int cfg_finish(struct cfg_ctx *cx, struct mig_config *c)
{
	const char *why;
	size_t i;

	if (!c->hss_realm[0])
		strcpy(c->hss_realm, c->realm);
	if (!c->id_realm[0])
		strcpy(c->id_realm, c->realm);
	if (!c->border_server_name[0] &&
	    snprintf(c->border_server_name, sizeof(c->border_server_name), "sip:%s", c->sipdb) >=
	        (int)sizeof(c->border_server_name))
		return cfg_fail(cx, "system.sipdb: too long to make a border Server-Name from");
	if (c->id_chars == 0)
		return cfg_fail(cx, "identities.chars: must be at least %d", MIG_GEN_CHARS_MIN);
	if (c->alloc_batch == 0)
		return cfg_fail(cx, "alloc_batch: must be at least 1");
	if (mig_config_partner(c, c->realm))
		return cfg_fail(cx, "partners: our own realm '%s' is listed as a partner", c->realm);
	if (c->scscf_name[0] && (why = mig_ident_check_server(c->scscf_name)))
		return cfg_fail(cx, "scscf.name: '%s': %s", c->scscf_name, why);
	if (c->max_inflight == 0)
		return cfg_fail(cx, "max_inflight: must be at least 1");
	for (i = 0; i < c->n_partners; i++)
		if (cfg_profile(cx, &c->partners[i], i) ||
		    cfg_limits_finish(cx, &c->partners[i], i))
			return -1;
	return 0;
}

static void cfg_defaults(struct mig_config *c)
{
	memset(c, 0, sizeof(*c));
	strcpy(c->id_prefix, MIG_GEN_PREFIX_DEFAULT);
	c->id_chars = MIG_GEN_CHARS_DEFAULT;
	c->lifetime = MIG_CONFIG_DEFAULT_LIFETIME;
	c->timeout_ms = MIG_CONFIG_DEFAULT_TIMEOUT_MS;
	c->rtr_retry_for = MIG_CONFIG_DEFAULT_RTR_RETRY_FOR;
	c->max_inflight = MIG_CONFIG_DEFAULT_MAX_INFLIGHT;
	c->alloc_batch = MIG_CONFIG_DEFAULT_ALLOC_BATCH;
	c->max_queue_ms = MIG_CONFIG_DEFAULT_MAX_QUEUE_MS;
	c->doic = 1;
	c->max_backlog_kb = MIG_CONFIG_DEFAULT_MAX_BACKLOG_KB;
}

static int cfg_from_json(json_t *root, struct mig_config **out, struct cfg_ctx *cx)
{
	struct mig_config *c = malloc(sizeof(*c));

	if (!c)
		return cfg_fail(cx, "out of memory");
	cfg_defaults(c);
	if (cfg_object(cx, root, cfg_top, c, c) || (cx->path[0] = '\0', cfg_finish(cx, c))) {
		mig_config_free(c);
		return -1;
	}
	*out = c;
	return 0;
}

int mig_config_parse(const char *text, size_t len, struct mig_config **out, char *err,
                     size_t errlen)
{
	struct cfg_ctx cx = { err, errlen, "" };
	json_error_t jerr;
	json_t *root;
	int rc;

	*out = NULL;
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		snprintf(err, errlen, "line %d, column %d: %s", jerr.line, jerr.column, jerr.text);
		return -1;
	}
	rc = cfg_from_json(root, out, &cx);
	json_decref(root);
	return rc;
}

int mig_config_load(const char *path, struct mig_config **out, char *err, size_t errlen)
{
	struct cfg_ctx cx = { err, errlen, "" };
	json_error_t jerr;
	json_t *root;
	int rc;

	*out = NULL;
	root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		if (jerr.line < 0)
			snprintf(err, errlen, "%s: %s", path, jerr.text);
		else
			snprintf(err, errlen, "%s:%d:%d: %s", path, jerr.line, jerr.column,
			         jerr.text);
		return -1;
	}
	rc = cfg_from_json(root, out, &cx);
	json_decref(root);
	if (rc) {
		char what[MIG_CONFIG_ERR_MAX];

		snprintf(what, sizeof(what), "%s", err);
		snprintf(err, errlen, "%s: %s", path, what);
	}
	return rc;
}

void mig_config_free(struct mig_config *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; c->partners && i < c->n_partners; i++)
		free(c->partners[i].profile_template);
	free(c->partners);
	free(c);
}

const struct mig_partner_conf *mig_config_partner(const struct mig_config *c, const char *realm)
{
	size_t i;

	for (i = 0; i < c->n_partners; i++)
		if (!strcasecmp(c->partners[i].realm, realm))
			return &c->partners[i];
	return NULL;
}
