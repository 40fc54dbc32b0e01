/*
 * dict_probe_msgs.c: build the twelve Cx messages with the daemon's
 * dictionary, encode them, parse them back and validate them against the
 * rules, then break them on purpose and check that validation notices.
 *
 * Messages are written as tables of AVPs with a depth (0: in the message,
 * 1: in the grouped AVP above, ...), the way a capture reads in Wireshark.
 * Every message is a shared head, its origin (S-CSCF or HSS), its body and
 * a tail, like the ABNF; a case can then omit one AVP, add one twice, or
 * move the Session-Id out of its fixed first place.
 *
 * For each valid case the probe checks, after fd_msg_bufferize,
 * fd_msg_parse_buffer, fd_msg_parse_dict and fd_msg_parse_rules:
 *   - the header: command code, R/P/E flags, Application-Id 16777216;
 *   - every AVP: same code, vendor, flags and value as what was built, and
 *     known to the dictionary.
 * For each broken case: fd_msg_parse_rules fails with the expected error
 * and names the expected AVP.
 */
#include <stdlib.h>
#include <string.h>

#include "dict_probe.h"

#define DICT (fd_g_config->cnf_dict)

#define B 0
#define G3 DPR_VENDOR_3GPP
#define ET DPR_VENDOR_ETSI

enum dpr_kind { K_GROUP, K_OCTETS, K_U32, K_I32, K_U64 };

struct dpr_item {
	int depth;
	vendor_id_t vendor;
	const char *name;
	enum dpr_kind kind;
	const char *os;     /* K_OCTETS: bytes */
	size_t len;         /* K_OCTETS: length; 0 means strlen(os) */
	uint64_t num;       /* K_U32, K_I32, K_U64 */
};

#define GRP(d, v, n)        { (d), (v), (n), K_GROUP, NULL, 0, 0 }
#define STR(d, v, n, s)     { (d), (v), (n), K_OCTETS, (s), 0, 0 }
#define OCT(d, v, n, s, l)  { (d), (v), (n), K_OCTETS, (s), (l), 0 }
#define U32(d, v, n, x)     { (d), (v), (n), K_U32, NULL, 0, (x) }
#define I32(d, v, n, x)     { (d), (v), (n), K_I32, NULL, 0, (x) }
#define U64(d, v, n, x)     { (d), (v), (n), K_U64, NULL, 0, (x) }

struct dpr_items {
	const struct dpr_item *items;
	size_t n;
};
#define ITEMS(t) { (t), sizeof(t) / sizeof((t)[0]) }

/* ------------------------------------------------------------ the messages */

/* Every Cx message starts like this... */
static const struct dpr_item head[] = {
	STR(0, B, "Session-Id", "probe.test.local;1;1;cx"),
	I32(0, B, "DRMP", 3),
	GRP(0, B, "Vendor-Specific-Application-Id"),
	U32(1, B, "Vendor-Id", 10415),
	U32(1, B, "Auth-Application-Id", 16777216),
	I32(0, B, "Auth-Session-State", 1),
};

/* ... from the S-CSCF (requests) or the HSS (answers, whose result opens
 * each body). */
static const struct dpr_item req_origin[] = {
	STR(0, B, "Origin-Host", "scscf.test.local"),
	STR(0, B, "Origin-Realm", "test.local"),
};

static const struct dpr_item ans_origin[] = {
	STR(0, B, "Origin-Host", "hss.test.local"),
	STR(0, B, "Origin-Realm", "test.local"),
};

#define RESULT_CODE(x)  U32(0, B, "Result-Code", (x))
/* DIAMETER_FIRST_REGISTRATION */
#define FIRST_REGISTRATION \
	GRP(0, B, "Experimental-Result"), \
	U32(1, B, "Vendor-Id", 10415), \
	U32(1, B, "Experimental-Result-Code", 2001)

static const struct dpr_item req_tail[] = {
	GRP(0, B, "Proxy-Info"),
	STR(1, B, "Proxy-Host", "proxy.test.local"),
	STR(1, B, "Proxy-State", "state-1"),
	STR(0, B, "Route-Record", "proxy.test.local"),
};

static const struct dpr_item ans_tail[] = {
	GRP(0, B, "Proxy-Info"),
	STR(1, B, "Proxy-Host", "proxy.test.local"),
	STR(1, B, "Proxy-State", "state-1"),
};

static const struct dpr_item uar[] = {
	STR(0, B, "Destination-Host", "hss.test.local"),
	STR(0, B, "Destination-Realm", "test.local"),
	STR(0, B, "User-Name", "alice@ims.test.local"),
	GRP(0, B, "OC-Supported-Features"),
	U64(1, B, "OC-Feature-Vector", 1),
	GRP(0, G3, "Supported-Features"),
	U32(1, B, "Vendor-Id", 10415),
	U32(1, G3, "Feature-List-ID", 1),
	U32(1, G3, "Feature-List", 3),
	STR(0, G3, "Public-Identity", "sip:alice@ims.test.local"),
	STR(0, G3, "Visited-Network-Identifier", "visited.test.local"),
	I32(0, G3, "User-Authorization-Type", 0),
	U32(0, G3, "UAR-Flags", 1),
};

static const struct dpr_item uaa[] = {
	FIRST_REGISTRATION,
	GRP(0, B, "OC-Supported-Features"),
	U64(1, B, "OC-Feature-Vector", 1),
	GRP(0, B, "OC-OLR"),
	U64(1, B, "OC-Sequence-Number", 7),
	I32(1, B, "OC-Report-Type", 0),
	U32(1, B, "OC-Reduction-Percentage", 10),
	U32(1, B, "OC-Validity-Duration", 30),
	GRP(0, B, "Load"),
	I32(1, B, "Load-Type", 0),
	U64(1, B, "Load-Value", 5000),
	STR(1, B, "SourceID", "hss.test.local"),
	STR(0, G3, "Server-Name", "sip:scscf.test.local"),
	GRP(0, G3, "Server-Capabilities"),
	U32(1, G3, "Mandatory-Capability", 1),
	U32(1, G3, "Optional-Capability", 2),
	STR(1, G3, "Server-Name", "sip:scscf2.test.local"),
};

static const struct dpr_item sar[] = {
	STR(0, B, "Destination-Realm", "test.local"),
	STR(0, B, "User-Name", "alice@ims.test.local"),
	STR(0, G3, "Public-Identity", "sip:alice@ims.test.local"),
	STR(0, G3, "Public-Identity", "tel:+15551234"),
	STR(0, G3, "Server-Name", "sip:scscf.test.local"),
	I32(0, G3, "Server-Assignment-Type", 1),
	I32(0, G3, "User-Data-Already-Available", 0),
	GRP(0, G3, "SCSCF-Restoration-Info"),
	STR(1, B, "User-Name", "alice@ims.test.local"),
	GRP(1, G3, "Restoration-Info"),
	STR(2, G3, "Path", "<sip:pcscf.test.local;lr>"),
	STR(2, G3, "Contact", "<sip:alice@192.0.2.10:5060>"),
	U32(2, G3, "Initial-CSeq-Sequence-Number", 1),
	STR(2, G3, "Call-ID-SIP-Header", "call-1@192.0.2.10"),
	GRP(2, G3, "Subscription-Info"),
	STR(3, G3, "Call-ID-SIP-Header", "sub-1@192.0.2.10"),
	STR(3, G3, "From-SIP-Header", "<sip:alice@ims.test.local>;tag=1"),
	STR(3, G3, "To-SIP-Header", "<sip:alice@ims.test.local>"),
	STR(3, G3, "Record-Route", "<sip:pcscf.test.local;lr>"),
	STR(3, G3, "Contact", "<sip:alice@192.0.2.10:5060>"),
	GRP(2, G3, "P-CSCF-Subscription-Info"),
	STR(3, G3, "Call-ID-SIP-Header", "psub-1@pcscf.test.local"),
	STR(3, G3, "From-SIP-Header", "<sip:pcscf.test.local>;tag=2"),
	STR(3, G3, "To-SIP-Header", "<sip:alice@ims.test.local>"),
	STR(3, G3, "Contact", "<sip:pcscf.test.local>"),
	OCT(1, G3, "Registration-Time-Out", "\xe9\x12\x34\x56", 4),
	STR(1, G3, "SIP-Authentication-Scheme", "Digest-AKAv1-MD5"),
	I32(0, G3, "Multiple-Registration-Indication", 0),
	I32(0, G3, "Session-Priority", 2),
	U32(0, G3, "SAR-Flags", 1),
	GRP(0, G3, "Failed-PCSCF"),
	STR(1, G3, "PCSCF-FQDN", "pcscf.test.local"),
	OCT(1, G3, "PCSCF-IP-Address", "\x00\x01\xc0\x00\x02\x05", 6),
};

static const struct dpr_item saa[] = {
	RESULT_CODE(2001),
	STR(0, B, "User-Name", "alice@ims.test.local"),
	GRP(0, G3, "Supported-Features"),
	U32(1, B, "Vendor-Id", 10415),
	U32(1, G3, "Feature-List-ID", 1),
	U32(1, G3, "Feature-List", 1),
	STR(0, G3, "User-Data", "<?xml version=\"1.0\"?><IMSSubscription/>"),
	GRP(0, G3, "Charging-Information"),
	STR(1, G3, "Primary-Event-Charging-Function-Name", "aaa://ocs.test.local:3868"),
	STR(1, G3, "Primary-Charging-Collection-Function-Name", "aaa://cdf.test.local:3868"),
	GRP(0, G3, "Associated-Identities"),
	STR(1, B, "User-Name", "alice@ims.test.local"),
	STR(1, B, "User-Name", "alice2@ims.test.local"),
	I32(0, G3, "Loose-Route-Indication", 0),
	GRP(0, G3, "SCSCF-Restoration-Info"),
	STR(1, B, "User-Name", "alice@ims.test.local"),
	GRP(1, G3, "Restoration-Info"),
	STR(2, G3, "Path", "<sip:pcscf.test.local;lr>"),
	STR(2, G3, "Contact", "<sip:alice@192.0.2.10:5060>"),
	GRP(0, G3, "Associated-Registered-Identities"),
	STR(1, B, "User-Name", "alice@ims.test.local"),
	STR(0, G3, "Server-Name", "sip:scscf.test.local"),
	STR(0, G3, "Wildcarded-Public-Identity", "sip:alice!.*!@ims.test.local"),
	I32(0, G3, "Priviledged-Sender-Indication", 0),
	GRP(0, G3, "Allowed-WAF-WWSF-Identities"),
	STR(1, G3, "WebRTC-Authentication-Function-Name", "waf.test.local"),
	STR(1, G3, "WebRTC-Web-Server-Function-Name", "wwsf.test.local"),
};

static const struct dpr_item lir[] = {
	STR(0, B, "Destination-Realm", "test.local"),
	I32(0, G3, "Originating-Request", 0),
	STR(0, G3, "Public-Identity", "sip:alice@ims.test.local"),
	I32(0, G3, "User-Authorization-Type", 0),
	I32(0, G3, "Session-Priority", 1),
};

static const struct dpr_item lia[] = {
	FIRST_REGISTRATION,
	STR(0, G3, "Server-Name", "sip:scscf.test.local"),
	GRP(0, G3, "Server-Capabilities"),
	U32(1, G3, "Mandatory-Capability", 1),
	STR(0, G3, "Wildcarded-Public-Identity", "sip:alice!.*!@ims.test.local"),
	U32(0, G3, "LIA-Flags", 1),
};

/* On AKA resynchronisation the S-CSCF sends RAND || AUTS (16 + 14 bytes). */
static const struct dpr_item mar[] = {
	STR(0, B, "Destination-Realm", "test.local"),
	STR(0, B, "Destination-Host", "hss.test.local"),
	STR(0, B, "User-Name", "alice@ims.test.local"),
	STR(0, G3, "Public-Identity", "sip:alice@ims.test.local"),
	GRP(0, G3, "SIP-Auth-Data-Item"),
	STR(1, G3, "SIP-Authentication-Scheme", "Digest-AKAv1-MD5"),
	OCT(1, G3, "SIP-Authorization", "RRRRRRRRRRRRRRRRAAAAAAAAAAAAAA", 30),
	U32(0, G3, "SIP-Number-Auth-Items", 3),
	STR(0, G3, "Server-Name", "sip:scscf.test.local"),
};

/* Three AKA vectors: SIP-Authenticate = RAND || AUTN (32 bytes),
 * SIP-Authorization = XRES (8 bytes), CK and IK (16 bytes each).  The
 * last byte of each half is the item number ('1'..'3'), so that items
 * differ; CK holds a zero byte on purpose, since the values are binary. */
#define AKA_ITEM(k)                                                                    \
	GRP(0, G3, "SIP-Auth-Data-Item"),                                              \
	U32(1, G3, "SIP-Item-Number", (k)),                                            \
	STR(1, G3, "SIP-Authentication-Scheme", "Digest-AKAv1-MD5"),                   \
	OCT(1, G3, "SIP-Authenticate",                                                 \
	    "\x23\x55\x3c\xbe\x96\x37\xa8\x9d\x21\x8a\xe6\x4d\xae\x47\xbf" #k          \
	    "\x55\xf3\x28\xb4\x35\x77\xb9\xb9\x4a\x9f\xfa\xc3\x54\xdf\xaf" #k, 32),    \
	OCT(1, G3, "SIP-Authorization", "\xa5\x42\x11\xd5\xe3\xba\x50" #k, 8),         \
	OCT(1, G3, "Confidentiality-Key",                                              \
	    "\xb4\x0b\xa9\xa3\xc5\x8b\x2a\x00\xbb\xf0\xd9\x87\xb2\x1b\xf8" #k, 16),    \
	OCT(1, G3, "Integrity-Key",                                                    \
	    "\xf7\x69\xbc\xd7\x51\x04\x46\x04\x12\x76\x72\x71\x1c\x6d\x34" #k, 16)

static const struct dpr_item maa[] = {
	RESULT_CODE(2001),
	STR(0, B, "User-Name", "alice@ims.test.local"),
	STR(0, G3, "Public-Identity", "sip:alice@ims.test.local"),
	U32(0, G3, "SIP-Number-Auth-Items", 3),
	AKA_ITEM(1),
	AKA_ITEM(2),
	AKA_ITEM(3),
};

static const struct dpr_item rtr[] = {
	STR(0, B, "Destination-Host", "scscf.test.local"),
	STR(0, B, "Destination-Realm", "test.local"),
	STR(0, B, "User-Name", "alice@ims.test.local"),
	GRP(0, G3, "Associated-Identities"),
	STR(1, B, "User-Name", "alice@ims.test.local"),
	STR(0, G3, "Public-Identity", "sip:alice@ims.test.local"),
	GRP(0, G3, "Deregistration-Reason"),
	I32(1, G3, "Reason-Code", 0),
	STR(1, G3, "Reason-Info", "revoked by the primary system"),
	U32(0, G3, "RTR-Flags", 1),
};

static const struct dpr_item rta[] = {
	RESULT_CODE(2001),
	GRP(0, G3, "Associated-Identities"),
	STR(1, B, "User-Name", "alice@ims.test.local"),
	GRP(0, G3, "Identity-with-Emergency-Registration"),
	STR(1, B, "User-Name", "alice@ims.test.local"),
	STR(1, G3, "Public-Identity", "sip:alice@ims.test.local"),
};

/* A SIP Digest item, with the RFC 4740 Digest AVPs (vendor 0) and the
 * NASS/GPRS bundled fields. */
static const struct dpr_item ppr[] = {
	STR(0, B, "Destination-Host", "scscf.test.local"),
	STR(0, B, "Destination-Realm", "test.local"),
	STR(0, B, "User-Name", "alice@ims.test.local"),
	STR(0, G3, "User-Data", "<?xml version=\"1.0\"?><IMSSubscription/>"),
	GRP(0, G3, "Charging-Information"),
	STR(1, G3, "Secondary-Event-Charging-Function-Name", "aaa://ocs2.test.local"),
	STR(1, G3, "Secondary-Charging-Collection-Function-Name", "aaa://cdf2.test.local"),
	GRP(0, G3, "SIP-Auth-Data-Item"),
	U32(1, G3, "SIP-Item-Number", 1),
	STR(1, G3, "SIP-Authentication-Scheme", "SIP Digest"),
	STR(1, G3, "SIP-Authentication-Context", "REGISTER"),
	GRP(1, G3, "SIP-Digest-Authenticate"),
	STR(2, B, "Digest-Realm", "ims.test.local"),
	STR(2, B, "Digest-Algorithm", "MD5"),
	STR(2, B, "Digest-QoP", "auth"),
	STR(2, B, "Digest-HA1", "0123456789abcdef0123456789abcdef"),
	STR(2, G3, "Alternate-Digest-Algorithm", "SHA-256"),
	STR(2, G3, "Alternate-Digest-HA1", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
	OCT(1, B, "Framed-IP-Address", "\xc0\x00\x02\x0a", 4),
	OCT(1, B, "Framed-IPv6-Prefix", "\x00\x40\x20\x01\x0d\xb8\x00\x00\x00\x01", 10),
	U64(1, B, "Framed-Interface-Id", 0x0211223344556677ULL),
	STR(1, ET, "Line-Identifier", "line-42"),
	GRP(0, G3, "Allowed-WAF-WWSF-Identities"),
	STR(1, G3, "WebRTC-Authentication-Function-Name", "waf.test.local"),
};

static const struct dpr_item ppa[] = {
	RESULT_CODE(2001),
	GRP(0, G3, "Supported-Features"),
	U32(1, B, "Vendor-Id", 10415),
	U32(1, G3, "Feature-List-ID", 1),
	U32(1, G3, "Feature-List", 1),
};

/* --------------------------------------------------------------- the cases */

struct dpr_case {
	const char *label;
	const char *command;
	struct dpr_items parts[4];   /* head, origin, body, tail */
	/* how to break it (all empty for a valid message) */
	const char *omit;         /* leave out this AVP (and its children) */
	const char *twice;        /* add this top-level AVP a second time */
	int session_second;       /* put Session-Id after the next AVP */
	/* what fd_msg_parse_rules must say: NULL errcode means "valid" */
	const char *errcode;
	const char *err_avp;
};

#define REQ(body) { ITEMS(head), ITEMS(req_origin), ITEMS(body), ITEMS(req_tail) }
#define ANS(body) { ITEMS(head), ITEMS(ans_origin), ITEMS(body), ITEMS(ans_tail) }
#define VALID NULL, NULL, 0, NULL, NULL

static const struct dpr_case valid_cases[] = {
	{ "UAR", "User-Authorization-Request", REQ(uar), VALID },
	{ "UAA", "User-Authorization-Answer", ANS(uaa), VALID },
	{ "SAR", "Server-Assignment-Request", REQ(sar), VALID },
	{ "SAA", "Server-Assignment-Answer", ANS(saa), VALID },
	{ "LIR", "Location-Info-Request", REQ(lir), VALID },
	{ "LIA", "Location-Info-Answer", ANS(lia), VALID },
	{ "MAR", "Multimedia-Auth-Request", REQ(mar), VALID },
	{ "MAA", "Multimedia-Auth-Answer", ANS(maa), VALID },
	{ "RTR", "Registration-Termination-Request", REQ(rtr), VALID },
	{ "RTA", "Registration-Termination-Answer", ANS(rta), VALID },
	{ "PPR", "Push-Profile-Request", REQ(ppr), VALID },
	{ "PPA", "Push-Profile-Answer", ANS(ppa), VALID },
};

#define MISSING "DIAMETER_MISSING_AVP"

static const struct dpr_case broken_cases[] = {
	{ "MAR-without-Server-Name", "Multimedia-Auth-Request", REQ(mar),
	  "Server-Name", NULL, 0, MISSING, "Server-Name" },
	{ "MAR-without-SIP-Number-Auth-Items", "Multimedia-Auth-Request", REQ(mar),
	  "SIP-Number-Auth-Items", NULL, 0, MISSING, "SIP-Number-Auth-Items" },
	{ "MAR-with-two-User-Name", "Multimedia-Auth-Request", REQ(mar),
	  NULL, "User-Name", 0, "DIAMETER_AVP_OCCURS_TOO_MANY_TIMES", "User-Name" },
	{ "MAR-with-Session-Id-not-first", "Multimedia-Auth-Request", REQ(mar),
	  NULL, NULL, 1, MISSING, "Session-Id" },
	{ "MAA-without-Auth-Session-State", "Multimedia-Auth-Answer", ANS(maa),
	  "Auth-Session-State", NULL, 0, MISSING, "Auth-Session-State" },
	{ "UAR-Supported-Features-without-Feature-List", "User-Authorization-Request", REQ(uar),
	  "Feature-List", NULL, 0, MISSING, "Feature-List" },
	{ "UAR-without-Visited-Network-Identifier", "User-Authorization-Request", REQ(uar),
	  "Visited-Network-Identifier", NULL, 0, MISSING, "Visited-Network-Identifier" },
	{ "SAR-SCSCF-Restoration-Info-without-Restoration-Info", "Server-Assignment-Request", REQ(sar),
	  "Restoration-Info", NULL, 0, MISSING, "Restoration-Info" },
	{ "SAR-Subscription-Info-without-Record-Route", "Server-Assignment-Request", REQ(sar),
	  "Record-Route", NULL, 0, MISSING, "Record-Route" },
	{ "RTR-without-Destination-Host", "Registration-Termination-Request", REQ(rtr),
	  "Destination-Host", NULL, 0, MISSING, "Destination-Host" },
	{ "RTR-Deregistration-Reason-without-Reason-Code", "Registration-Termination-Request", REQ(rtr),
	  "Reason-Code", NULL, 0, MISSING, "Reason-Code" },
	{ "RTA-Identity-with-Emergency-Registration-without-Public-Identity",
	  "Registration-Termination-Answer", ANS(rta),
	  "Public-Identity", NULL, 0, MISSING, "Public-Identity" },
	{ "PPR-SIP-Digest-Authenticate-without-Digest-QoP", "Push-Profile-Request", REQ(ppr),
	  "Digest-QoP", NULL, 0, MISSING, "Digest-QoP" },
	{ "UAA-OC-OLR-without-OC-Report-Type", "User-Authorization-Answer", ANS(uaa),
	  "OC-Report-Type", NULL, 0, MISSING, "OC-Report-Type" },
};

/* The harness must be able to fail: this case expects a message without
 * Server-Name to validate, which is wrong, so it must come out as FAIL. */
static const struct dpr_case canary_cases[] = {
	{ "canary-expects-MAR-without-Server-Name-to-pass", "Multimedia-Auth-Request", REQ(mar),
	  "Server-Name", NULL, 0, NULL, NULL },
};

/* ------------------------------------------------------------- building */

static int add_item(msg_or_avp *parent, const struct dpr_item *it, struct avp **out)
{
	struct dict_object *model = dpr_avp(it->vendor, it->name);
	struct avp *avp = NULL;
	union avp_value val;

	if (!model) {
		dpr_fail("build", "AVP '%s' (vendor %u) is not in the dictionary", it->name, it->vendor);
		return ENOENT;
	}
	CHECK_FCT(fd_msg_avp_new(model, 0, &avp));
	memset(&val, 0, sizeof(val));
	switch (it->kind) {
	case K_GROUP:
		break;
	case K_OCTETS:
		val.os.data = (uint8_t *)it->os;
		val.os.len = it->len ? it->len : strlen(it->os);
		break;
	case K_U32:
		val.u32 = (uint32_t)it->num;
		break;
	case K_I32:
		val.i32 = (int32_t)it->num;
		break;
	case K_U64:
		val.u64 = it->num;
		break;
	}
	if (it->kind != K_GROUP)
		CHECK_FCT(fd_msg_avp_setvalue(avp, &val));
	CHECK_FCT(fd_msg_avp_add(parent, MSG_BRW_LAST_CHILD, avp));
	*out = avp;
	return 0;
}

/*
 * Building state: stack[d] is the last AVP added at depth d, the parent of
 * anything at depth d + 1; skip_below hides the children of an omitted
 * AVP; held is a Session-Id waiting for "session_second".
 */
struct build_state {
	msg_or_avp *stack[8];
	const struct dpr_item *held;
	int skip_below;
};

static int is_listed(const char *name, const char *const *names)
{
	for (; names && *names; names++)
		if (!strcmp(name, *names))
			return 1;
	return 0;
}

/* Add one slice of a case to the message being built.  `skip` names
 * top-level AVPs to leave out (with their children). */
static int add_part(const struct dpr_case *c, struct build_state *bs,
		    const struct dpr_items *part, const char *const *skip)
{
	size_t i;

	for (i = 0; i < part->n; i++) {
		const struct dpr_item *it = &part->items[i];
		struct avp *own = NULL, *extra = NULL;

		if (bs->skip_below >= 0 && it->depth > bs->skip_below)
			continue;
		bs->skip_below = -1;
		if ((c->omit && !strcmp(it->name, c->omit)) || (it->depth == 0 && is_listed(it->name, skip))) {
			bs->skip_below = it->depth;
			continue;
		}
		if (c->session_second && !strcmp(it->name, "Session-Id")) {
			bs->held = it;
			continue;
		}
		CHECK_FCT(add_item(bs->stack[it->depth], it, &own));
		if (it->depth == 0 && c->twice && !strcmp(it->name, c->twice))
			CHECK_FCT(add_item(bs->stack[0], it, &extra));
		if (bs->held && it->depth == 0) {
			CHECK_FCT(add_item(bs->stack[0], bs->held, &extra));
			bs->held = NULL;
		}
		bs->stack[it->depth + 1] = own;
	}
	return 0;
}

/* Build the whole message of a case: "omit" leaves out an AVP and its
 * children, "twice" repeats a top-level AVP right after itself,
 * "session_second" holds Session-Id back until one more AVP is in. */
static int build(const struct dpr_case *c, struct msg **out)
{
	struct dict_object *cmd = dpr_cmd(c->command);
	struct dict_cmd_data cmd_data;
	struct build_state bs;
	struct msg *msg = NULL;
	size_t p;
	int ret = 0;

	if (!cmd) {
		dpr_fail(c->label, "command '%s' is not in the dictionary", c->command);
		return ENOENT;
	}
	CHECK_FCT(fd_dict_getval(cmd, &cmd_data));
	CHECK_FCT(fd_msg_new(cmd, (cmd_data.cmd_flag_val & CMD_FLAG_REQUEST) ? MSGFL_ALLOC_ETEID : 0, &msg));
	memset(&bs, 0, sizeof(bs));
	bs.stack[0] = msg;
	bs.skip_below = -1;
	for (p = 0; p < 4 && !ret; p++)
		ret = add_part(c, &bs, &c->parts[p], NULL);
	if (ret) {
		fd_msg_free(msg);
		return ret;
	}
	*out = msg;
	return 0;
}

static const struct dpr_case *valid_case(const char *label)
{
	size_t i;

	for (i = 0; i < sizeof(valid_cases) / sizeof(valid_cases[0]); i++)
		if (!strcmp(valid_cases[i].label, label))
			return &valid_cases[i];
	return NULL;
}

int dpr_build(const char *label, struct msg **msg)
{
	const struct dpr_case *c = valid_case(label);

	return c ? build(c, msg) : ENOENT;
}

int dpr_add_part(msg_or_avp *msg, const char *label, int part, const char *const *skip)
{
	const struct dpr_case *c = valid_case(label);
	struct build_state bs;

	if (!c || part < 0 || part > 3)
		return ENOENT;
	memset(&bs, 0, sizeof(bs));
	bs.stack[0] = msg;
	bs.skip_below = -1;
	return add_part(c, &bs, &c->parts[part], skip);
}

/* Encode, then parse the bytes back as freeDiameter does on reception. */
static int round_trip(const char *label, struct msg *msg, struct msg **parsed)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int ret;

	ret = fd_msg_bufferize(msg, &buf, &len);
	if (ret) {
		dpr_fail(label, "fd_msg_bufferize: %s", strerror(ret));
		return ret;
	}
	ret = fd_msg_parse_buffer(&buf, len, parsed); /* owns buf from now on */
	if (ret) {
		dpr_fail(label, "fd_msg_parse_buffer: %s", strerror(ret));
		return ret;
	}
	return 0;
}

/* The name of the AVP an error points at (pei_avp is an instance). */
static const char *pei_avp_name(struct fd_pei *pei)
{
	struct dict_object *model = NULL;
	struct dict_avp_data data;

	if (!pei->pei_avp || fd_msg_model(pei->pei_avp, &model) || !model
	    || fd_dict_getval(model, &data))
		return "(none)";
	return data.avp_name;
}

static void pei_release(struct fd_pei *pei)
{
	if (pei->pei_avp_free && pei->pei_avp)
		fd_msg_free(pei->pei_avp);
	pei->pei_avp = NULL;
}

/* ------------------------------------------------------------ comparing */

/* Same code, vendor, flags, model and value for two AVP instances. */
static int same_avp(const char *label, struct avp *a, struct avp *b, int n)
{
	struct avp_hdr *ha, *hb;
	struct dict_object *model = NULL;
	struct dict_avp_data data;

	CHECK_FCT(fd_msg_avp_hdr(a, &ha));
	CHECK_FCT(fd_msg_avp_hdr(b, &hb));
	if (fd_msg_model(b, &model) || !model) {
		dpr_fail(label, "AVP #%d (code %u, vendor %u) is not in the dictionary after parsing",
			 n, hb->avp_code, hb->avp_vendor);
		return 1;
	}
	CHECK_FCT(fd_dict_getval(model, &data));
	if (ha->avp_code != hb->avp_code || ha->avp_vendor != hb->avp_vendor
	    || ha->avp_flags != hb->avp_flags) {
		dpr_fail(label, "AVP #%d: built %u/%u flags %02x, parsed %u/%u flags %02x", n,
			 ha->avp_vendor, ha->avp_code, ha->avp_flags,
			 hb->avp_vendor, hb->avp_code, hb->avp_flags);
		return 1;
	}
	if (data.avp_basetype == AVP_TYPE_GROUPED)
		return 0;
	if (!ha->avp_value || !hb->avp_value) {
		dpr_fail(label, "AVP #%d '%s' has no value", n, data.avp_name);
		return 1;
	}
	switch (data.avp_basetype) {
	case AVP_TYPE_OCTETSTRING:
		if (ha->avp_value->os.len == hb->avp_value->os.len
		    && !memcmp(ha->avp_value->os.data, hb->avp_value->os.data, ha->avp_value->os.len))
			return 0;
		break;
	case AVP_TYPE_INTEGER32:
	case AVP_TYPE_UNSIGNED32:
	case AVP_TYPE_FLOAT32:
		if (ha->avp_value->u32 == hb->avp_value->u32)
			return 0;
		break;
	default:
		if (ha->avp_value->u64 == hb->avp_value->u64)
			return 0;
		break;
	}
	dpr_fail(label, "AVP #%d '%s': the value changed in the round trip", n, data.avp_name);
	return 1;
}

/* Walk both trees in step: same shape, same AVPs.  Returns the number of
 * AVPs compared, or -1 after reporting a difference. */
static int same_tree(const char *label, struct msg *a, struct msg *b)
{
	struct avp *x = NULL, *y = NULL;
	int dx = 0, dy = 0, n = 0;

	CHECK_FCT_DO(fd_msg_browse(a, MSG_BRW_FIRST_CHILD, &x, NULL), return -1);
	CHECK_FCT_DO(fd_msg_browse(b, MSG_BRW_FIRST_CHILD, &y, NULL), return -1);
	while (x && y) {
		n++;
		if (dx != dy) {
			dpr_fail(label, "AVP #%d is at depth %d after parsing, %d when built", n, dy, dx);
			return -1;
		}
		if (same_avp(label, x, y, n))
			return -1;
		CHECK_FCT_DO(fd_msg_browse(x, MSG_BRW_WALK, &x, &dx), return -1);
		CHECK_FCT_DO(fd_msg_browse(y, MSG_BRW_WALK, &y, &dy), return -1);
	}
	if (x || y) {
		dpr_fail(label, "the parsed message has %s AVPs than the built one", x ? "fewer" : "more");
		return -1;
	}
	return n;
}

/* Find the child of a grouped AVP that has this model. */
static struct avp *child_of(struct avp *group, struct dict_object *model)
{
	struct avp *child = NULL;
	struct dict_object *m = NULL;

	if (fd_msg_browse(group, MSG_BRW_FIRST_CHILD, &child, NULL))
		return NULL;
	while (child) {
		if (!fd_msg_model(child, &m) && m == model)
			return child;
		if (fd_msg_browse(child, MSG_BRW_NEXT, &child, NULL))
			return NULL;
	}
	return NULL;
}

/* Check one SIP-Auth-Data-Item of an AKA MAA; returns 1 if it is complete. */
static int aka_item_ok(const char *label, struct avp *item, unsigned number)
{
	static const char *const members[] = {
		"SIP-Item-Number", "SIP-Authentication-Scheme", "SIP-Authenticate",
		"SIP-Authorization", "Confidentiality-Key", "Integrity-Key",
	};
	size_t k;

	for (k = 0; k < sizeof(members) / sizeof(members[0]); k++) {
		struct avp *child = child_of(item, dpr_avp(DPR_VENDOR_3GPP, members[k]));
		struct avp_hdr *h = NULL;

		if (!child || fd_msg_avp_hdr(child, &h) || !h->avp_value) {
			dpr_fail(label, "item %u has no %s", number, members[k]);
			return 0;
		}
		if (k == 0 && h->avp_value->u32 != number) {
			dpr_fail(label, "item %u has SIP-Item-Number %u", number, h->avp_value->u32);
			return 0;
		}
		if (k == 2 && h->avp_value->os.len != 32) {
			dpr_fail(label, "item %u: SIP-Authenticate is %zu bytes, not 32",
				 number, h->avp_value->os.len);
			return 0;
		}
	}
	return 1;
}

/* What an AKA MAA must carry, spelled out rather than only compared. */
void dpr_check_aka_items(const char *label, struct msg *msg)
{
	struct dict_object *item_model = dpr_avp(DPR_VENDOR_3GPP, "SIP-Auth-Data-Item");
	struct dict_object *model = NULL;
	struct avp *avp = NULL;
	unsigned items = 0;

	if (fd_msg_browse(msg, MSG_BRW_FIRST_CHILD, &avp, NULL))
		avp = NULL;
	while (avp) {
		if (!fd_msg_model(avp, &model) && model == item_model) {
			items++;
			if (!aka_item_ok(label, avp, items))
				return;
		}
		if (fd_msg_browse(avp, MSG_BRW_NEXT, &avp, NULL))
			avp = NULL;
	}
	if (items != 3) {
		dpr_fail(label, "%u SIP-Auth-Data-Item after parsing, 3 expected", items);
		return;
	}
	dpr_pass(label, "3 SIP-Auth-Data-Item, each with SIP-Item-Number 1..3, scheme, "
		 "SIP-Authenticate 32 bytes, SIP-Authorization, Confidentiality-Key, Integrity-Key");
}

/* ---------------------------------------------------------------- cases */

static int header_ok(const struct dpr_case *c, struct msg *parsed)
{
	struct dict_object *cmd = dpr_cmd(c->command);
	struct dict_cmd_data want;
	struct msg_hdr *h;
	uint8_t flags;

	CHECK_FCT(fd_dict_getval(cmd, &want));
	CHECK_FCT(fd_msg_hdr(parsed, &h));
	flags = (want.cmd_flag_val & CMD_FLAG_REQUEST) ? (CMD_FLAG_REQUEST | CMD_FLAG_PROXIABLE)
						       : CMD_FLAG_PROXIABLE;
	if (h->msg_code != want.cmd_code || h->msg_appl != DPR_APP_CX || h->msg_flags != flags) {
		dpr_fail(c->label, "header: code %u, Application-Id %u, flags %02x; expected %u, %u, %02x",
			 h->msg_code, h->msg_appl, h->msg_flags, want.cmd_code, DPR_APP_CX, flags);
		return 0;
	}
	return 1;
}

static int run_case(const struct dpr_case *c)
{
	struct msg *msg = NULL, *parsed = NULL;
	struct fd_pei pei;
	int ret, n;

	ret = build(c, &msg);
	if (ret)
		return ret == ENOENT ? 0 : ret;   /* already reported */
	ret = round_trip(c->label, msg, &parsed);
	if (ret) {
		fd_msg_free(msg);
		return 0;
	}

	memset(&pei, 0, sizeof(pei));
	ret = fd_msg_parse_dict(parsed, DICT, &pei);
	if (!ret)
		ret = fd_msg_parse_rules(parsed, DICT, &pei);

	if (!c->errcode) {
		if (ret) {
			dpr_fail(c->label, "%s rejected: %s on '%s'%s%s", c->command,
				 pei.pei_errcode ?: strerror(ret), pei_avp_name(&pei),
				 pei.pei_message ? ": " : "", pei.pei_message ?: "");
		} else if (header_ok(c, parsed) && (n = same_tree(c->label, msg, parsed)) > 0) {
			dpr_pass(c->label, "%s: %d AVPs encoded, parsed, valid against the rules, "
				 "values, flags, code and Application-Id %u intact", c->command, n, DPR_APP_CX);
			if (!strcmp(c->label, "MAA"))
				dpr_check_aka_items("MAA-three-AKA-items", parsed);
		}
	} else if (!ret) {
		dpr_fail(c->label, "%s accepted, but %s on '%s' was expected", c->command,
			 c->errcode, c->err_avp);
	} else if (!pei.pei_errcode || strcmp(pei.pei_errcode, c->errcode)
		   || strcmp(pei_avp_name(&pei), c->err_avp)) {
		dpr_fail(c->label, "rejected with %s on '%s', but %s on '%s' was expected",
			 pei.pei_errcode ?: strerror(ret), pei_avp_name(&pei), c->errcode, c->err_avp);
	} else {
		dpr_pass(c->label, "rejected: %s on '%s'%s%s%s", pei.pei_errcode, pei_avp_name(&pei),
			 pei.pei_message ? " (" : "", pei.pei_message ? pei.pei_message : "",
			 pei.pei_message ? ")" : "");
	}

	pei_release(&pei);
	fd_msg_free(parsed);
	fd_msg_free(msg);
	return 0;
}

static int run_cases(const struct dpr_case *cases, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		CHECK_FCT(run_case(&cases[i]));
	return 0;
}

int dpr_check_messages(int with_canary)
{
	if (with_canary)
		return run_cases(canary_cases, sizeof(canary_cases) / sizeof(canary_cases[0]));
	CHECK_FCT(run_cases(valid_cases, sizeof(valid_cases) / sizeof(valid_cases[0])));
	return run_cases(broken_cases, sizeof(broken_cases) / sizeof(broken_cases[0]));
}
