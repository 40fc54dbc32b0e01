/*
 * dict_cx: the Cx/Dx application (3GPP TS 29.229) for freeDiameter 1.2.1,
 * on its own or on top of the stock dict_dcca_3gpp.
 *
 * freeDiameter 1.2.1 has no Cx application, no commands 300-305 and no
 * rule for any Cx grouped AVP; its dict_dcca_3gpp defines most Cx AVPs
 * among some 700 others.  This extension defines whatever of Cx is not in
 * the dictionary yet, in three steps that each live in their own file:
 *
 *   dict_cx_avps.c    the 3GPP vendor and every AVP the commands carry
 *                     that the base dictionary lacks (Cx, and the IETF and
 *                     ETSI AVPs the Cx groups name);
 *   dict_cx_groups.c  the rules of every grouped AVP the commands carry;
 *   dict_cx_cmds.c    the application and the six command pairs with their
 *                     ABNF (TS 29.229 clause 6.1).
 *
 * dict_cx_util.c holds the table-driven helpers they share.  Another
 * application of this dictionary is one more file of tables and one call
 * in dict_cx.c: dict_cx_alloc.c, the migration-allocation commands
 * (doc/allocation.md).
 *
 * Every non-static symbol starts with dcx_: freeDiameterd opens extensions
 * RTLD_GLOBAL, so an unprefixed name could bind to another extension's.
 */
#ifndef DICT_CX_H
#define DICT_CX_H

#include <stddef.h>
#include <freeDiameter/extension.h>

/* The entry points that EXTENSION_ENTRY defines, declared once so that the
 * build stays free of -Wmissing-prototypes warnings. */
int fd_ext_init(int major, int minor, char *conffile);
void fd_ext_fini(void);

#define DCX_VENDOR_BASE   0        /* IETF AVPs */
#define DCX_VENDOR_3GPP   10415
#define DCX_VENDOR_ETSI   13019    /* Line-Identifier (ETSI TS 283 034) */
#define DCX_APP_CX        16777216 /* Cx/Dx, TS 29.229 clause 6 */
#define DCX_VENDOR_MIG    32473    /* migbroker allocation (doc/allocation.md) */
#define DCX_APP_ALLOC     0xFFFF0001u

/* What the helpers did, for the one summary line logged at start-up.
 * "present" counts objects that were already in the dictionary and
 * identical, "differ" those that were there with another definition (kept,
 * logged: freeDiameter 1.2.1 cannot redefine an object). */
struct dcx_stats {
	unsigned avps_added, avps_present, avps_differ;
	unsigned rules_added, rules_present, rules_differ;
	unsigned cmds_added, cmds_present;
};

/*
 * One AVP definition.  The flags follow freeDiameter: `mask` lists the
 * flags whose value is fixed by the specification, `val` their value.  An M
 * bit outside the mask means the specification says "may".
 */
struct dcx_avp_def {
	vendor_id_t vendor;
	avp_code_t code;
	const char *name;
	enum dict_avp_basetype base;
	const char *type_name;   /* derived type (UTF8String, Time, ...) or NULL */
	uint8_t mask;
	uint8_t val;
};

/* One constant of an enumerated type that this extension creates. */
struct dcx_enum_def {
	const char *type_name;   /* e.g. "Enumerated(DRMP)" */
	const char *name;
	int32_t value;
};

/*
 * One line of an ABNF: the AVP (by name AND vendor: dict_sip defines AVPs
 * of the same names in vendor 0), where it may appear, and how often.
 * min/max use freeDiameter's convention: -1 as min means "the default"
 * (0 for optional, 1 otherwise), -1 as max means "no limit".
 */
struct dcx_rule {
	const char *avp_name;
	vendor_id_t vendor;
	enum rule_position position;
	int min;
	int max;
};

/* The ABNF notations, so that each table reads like the specification. */
#define DCX_FIXED(v, n)   { (n), (v), RULE_FIXED_HEAD, -1,  1 }  /* < n >    */
#define DCX_REQ(v, n)     { (n), (v), RULE_REQUIRED,   -1,  1 }  /* { n }    */
#define DCX_REQ_N(v, n)   { (n), (v), RULE_REQUIRED,    1, -1 }  /* 1*{ n }  */
#define DCX_OPT(v, n)     { (n), (v), RULE_OPTIONAL,   -1,  1 }  /* [ n ]    */
#define DCX_OPT_N(v, n)   { (n), (v), RULE_OPTIONAL,   -1, -1 }  /* *[ n ]   */

/* Short vendor names for the tables. */
#define BASE  DCX_VENDOR_BASE
#define TGPP  DCX_VENDOR_3GPP
#define ETSI  DCX_VENDOR_ETSI

#define DCX_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* A slice of an ABNF.  Commands are written as a head shared by all
 * requests (or all answers), their own body, and a shared tail. */
struct dcx_rules {
	const struct dcx_rule *rules;
	size_t n;
};
#define DCX_RULES(table) { (table), DCX_COUNT(table) }
#define DCX_PARTS_MAX 3

/* A grouped AVP and its ABNF. */
struct dcx_group_def {
	const char *avp_name;
	vendor_id_t vendor;
	struct dcx_rules abnf;
};

/* A command pair: one code, a request and an answer, each with its ABNF
 * in up to DCX_PARTS_MAX slices (unused slices are empty). */
struct dcx_cmd_def {
	command_code_t code;
	const char *req_name;
	struct dcx_rules req[DCX_PARTS_MAX];
	const char *ans_name;
	struct dcx_rules ans[DCX_PARTS_MAX];
};

/* dict_cx_util.c: the table helpers. */
int dcx_vendor_ensure(vendor_id_t id, const char *name);
int dcx_avp_find(vendor_id_t vendor, const char *name, struct dict_object **avp);
void dcx_avp_cache_free(void);
int dcx_avps_define(const struct dcx_avp_def *defs, size_t n, struct dcx_stats *st);
int dcx_enums_define(const struct dcx_enum_def *defs, size_t n);
int dcx_rules_apply(struct dict_object *parent, const char *parent_name,
		    const struct dcx_rules *parts, size_t n_parts, struct dcx_stats *st);
int dcx_groups_apply(const struct dcx_group_def *groups, size_t n, struct dcx_stats *st);
int dcx_cmds_check(const struct dcx_cmd_def *cmds, size_t n);
int dcx_cmds_define(struct dict_object *app, const struct dcx_cmd_def *cmds, size_t n,
		    struct dcx_stats *st);
int dcx_app_ensure(application_id_t id, vendor_id_t vendor, const char *name,
		   struct dict_object **app);

/* One init per role; each returns 0 or an errno value, after logging why. */
int dcx_avps_init(struct dcx_stats *st);
int dcx_groups_init(struct dcx_stats *st);
int dcx_cmds_check_conflicts(void);
int dcx_cmds_init(struct dcx_stats *st);
int dcx_alloc_init(struct dcx_stats *st);

#endif /* DICT_CX_H */
