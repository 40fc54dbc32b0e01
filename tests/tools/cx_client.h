/*
 * cx_client: a test-only Diameter client that plays the S-CSCF (Cx MAR,
 * SAR), the I-CSCF (UAR, LIR) or the configuration management server
 * (migration allocation, GOR/GIR).
 *
 * It runs an embedded freeDiameter core from a configuration file, waits
 * until its peer is OPEN, sends one request (or --count of them), waits
 * for the answers under its own deadline, prints JSON on stdout and shuts
 * the core down.  Logs of the core never go to stdout.
 *
 *   cx_client.c        main, core start and stop, waiting for the peer
 *   cx_client_opts.c   command line
 *   cx_client_msg.c    dictionary look-ups and building the requests
 *   cx_client_send.c   sending, answer/expiry callbacks, deadlines, load
 *                      summary, the answer log (--answer-log)
 *   cx_client_json.c   an answer as JSON
 *   cx_client_sink.c   not part of the client: a freeDiameterd test
 *                      extension (cx_client_sink.fdx) that never answers
 *                      usefully, for the deadline tests
 *
 * Every non-static symbol carries the cxc_ prefix.
 */
#ifndef CX_CLIENT_H
#define CX_CLIENT_H

#include <stdint.h>
#include <time.h>
#include <jansson.h>
#include <freeDiameter/freeDiameter-host.h>
#include <freeDiameter/libfdcore.h>

/* Exit codes (documented in the usage text). */
#define CXC_EXIT_OK         0   /* an answer, whatever its result code */
#define CXC_EXIT_ERROR      1   /* anything else */
#define CXC_EXIT_USAGE      2   /* bad command line */
#define CXC_EXIT_NO_PEER    3   /* the peer never reached OPEN in time */
#define CXC_EXIT_NO_ANSWER  4   /* (some) request(s) got no answer in time */

/* Numbers of TS 29.229 and doc/allocation.md. */
#define CXC_VENDOR_3GPP   10415
#define CXC_VENDOR_MIG    32473
#define CXC_APP_CX        16777216u
#define CXC_APP_ALLOC     4294901761u
#define CXC_CMD_UAR       300u
#define CXC_CMD_SAR       301u
#define CXC_CMD_LIR       302u
#define CXC_CMD_MAR       303u
#define CXC_CMD_GOR       16777214u
#define CXC_CMD_GIR       16777215u

#define CXC_AUTS_LEN      30      /* RAND(16) || AUTS(14) */

#define CXC_MAX_IMPUS     16

enum cxc_cmd { CXC_MAR = 0, CXC_GOR, CXC_GIR, CXC_SAR, CXC_UAR, CXC_LIR, CXC_NCMDS };

/* MAR, SAR, UAR, LIR: the Cx commands. */
#define CXC_IS_CX(cmd) ((cmd) == CXC_MAR || (cmd) >= CXC_SAR)

/* Everything the command line says. */
struct cxc_opts {
	const char *conf;
	const char *peer;          /* NULL: the first peer that reaches OPEN */
	const char *dest_realm;    /* NULL: the peer's realm */
	const char *dest_host;
	const char *log_file;      /* NULL: stderr */
	const char *origin_host;   /* NULL: our own identity (else: as a proxy
	                              would forward an S-CSCF's request) */
	int log_level;             /* FD_LOG_* threshold */
	unsigned timeout_ms;       /* deadline for each answer */
	unsigned connect_ms;       /* deadline for the peer to be OPEN */
	unsigned count, inflight;
	uint32_t rate;             /* with --count: requests per second, open
	                              loop (0: as fast as --inflight allows) */
	uint32_t duration_s;       /* with --count: stop sending after this
	                              many seconds (0: send all N) */
	int summary;               /* --count given: print the load summary */
	const char *answer_log;    /* NULL, or append each answer there at once */
	int doic;                  /* --doic: OC-Supported-Features in each request,
	                              and the answers' overload reports heeded */

	enum cxc_cmd cmd;
	const char *impi, *impu;   /* impu: the first of impus */
	const char *impus[CXC_MAX_IMPUS];
	unsigned n_impus;
	const char *ids_file;      /* --ids: request i takes line i of it (cyclic) */
	int omit_user_name, omit_public_identity;
	/* mar, sar */
	const char *scheme;
	const char *server_name;   /* NULL: "sip:scscf." + own realm */
	/* sar: Server-Assignment-Type; uar, lir: User-Authorization-Type */
	int has_type;
	uint32_t type;
	uint32_t data_available;   /* sar: User-Data-Already-Available */
	const char *visited;       /* uar: Visited-Network-Identifier (default: own realm) */
	uint32_t items;
	int has_auts;
	uint8_t auts[CXC_AUTS_LEN];
	/* gor / gir */
	const char *realm;         /* --partner (gor) or --primary (gir) */
	const char *primary_sipdb;
	const char *pool;
	int has_lifetime;
	uint32_t lifetime;
};

/* Where the requests go, known once the peer is OPEN. */
struct cxc_target {
	char *peer_id;
	char *dest_realm;
	const char *dest_host;
};

/* cx_client_opts.c: returns 0, CXC_EXIT_USAGE after printing why, or -1
 * when --help printed the usage on stdout. */
int cxc_opts_parse(int argc, char **argv, struct cxc_opts *o);
const char *cxc_cmd_name(enum cxc_cmd cmd);      /* "mar" */
const char *cxc_request_name(enum cxc_cmd cmd);  /* "MAR" */

/* cx_client_msg.c */
int cxc_dict_init(enum cxc_cmd cmd);
int cxc_advertise(void);
int cxc_msg_build(const struct cxc_opts *o, const struct cxc_target *t, unsigned seq,
		  struct msg **out);

/* cx_client_opts.c: the identities of --ids, one "IMPI IMPU" per line;
 * 0, or an exit code after saying why. */
struct cxc_ids {
	char **impi, **impu;
	size_t n;
};
int cxc_ids_load(const char *path, struct cxc_ids *ids);

/* cx_client_send.c: 0 when every request got an answer, else an exit
 * code; the single answer (count 1) or the summary goes to stdout. */
int cxc_send_all(const struct cxc_opts *o, const struct cxc_target *t);

/* cx_client_json.c */
struct cxc_codes {
	int has_rc, has_exp;
	uint32_t rc, exp_vendor, exp_code;
};
void cxc_answer_codes(struct msg *ans, struct cxc_codes *c);

/* The RFC 7683 overload report (OC-OLR) of an answer, if it has one. */
struct cxc_olr {
	int has;
	uint64_t seq;
	uint32_t pct;
	uint32_t validity;  /* seconds; 30 when absent (RFC 7683 7.5) */
};
void cxc_answer_olr(struct msg *ans, struct cxc_olr *o);
json_t *cxc_json_answer(struct msg *ans);

#endif /* CX_CLIENT_H */
