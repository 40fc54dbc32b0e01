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
 *   sipdb_find.c   the decisions every Cx handler shares: which role, which
 *                  binding, refused or not (parse -> look up -> decide)
 *   sipdb_peer.c   who a partner's peer is: source, TLS, certificate
 *   sipdb_malformed.c  messages freeDiameter refused before we saw them:
 *                  one log line and an audit row each
 *   sipdb_udata.c  User-Data (IMS subscription XML): identities mapped,
 *                  the partner's profile for visitors applied
 *   sipdb_mar.c    Multimedia-Auth-Request
 *   sipdb_sar.c    Server-Assignment-Request
 *   sipdb_uar.c    User-Authorization-Request and Location-Info-Request
 *   sipdb_push.c   Registration-Termination- and Push-Profile-Requests that
 *                  reach us (from our HSS or from a primary system)
 *   sipdb_rtr.c    registration terminations we originate when a
 *                  registered binding is revoked or expires
 *   sipdb_alloc.c  the migration-allocation application (GOR/GIR)
 *   sipdb_limit.c  admission: per-partner request rate and live bindings,
 *                  requests in flight; 3004 past a limit
 *   sipdb_backlog.c  a bound on what a peer's socket reader reads ahead of
 *                  the daemon (TCP flow control past max_backlog_kb)
 *   sipdb_doic.c   RFC 7683 overload control: our overload reported to the
 *                  askers that support it, the next hops' reports heeded
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

/*
 * A debug line on a per-message path.  freeDiameter 1.2.1's fd_log takes one
 * process-wide mutex before it looks at the level, so an unconditional
 * fd_log_debug costs every thread a turn at that lock per message: the
 * level is checked here first.
 */
#define SIPDB_DEBUG(...)                                                        \
	do {                                                                    \
		if (fd_g_debug_lvl <= FD_LOG_DEBUG)                             \
			fd_log_debug(__VA_ARGS__);                              \
	} while (0)

/* Cx Experimental-Result-Codes (TS 29.229 6.2), vendor 10415. */
#define CX_FIRST_REGISTRATION 2001
#define CX_SUBSEQUENT_REGISTRATION 2002
#define CX_USER_UNKNOWN 5001
#define CX_IDENTITIES_DONT_MATCH 5002
#define CX_IDENTITY_NOT_REGISTERED 5003
#define CX_NOT_SUPPORTED_USER_DATA 5009

/* ---- sipdb.c ----------------------------------------------------------- */

extern struct mig_config *sipdb_conf;

/* The Cx commands the broker handles. */
enum sipdb_cmd { SIPDB_UAR, SIPDB_SAR, SIPDB_LIR, SIPDB_MAR, SIPDB_RTR, SIPDB_PPR, SIPDB_NCMDS };

/* "UAR" ... for logs, "uar" ... for audit actions ("mar-refused"). */
const char *sipdb_cmd_name(enum sipdb_cmd cmd);
const char *sipdb_cmd_lower(enum sipdb_cmd cmd);

/* Counters for the log at fini and for tests (atomics: any thread). */
struct sipdb_cmd_stats {
	atomic_ulong in;        /* requests received */
	atomic_ulong brokered;  /* forwarded across the border, or to a visitor's S-CSCF */
	atomic_ulong local;     /* passed through to the local HSS */
	atomic_ulong answered;  /* answered by us, successfully */
	atomic_ulong refused;   /* answered with an error by us */
};
struct sipdb_stats {
	struct sipdb_cmd_stats cmd[SIPDB_NCMDS];
	atomic_ulong fwd_timeout;   /* answered 3002 at the deadline */
	atomic_ulong alloc_ok;
	atomic_ulong alloc_refused;
	atomic_ulong rtr_sent;      /* RTRs we originated */
	atomic_ulong rtr_done;      /* ... answered */
	atomic_ulong rtr_abandoned; /* ... given up */
};
extern struct sipdb_stats sipdb_stats;

/* ---- sipdb_dict.c ------------------------------------------------------ */

struct sipdb_dict {
	struct dict_object *app_cx, *app_alloc, *vendor_3gpp, *vendor_mig;
	struct dict_object *cmd[SIPDB_NCMDS]; /* the requests, by enum sipdb_cmd */
	struct dict_object *cmd_gor, *cmd_gir;
	/* base */
	struct dict_object *session_id, *origin_host, *origin_realm, *dest_host, *dest_realm;
	struct dict_object *user_name, *route_record, *proxy_info, *result_code;
	struct dict_object *exp_result, *exp_result_code, *vendor_id, *auth_app_id;
	struct dict_object *error_reporting_host, *failed_avp, *vsai, *auth_session_state;
	struct dict_object *error_message;
	/* RFC 7683 */
	struct dict_object *oc_supported_features, *oc_feature_vector, *oc_olr, *oc_sequence_number;
	struct dict_object *oc_report_type, *oc_reduction_percentage, *oc_validity_duration;
	/* Cx */
	struct dict_object *public_identity, *server_name, *user_data, *server_assignment_type;
	struct dict_object *server_capabilities, *mandatory_capability, *optional_capability;
	struct dict_object *user_authorization_type, *dereg_reason, *reason_code, *reason_info;
	struct dict_object *associated_identities, *associated_registered_identities;
	struct dict_object *charging_information, *scscf_restoration_info;
	struct dict_object *wildcarded_public_identity, *identity_with_emergency_registration;
	struct dict_object *failed_pcscf, *sip_auth_data_item, *sip_number_auth_items;
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

/* Value of the first top-level Unsigned32/Enumerated AVP of that model:
 * 0, or ENOENT when absent. */
int sipdb_avp_u32(struct msg *m, struct dict_object *model, uint32_t *val);

int sipdb_avp_add_str(msg_or_avp *parent, struct dict_object *model, const char *val);
int sipdb_avp_add_u32(msg_or_avp *parent, struct dict_object *model, uint32_t val);
int sipdb_avp_set_str(struct avp *avp, const char *val);

/* 1 when every top-level AVP of that model has the value want (ignoring
 * case), 0 when one differs. */
int sipdb_avp_all_equal(struct msg *m, struct dict_object *model, const char *want);

/* How many top-level AVPs of that model m has, parsed with the dictionary
 * or not (compared by code and vendor). */
int sipdb_avp_count(struct msg *m, struct dict_object *model);

/* A copy of an AVP whose model is known (grouped ones recursively). */
int sipdb_avp_clone(struct avp *src, struct avp **copy);

/* Vendor-Specific-Application-Id {10415, Cx} and Auth-Session-State
 * NO_STATE_MAINTAINED, for the requests we originate. */
int sipdb_avp_add_cx_app(struct msg *m);

/* The Result-Code or Experimental-Result-Code of an answer (0 if none). */
uint32_t sipdb_answer_code(struct msg *ans);

/* Replace the request *msg by a new answer to it, carrying the request's
 * application AVPs (Vendor-Specific-Application-Id or Auth-Application-Id,
 * Auth-Session-State): Cx answers need them even on errors. */
int sipdb_answer_new(struct msg **msg);

/* Replace the request *msg by its answer (sipdb_answer_new) with the code:
 * Result-Code base (and Error-Message text, may be NULL) when exp is 0,
 * else Experimental-Result {10415, exp}.  The caller adds and sends. */
int sipdb_answer_start(struct msg **msg, const char *base, uint32_t exp, const char *text);

/* Add Experimental-Result {10415, code} to an answer (clears the E bit). */
int sipdb_answer_add_experimental(struct msg *ans, uint32_t code);

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

/* A fresh handle for a thread of our own (close it with mig_store_close). */
mig_store_t *sipdb_db_open(void);

/* What an answer says about a binding, applied off the answer path. */
enum sipdb_note {
	SIPDB_NOTE_NONE = 0,
	SIPDB_NOTE_REGISTER,   /* registered at server, by the node host */
	SIPDB_NOTE_UNREGISTER  /* no longer registered */
};

/* Queue a note for the writer thread; never blocks (a full queue drops the
 * note and counts it). */
void sipdb_db_note(int64_t id, enum sipdb_note kind, const char *server, const char *host);

/* Record a refusal in the audit log (from the request path: synchronous,
 * but refusals are rare and must not be lost). */
void sipdb_db_audit(const char *action, const struct mig_binding *b, const char *realm,
                    const char *detail);

int sipdb_db_init(void);
void sipdb_db_fini(void);

/* ---- sipdb_peer.c ------------------------------------------------------ */

/*
 * May requests of partner p be taken from the peer the request m arrived
 * from, and may we send p what is meant for it?  The peer must be p's SIP
 * database (or, when that is not configured, a peer of p's realm) and, when
 * p->tls, connected over TLS with a certificate that names the peer.  *why
 * says what is wrong.
 */
int sipdb_peer_source_ok(struct msg *m, const struct mig_partner_conf *p, const char **why);
int sipdb_peer_dest_ok(const struct mig_partner_conf *p, const char **why);

/*
 * Did the request m, whose Origin-Realm is ours, really come from inside
 * our system: from a peer whose CER gave our realm and that is not a
 * partner's SIP database?  A partner that writes our realm in Origin-Realm
 * would otherwise be served as our own S-CSCF (the local HSS's vectors) or
 * as our configuration management server (allocations).  *why (a
 * thread-local buffer) says what is wrong.
 */
int sipdb_peer_local(struct msg *m, const char **why);

int sipdb_peer_init(void);
void sipdb_peer_fini(void);

/* ---- sipdb_malformed.c ------------------------------------------------- */

int sipdb_malformed_init(void);
void sipdb_malformed_fini(void);

/* ---- sipdb_udata.c ----------------------------------------------------- */

/* How the User-Data of a message is rewritten on its way through. */
struct sipdb_umap {
	struct sipdb_ids from;                  /* identities as its sender wrote them */
	struct sipdb_ids to;                    /* identities its receiver knows */
	const struct mig_partner_conf *visitor; /* partner whose visitors' profile
	                                           applies (partner side), or NULL */
};

/*
 * Rewrite the User-Data AVP of m, if it has one, in place: PrivateID and
 * every PublicIdentity/Identity mapped from -> to, public identities that
 * are not part of the migration removed, and the visitors' profile of
 * map->visitor applied.  EBADMSG (logged) when the User-Data is not an
 * IMS subscription we can map; then m is unchanged.
 */
int sipdb_udata_rewrite(struct msg *m, const struct sipdb_umap *map);

/* Read and check the partners' profile templates (stops the daemon when
 * one is unusable). */
int sipdb_udata_init(void);
void sipdb_udata_fini(void);

/* ---- sipdb_fwd.c ------------------------------------------------------- */

/* Where a forwarded request goes, and what it says there. */
struct sipdb_hop {
	const char *dest_realm;
	const char *dest_host;     /* NULL or "": let routing choose in the realm */
	struct sipdb_ids fwd;      /* identities in the forwarded request */
	struct sipdb_ids ans;      /* identities the asker gets back */
	const char *server_name;   /* replace Server-Name, or NULL to keep it */
	int64_t binding_id;        /* 0: none */
	enum sipdb_note note;      /* on a success answer, note this on the binding */
	int echo_ids;              /* answers lacking User-Name/Public-Identity get
	                              them (Kamailio needs them in every MAA) */
	uint32_t silence_exp;      /* no answer by the deadline: answer this Cx
	                              experimental code instead of 3002 (an RTR to
	                              Kamailio: silence means "not registered") */
	int one_impu;              /* the request gets exactly one Public-Identity,
	                              fwd.impu (an RTR: Kamailio ignores an RTR
	                              without one) */
	int user_data;             /* map the answer's User-Data fwd -> ans */
	const struct mig_partner_conf *visitor; /* ... with this visitors' profile */
	/* A reason to refuse the answer (5012 to the asker, audited), or NULL
	 * (an MAA with more vectors than the MAR asked for). */
	const char *(*check_answer)(struct msg *req, struct msg *ans);
	struct dict_object **const *strip_req;  /* NULL-terminated: AVPs removed */
	struct dict_object **const *strip_ans;  /* from the request, the answer */
	const char *what;          /* for logs: "MAR brokered to primary" */
};

/*
 * Forward the request *req (consumed) as a new request described by hop;
 * when the answer comes back, rewrite it for the original asker and send
 * it; if none comes within the configured deadline, answer 3002.
 */
int sipdb_fwd(struct msg **req, const struct sipdb_hop *hop);

/* freeDiameter's routing callback for answers (RT_FWD_ANS): answers to our
 * forwarded requests are rewritten and sent from there. */
int sipdb_fwd_answer_route(void *unused, struct msg **u);

int sipdb_fwd_init(void);
void sipdb_fwd_fini(void);

/* ---- sipdb_find.c: the decisions the Cx handlers share ------------------ */

/* A request on its way through parse -> look up -> decide. */
struct sipdb_req {
	struct msg **msg;
	enum sipdb_cmd cmd;
	char impi[MIG_IDENT_MAX + 1];         /* User-Name, "" when absent */
	char impu[MIG_IDENT_MAX + 1];         /* first Public-Identity, "" when absent */
	char origin_host[MIG_IDENT_MAX + 1];
	char origin_realm[MIG_IDENT_MAX + 1];
};

/* What a look-up decided. */
enum sipdb_verdict {
	SIPDB_GO,    /* a usable binding: the handler goes on */
	SIPDB_PASS,  /* not a migration identity: pass it to the local HSS */
	SIPDB_DONE   /* refused: the request is answered */
};

/* The binding a request is about, and the partner system it involves. */
struct sipdb_match {
	struct mig_binding b;
	const struct mig_partner_conf *p;
};

/*
 * Parse: count the request, read User-Name and the first Public-Identity
 * (each required or not), Origin-Host and Origin-Realm.  A missing required
 * or unusable identity is answered (5005/5004, the AVP in Failed-AVP), so is
 * a request that claims our realm from a partner's peer (5003, audited:
 * sipdb_peer_local), and *answered set.
 */
int sipdb_req_parse(struct sipdb_req *r, struct msg **msg, enum sipdb_cmd cmd,
                    int need_impi, int need_impu, int *answered);

/* 1 when the request comes from our own system (Origin-Realm is ours). */
int sipdb_req_local(const struct sipdb_req *r);

/*
 * Partner role, a request from our own node (MAR, SAR, UAR, LIR) about a
 * visitor: the inbound binding of the IMPI (or, without one, of the IMPU),
 * live, every Public-Identity its IMPU, its primary system still allowed.
 */
int sipdb_find_visitor(struct sipdb_req *r, struct sipdb_match *m, enum sipdb_verdict *v);

/*
 * Primary role, a request from a partner system (MAR, SAR) about one of
 * our users: the partner allowed and really the sender, the user's live
 * outbound binding for that partner, every Public-Identity the one the
 * partner was given.
 */
int sipdb_find_migrant(struct sipdb_req *r, struct sipdb_match *m, enum sipdb_verdict *v);

/*
 * RTR and PPR.  From our own system (our HSS): the user's outbound binding
 * registered at a partner.  From a primary system: the partner allowed and
 * really the sender, and the visitor's inbound binding registered at one of
 * our S-CSCFs.
 */
int sipdb_find_pushed(struct sipdb_req *r, struct sipdb_match *m, enum sipdb_verdict *v);

/* The identities the partner of an outbound binding knows the user by. */
struct sipdb_ids sipdb_partner_ids(const struct sipdb_match *m);

/*
 * Refuse: count, log, audit (base codes, with the binding when there is
 * one), and answer with the code (base name, or a Cx experimental code);
 * MAAs and SAAs echo the identities.
 */
int sipdb_refuse(struct sipdb_req *r, const char *base, uint32_t exp, const char *why,
                 const struct mig_binding *b);

/* Pass the request to the local HSS unchanged. */
int sipdb_pass_to_hss(struct sipdb_req *r);

/*
 * Broker a request (MAR, SAR) by role, with hop holding what is particular
 * to the command (note, echo_ids, user_data, strip lists).  From our own
 * node: a visitor's identity goes to her primary system (its SIP database,
 * the identities it knows, our border Server-Name; 3002 when its peer is
 * not trusted), any other identity to our HSS unchanged.  From a partner:
 * one of our users goes to our HSS under her real identities, the answer
 * under those the partner knows.  Refusals are answered (sipdb_find_*).
 */
int sipdb_broker(struct sipdb_req *r, struct sipdb_hop *hop);

/* ---- sipdb_limit.c: admission ------------------------------------------- */

/*
 * At the entry of every Cx handler, before any parsing: past max_inflight,
 * or when the partner of the request's Origin-Realm is over its request
 * rate, answer DIAMETER_TOO_BUSY (3004) and set *answered.
 */
int sipdb_limit_admit(struct msg **msg, enum sipdb_cmd cmd, int *answered);

/* Take one of partner p's request tokens: 1, or 0 (counted) when p is over
 * its rate.  The caller answers 3004. */
int sipdb_limit_rate_ok(const struct mig_partner_conf *p);

/* An allocation for p refused at its live-binding limit (counted). */
void sipdb_limit_bindings_refused(const struct mig_partner_conf *p);

/* Reserve a place among the requests in flight: 1, or 0 (counted) at
 * max_inflight; every 1 is matched by one leave when the asker is answered. */
int sipdb_limit_fwd_enter(void);
void sipdb_limit_fwd_leave(void);
unsigned long sipdb_limit_inflight(void);

/* A request not sent because the next hop reported overload (counted). */
void sipdb_limit_abated(void);

/* Requests answered 3004 because the broker itself is overloaded
 * (max_inflight, max_queue_ms), since start: what sipdb_doic reports. */
unsigned long sipdb_limit_overloaded(void);

/* The writer thread, about once a second: one aggregated audit row per
 * partner refused anything since the last call, and the busy.* counters. */
void sipdb_limit_flush(mig_store_t *st);

int sipdb_limit_init(void);
void sipdb_limit_fini(void);

/* ---- sipdb_backlog.c: bounded reading ahead ----------------------------- */

/* Hooks on each connection's reader (max_backlog_kb; nothing when 0). */
int sipdb_backlog_init(void);
void sipdb_backlog_fini(void);

/* The writer thread, about once a second: the backlog.paused counter. */
void sipdb_backlog_flush(mig_store_t *st);

/* ---- sipdb_doic.c: RFC 7683 overload control ----------------------------- */

/*
 * Reporting node.  When the request req carried OC-Supported-Features, add
 * ours (loss algorithm) to its answer ans, and an OC-OLR while the broker
 * is overloaded (and for a while after, with validity 0: the end of it).
 * Every answer the broker sends goes through here.
 */
int sipdb_doic_report(struct msg *req, struct msg *ans);

/* Reacting node.  The answer u came from the next hop with the OC-OLR
 * olr (NULL: none): remember the report (u's Origin-Host and Origin-Realm,
 * the OLR and its content parsed with the dictionary). */
void sipdb_doic_heed(struct msg *u, struct avp *olr);

/* Must this request to dest_host (or, without one, to dest_realm) be
 * throttled under the overload report in force for it?  1 for the share
 * of requests the report asks to abate. */
int sipdb_doic_abate(const char *dest_host, const char *dest_realm);

int sipdb_doic_init(void);
void sipdb_doic_fini(void);

/* ---- handlers ---------------------------------------------------------- */

/* A Cx request handler: answers or forwards the request *msg of command
 * cmd.  sipdb.c registers each for its commands. */
int sipdb_mar_handle(struct msg **msg, enum sipdb_cmd cmd);
int sipdb_sar_handle(struct msg **msg, enum sipdb_cmd cmd);
int sipdb_uar_handle(struct msg **msg, enum sipdb_cmd cmd);   /* UAR and LIR */
int sipdb_push_handle(struct msg **msg, enum sipdb_cmd cmd);  /* RTR and PPR */

int sipdb_rtr_init(void);
void sipdb_rtr_fini(void);
int sipdb_alloc_init(void);
void sipdb_alloc_fini(void);

/* An absolute CLOCK_REALTIME time ms milliseconds from now (deadlines). */
struct timespec sipdb_after_ms(unsigned ms);

#endif /* SIPDB_H */
