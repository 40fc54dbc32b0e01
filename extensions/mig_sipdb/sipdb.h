/*
 * sipdb.h: shared state of the mig_sipdb extension (the broker).
 *
 * One file per role, as in freeDiameter's test_app:
 *   sipdb.c        entry point, start-up checks, fini, statistics
 *   sipdb_dict.c   dictionary objects, looked up once at start
 *   sipdb_avp.c    AVP get/put helpers shared by every command
 *   sipdb_db.c     per-thread store handles, and the writer thread that
 *                  applies binding updates off the answer path
 *   sipdb_fwd.c    back-to-back forwarding: a new request per hop, the
 *                  answer rewritten for the asker, a deadline per request
 *   sipdb_mar.c    Multimedia-Auth-Request, both roles and pass-through
 *   sipdb_alloc.c  the migration-allocation application (GOR/GIR)
 *
 * Every non-static symbol starts with sipdb_: freeDiameter loads extensions
 * RTLD_GLOBAL.
 */
#ifndef SIPDB_H
#define SIPDB_H

#include <freeDiameter/extension.h>
#include <stdatomic.h>

#include "mig_config.h"
#include "mig_store.h"

/* ---- sipdb.c ----------------------------------------------------------- */

extern struct mig_config *sipdb_conf;

/* Counters for the log at fini and for tests (atomics: any thread). */
struct sipdb_stats {
	atomic_ulong mar_in;        /* MARs received */
	atomic_ulong mar_brokered;  /* forwarded across the border */
	atomic_ulong mar_local;     /* passed through to the local HSS */
	atomic_ulong mar_refused;   /* answered with an error by us */
	atomic_ulong fwd_timeout;   /* answered 3002 at the deadline */
	atomic_ulong alloc_ok;
	atomic_ulong alloc_refused;
};
extern struct sipdb_stats sipdb_stats;

/* ---- sipdb_dict.c ------------------------------------------------------ */

struct sipdb_dict {
	struct dict_object *app_cx, *app_alloc, *vendor_3gpp, *vendor_mig;
	struct dict_object *cmd_mar, *cmd_gor, *cmd_gir;
	/* base */
	struct dict_object *session_id, *origin_host, *origin_realm, *dest_host, *dest_realm;
	struct dict_object *user_name, *route_record, *proxy_info, *result_code;
	struct dict_object *exp_result, *exp_result_code, *vendor_id, *auth_app_id;
	struct dict_object *error_reporting_host, *failed_avp, *vsai, *auth_session_state;
	/* Cx */
	struct dict_object *public_identity, *server_name;
	/* allocation application */
	struct dict_object *mig_partner_realm, *mig_primary_realm, *mig_primary_sipdb;
	struct dict_object *mig_impi, *mig_impu, *mig_lifetime, *mig_pool;
};
extern struct sipdb_dict sipdb_dict;

int sipdb_dict_init(void);

/* ---- sipdb_avp.c ------------------------------------------------------- */

/* Value of the first top-level AVP of that model, or NULL (and *avp NULL). */
int sipdb_avp_str(struct msg *m, struct dict_object *model, const char **val, size_t *len,
                  struct avp **avp);

/* Copy that value into a NUL-terminated buffer of MIG_IDENT_MAX + 1 bytes:
 * 0, ENOENT (absent) or EINVAL (too long, or a NUL byte inside). */
int sipdb_avp_ident(struct msg *m, struct dict_object *model, char *buf, struct avp **avp);

int sipdb_avp_add_str(msg_or_avp *parent, struct dict_object *model, const char *val);
int sipdb_avp_add_u32(msg_or_avp *parent, struct dict_object *model, uint32_t val);
int sipdb_avp_set_str(struct avp *avp, const char *val);

/* Replace the value of every top-level AVP of that model (there must be
 * one); remove every top-level AVP of that model. */
int sipdb_avp_replace(struct msg *m, struct dict_object *model, const char *val);
int sipdb_avp_remove_all(struct msg *m, struct dict_object *model);

/* A copy of an AVP whose model is known (grouped ones recursively). */
int sipdb_avp_clone(struct avp *src, struct avp **copy);

/* Replace the request *msg by a new answer to it, carrying the request's
 * application AVPs (Vendor-Specific-Application-Id or Auth-Application-Id,
 * Auth-Session-State): Cx answers need them even on errors. */
int sipdb_answer_new(struct msg **msg);

/*
 * Turn the request *msg into an error answer and send it.  Base codes go in
 * Result-Code ("DIAMETER_AUTHORIZATION_REJECTED"), Cx codes (exp != 0) in
 * Experimental-Result with Vendor-Id 10415.  failed (may be NULL) is put in
 * a Failed-AVP.  ident (may be NULL): User-Name and Public-Identity to
 * echo, since Kamailio wants them in every MAA.
 */
struct sipdb_ids {
	const char *impi;
	const char *impu;
};
int sipdb_answer_error(struct msg **msg, const char *base, uint32_t exp, const char *text,
                       struct avp *failed, const struct sipdb_ids *ident);

/*
 * Read an identity AVP of the request *msg into buf (MIG_IDENT_MAX + 1).
 * When it is missing (and required) or unusable, answer the request with
 * DIAMETER_MISSING_AVP (5005) or DIAMETER_INVALID_AVP_VALUE (5004) and the
 * AVP in Failed-AVP, and set *answered.
 */
int sipdb_req_ident(struct msg **msg, struct dict_object *model, char *buf, int required,
                    int *answered);

/* ---- sipdb_db.c -------------------------------------------------------- */

/* The calling thread's store handle (opened on first use), or NULL. */
mig_store_t *sipdb_db(void);

/* Queue "binding id registered at server" for the writer thread; never
 * blocks (a full queue drops the update and counts it). */
void sipdb_db_registered(int64_t id, const char *server);

/* Record a refusal in the audit log (from the request path: synchronous,
 * but refusals are rare and must not be lost). */
void sipdb_db_audit(const char *action, const struct mig_binding *b, const char *realm,
                    const char *detail);

int sipdb_db_init(void);
void sipdb_db_fini(void);

/* ---- sipdb_fwd.c ------------------------------------------------------- */

/* Where a forwarded request goes, and what it says there. */
struct sipdb_hop {
	const char *dest_realm;
	const char *dest_host;     /* NULL or "": let routing choose in the realm */
	struct sipdb_ids fwd;      /* identities in the forwarded request */
	struct sipdb_ids ans;      /* identities the asker gets back */
	const char *server_name;   /* replace Server-Name, or NULL to keep it */
	int64_t binding_id;        /* 0: none */
	int mark_registered;       /* on success, mark the binding registered */
	const char *what;          /* for logs: "MAR brokered to primary" */
};

/*
 * Forward the request *req (consumed) as a new request described by hop;
 * when the answer comes back, rewrite it for the original asker and send
 * it; if none comes within the configured deadline, answer 3002.
 */
int sipdb_fwd(struct msg **req, const struct sipdb_hop *hop);

int sipdb_fwd_init(void);
void sipdb_fwd_fini(void);

/* ---- handlers ---------------------------------------------------------- */

int sipdb_mar_init(void);
void sipdb_mar_fini(void);
int sipdb_alloc_init(void);
void sipdb_alloc_fini(void);

#endif /* SIPDB_H */
