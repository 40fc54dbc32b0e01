/*
 * test_hss: a test-only HSS, as a freeDiameter extension (test_hss.fdx).
 *
 * It answers Cx Multimedia-Auth-Requests (TS 29.229 6.1.7/6.1.8) for
 * subscribers read from a JSON file, with genuine Milenage AKA vectors
 * (tools/aka.c) or SIP Digest HA1s, and Server-Assignment-Requests with
 * the subscriber's profile, so that the broker, Kamailio and sipp can be
 * tested against something that behaves like a real HSS.  On demand it
 * pushes a profile (PPR) or ends a registration (RTR).
 *
 * One file per role:
 *   test_hss.c        entry point, configuration file, fini
 *   test_hss_dict.c   dictionary objects and the AVP helpers (shared with
 *                     the probe)
 *   test_hss_subs.c   subscribers: JSON parsing, look-up, SQN and
 *                     Server-Name state (shared with the probe)
 *   test_hss_mar.c    the MAR handler
 *   test_hss_sar.c    the SAR handler and the subscriber's User-Data
 *   test_hss_push.c   PPR and RTR toward the S-CSCF that registered a
 *                     user, when asked through the trigger file
 *   test_hss_probe.c  a second, throwaway extension (test_hss_probe.fdx)
 *                     that sends MARs to the test HSS and checks the MAAs,
 *                     for tests/integration/hss_mar.sh
 *
 * Configuration (LoadExtension = "test_hss.fdx" : "hss.json";):
 *
 *   { "subscribers": [
 *       { "impi": "alice@a.test", "impus": ["sip:alice@a.test"],
 *         "k": "<32 hex>" | "k_ascii": "<16 bytes>",
 *         "op": "<32 hex>" | "op_ascii": "<16 bytes>" | "opc": "<32 hex>",
 *         "amf": "8000", "sqn": "000000000020",
 *         "password": "secret", "realm": "a.test",
 *         "user_data": "<IMSSubscription>..." } ],
 *     "no_zero_xres": true,
 *     "ccf": "aaa://ccf.a.test",
 *     "push_trigger": "/tmp/hss.push" }
 *
 * The *_ascii forms take the 16 bytes of the string itself, as sipp 3.6.1
 * does with aka_K= and aka_OP= (doc: INTEROP.md).  A subscriber needs AKA
 * keys (k and one of op/opc), a password (Digest), or both.  "sqn" is
 * SQN_HE, the last sequence number handed out (default 0): the first
 * vector carries sqn + 1.  "realm" (Digest only) defaults to the part of
 * the IMPI after '@'.  "no_zero_xres" redraws RAND until XRES has no zero
 * byte (sipp 3.6.1 passes RES through strlen).  "user_data" replaces the
 * profile the SAA carries (default: a minimal IMSSubscription with the
 * IMPI and one PublicIdentity per IMPU) by that text, as it is (a test
 * can hand out a broken one).  "ccf" adds Charging-Information with that
 * Primary-Charging-Collection-Function-Name to registration SAAs.
 * "push_trigger" names a file the HSS looks for every 100 ms: each line
 * "ppr IMPI" or "rtr IMPI" sends that request to the Origin-Host of the
 * user's last SAR; the file is removed when read, and each answer is
 * logged ("test_hss: PPA for alice@a.test: result 2001").  Unknown keys, bad hex,
 * missing or conflicting keys stop the daemon with a message naming the
 * file, the subscriber and the key.
 *
 * Every non-static symbol starts with thss_: freeDiameterd loads extensions
 * RTLD_GLOBAL.
 */
#ifndef MIGBROKER_TESTS_TEST_HSS_H
#define MIGBROKER_TESTS_TEST_HSS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <freeDiameter/extension.h>
#include <jansson.h>

#include "aka.h"

/* The entry points that EXTENSION_ENTRY defines (both extensions). */
int fd_ext_init(int major, int minor, char *conffile);
void fd_ext_fini(void);

#define THSS_VENDOR_3GPP 10415
#define THSS_APP_CX 16777216
#define THSS_CMD_SAR 301
#define THSS_CMD_MAR 303
#define THSS_CMD_RTR 304
#define THSS_CMD_PPR 305

/* Most vectors one MAA carries, whatever SIP-Number-Auth-Items asks. */
#define THSS_MAX_ITEMS 10

/* Longest identity (IMPI, IMPU, Server-Name, realm) we handle, in bytes. */
#define THSS_ID_MAX 255

/* Cx Experimental-Result-Codes (TS 29.229 6.2.2), vendor 10415. */
#define THSS_ERR_USER_UNKNOWN 5001
#define THSS_ERR_IDENTITIES_DONT_MATCH 5002
#define THSS_ERR_AUTH_SCHEME_NOT_SUPPORTED 5006

/* Base Result-Codes (RFC 6733 7.1). */
#define THSS_SUCCESS 2001
#define THSS_AUTHENTICATION_REJECTED 4001
#define THSS_INVALID_AVP_VALUE 5004
#define THSS_UNABLE_TO_COMPLY 5012

/* SIP-Authentication-Scheme values (TS 29.229 6.3.13 and Kamailio's). */
#define THSS_SCHEME_AKAV1 "Digest-AKAv1-MD5"
#define THSS_SCHEME_AKAV2 "Digest-AKAv2-MD5"
#define THSS_SCHEME_SIP_DIGEST "SIP Digest"
#define THSS_SCHEME_DIGEST_MD5 "Digest-MD5"
#define THSS_SCHEME_UNKNOWN "Unknown"

/* ---- test_hss_dict.c --------------------------------------------------- */

struct thss_dict {
	struct dict_object *app_cx, *vendor_3gpp, *cmd_mar, *cmd_sar, *cmd_rtr, *cmd_ppr;
	/* base */
	struct dict_object *session_id, *dest_realm, *user_name, *result_code;
	struct dict_object *exp_result, *exp_result_code, *vendor_id, *auth_app_id;
	struct dict_object *vsai, *auth_session_state, *failed_avp;
	struct dict_object *origin_host, *origin_realm, *dest_host;
	/* Cx */
	struct dict_object *public_identity, *server_name, *n_auth_items, *auth_data_item;
	struct dict_object *item_number, *auth_scheme, *sip_authenticate, *sip_authorization;
	struct dict_object *ck, *ik, *digest_authenticate;
	struct dict_object *sat, *udaa, *user_data, *charging_info, *primary_ccf;
	struct dict_object *dereg_reason, *reason_code;
	/* RFC 4740, vendor 0 (not dict_dcca_3gpp's vendor-10415 copies) */
	struct dict_object *digest_realm, *digest_algorithm, *digest_qop, *digest_ha1;
};
extern struct thss_dict thss_dict;

/* Look every object up once; 0 or an errno value, after logging. */
int thss_dict_init(void);

/* Append a new AVP of that model to parent (a message or grouped AVP). */
int thss_avp_add_os(msg_or_avp *parent, struct dict_object *model, const void *data,
                    size_t len);
int thss_avp_add_str(msg_or_avp *parent, struct dict_object *model, const char *s);
int thss_avp_add_u32(msg_or_avp *parent, struct dict_object *model, uint32_t v);
int thss_avp_add_i32(msg_or_avp *parent, struct dict_object *model, int32_t v);
/* A new empty grouped AVP appended to parent, returned in *grp. */
int thss_avp_add_group(msg_or_avp *parent, struct dict_object *model, struct avp **grp);

/* Vendor-Specific-Application-Id {10415, 16777216} and Auth-Session-State
 * NO_STATE_MAINTAINED: every Cx message carries both. */
int thss_add_cx_app(struct msg *m);

/*
 * The first child of parent (a message or a grouped AVP) with the model's
 * code and vendor, after `after` (NULL: from the first child).  *found is
 * NULL when there is none.  (1.2.1's fd_msg_search_avp takes messages
 * only.)
 */
int thss_avp_find(msg_or_avp *parent, struct avp *after, struct dict_object *model,
                  struct avp **found);

/* The value of the first such child: ENOENT when absent. */
int thss_avp_get_os(msg_or_avp *parent, struct dict_object *model, const uint8_t **data,
                    size_t *len);
int thss_avp_get_u32(msg_or_avp *parent, struct dict_object *model, uint32_t *v);

/* Copy an identity-like value into buf (THSS_ID_MAX + 1 bytes): 0, ENOENT
 * (absent), EINVAL (longer than THSS_ID_MAX or holding a NUL byte). */
int thss_avp_get_id(msg_or_avp *parent, struct dict_object *model, char *buf);

/* ---- test_hss_subs.c --------------------------------------------------- */

struct thss_sub {
	char *impi;
	char **impus;
	size_t n_impus;
	char *password;        /* NULL: no SIP Digest for this subscriber */
	char *realm;           /* Digest realm */
	int has_aka;           /* k, opc and amf are set */
	uint8_t k[AKA_K_LEN];
	uint8_t opc[AKA_OPC_LEN];
	uint8_t amf[AKA_AMF_LEN];

	char *user_data;       /* the profile to hand out as it is, or NULL */

	pthread_mutex_t lock;  /* guards what follows */
	uint64_t sqn;          /* SQN_HE: the last SQN handed out */
	char *server_name;     /* last Server-Name of a MAR or SAR, or NULL */
	char *scscf_host;      /* Origin-Host and -Realm of the last SAR, or NULL */
	char *scscf_realm;
};

struct thss_subs {
	struct thss_sub *v;
	size_t n;
	struct thss_sub **by_impi; /* v sorted by IMPI (case-insensitive), for look-ups */
};

/* Parse path into *root; on failure log "test_hss: path:line:col: why". */
int thss_json_load(const char *path, json_t **root);

/* EINVAL (after logging) when obj has a key that is not in allowed[]
 * (NULL-terminated); `where` names obj in the message. */
int thss_json_keys_check(json_t *obj, const char *const allowed[], const char *path,
                         const char *where);

/* The "subscribers" array of root into *subs; EINVAL after logging why. */
int thss_subs_parse(json_t *root, const char *path, struct thss_subs *subs);
void thss_subs_free(struct thss_subs *subs);

/* Look-ups; identities are compared ignoring case. */
struct thss_sub *thss_subs_find(const struct thss_subs *subs, const char *impi);
int thss_sub_has_impu(const struct thss_sub *s, const char *impu);

/*
 * Reserve n consecutive SQNs for new vectors and return the first.  With
 * sqn_ms (resynchronisation), SQN_HE is first set to SQN_MS, so the vectors
 * carry SQN_MS + 1, + 2...  One lock: concurrent MARs never share an SQN.
 */
uint64_t thss_sub_sqn_take(struct thss_sub *s, unsigned n, const uint64_t *sqn_ms);

/* Remember the Server-Name of the last MAR (for SAR later); copy it out
 * (empty string when none yet). */
int thss_sub_server_set(struct thss_sub *s, const char *server_name);
void thss_sub_server_get(struct thss_sub *s, char *buf, size_t size);

/* Remember who sent the last SAR (where PPR and RTR go); copy it out
 * (empty strings when none yet; bufs of THSS_ID_MAX + 1 bytes). */
int thss_sub_scscf_set(struct thss_sub *s, const char *host, const char *realm);
void thss_sub_scscf_get(struct thss_sub *s, char *host, char *realm);

/* The first subscriber that has that IMPU, or NULL. */
struct thss_sub *thss_subs_find_impu(const struct thss_subs *subs, const char *impu);

/* ---- test_hss.c -------------------------------------------------------- */

struct thss_conf {
	struct thss_subs subs;
	int no_zero_xres;
	char *ccf;           /* Primary-Charging-Collection-Function-Name, or NULL */
	char *push_trigger;  /* the file test_hss_push.c watches, or NULL */
};
extern struct thss_conf thss_conf;

/* ---- test_hss_mar.c ---------------------------------------------------- */

int thss_mar_init(void);
void thss_mar_fini(void);

/* MD5(impi ":" realm ":" password) in 32 lower-case hex digits (RFC 2617);
 * out needs 33 bytes. */
int thss_digest_ha1(const char *impi, const char *realm, const char *password, char out[33]);

/* A Cx answer to *msg (the request, replaced): the application AVPs, and
 * Result-Code base (with failed, may be NULL, in Failed-AVP) when exp is 0,
 * else Experimental-Result {10415, exp}. */
int thss_answer_new(struct msg **msg, const char *base, uint32_t exp, struct avp *failed);

/* ---- test_hss_sar.c ---------------------------------------------------- */

int thss_sar_init(void);
void thss_sar_fini(void);

/* The subscriber's profile as the SAA and PPR carry it (malloc'ed). */
char *thss_user_data(const struct thss_sub *s);

/* ---- test_hss_push.c --------------------------------------------------- */

int thss_push_init(void);
void thss_push_fini(void);

#endif /* MIGBROKER_TESTS_TEST_HSS_H */
