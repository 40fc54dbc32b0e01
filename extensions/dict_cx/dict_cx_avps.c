/*
 * dict_cx_avps.c: every AVP the Cx commands carry that the base
 * dictionary does not define.
 *
 * dict_cx stands alone: with nothing but freeDiameter's base dictionary
 * loaded before it, it defines the 3GPP vendor, the Cx AVPs of TS 29.229
 * v11.2 (600-653, as 1.2.1's dict_dcca_3gpp has them), the newer ones
 * (654-666), and the few IETF AVPs the Cx groups name (NASREQ's Framed-*,
 * RFC 4740's Digest-*, DRMP, overload and load).  Every definition is
 * added only when its code is still free, so dict_cx also loads after the
 * stock chain dict_nasreq, dict_dcca, dict_dcca_3gpp (whatever they define
 * is "present"; an existing definition that differs from ours is kept and
 * logged).  Alone is what doc/configuration.md recommends: dict_dcca_3gpp
 * puts some 700 other 3GPP AVPs in front of the Cx ones in freeDiameter's
 * per-vendor lists, which every AVP lookup by code walks (the bench found
 * those walks at a tenth of a broker's dispatch thread).
 *
 * Flags, from TS 29.229 table 6.3.1: up to 634 as 1.2.1 has them; from 635
 * on, Cx AVPs have V set and M "must not" (freeDiameter: mask M|V, value
 * V).  The base AVPs follow their RFCs: DRMP (RFC 7944) M and V must not;
 * the overload control (RFC 7683) and load (RFC 8583) AVPs V must not, M
 * left to the application.  Line-Identifier is ETSI's (vendor 13019), V
 * must, M may.  The enumerated Cx AVPs get their type (named as 1.2.1
 * names it) but no constants: values show as numbers in message dumps.
 */
#include "dict_cx.h"

#define M_V     (AVP_FLAG_MANDATORY | AVP_FLAG_VENDOR)

/* TS 29.229 v11.2, the Cx AVPs of 1.2.1's dict_dcca_3gpp. */
static const struct dcx_avp_def cx_v11_avps[] = {
	{ TGPP, 600, "Visited-Network-Identifier",           AVP_TYPE_OCTETSTRING, NULL,          M_V, M_V },
	{ TGPP, 601, "Public-Identity",                      AVP_TYPE_OCTETSTRING, "UTF8String",  M_V, M_V },
	{ TGPP, 602, "Server-Name",                          AVP_TYPE_OCTETSTRING, "UTF8String",  M_V, M_V },
	{ TGPP, 603, "Server-Capabilities",                  AVP_TYPE_GROUPED,     NULL,          M_V, M_V },
	{ TGPP, 604, "Mandatory-Capability",                 AVP_TYPE_UNSIGNED32,  NULL,          M_V, M_V },
	{ TGPP, 605, "Optional-Capability",                  AVP_TYPE_UNSIGNED32,  NULL,          M_V, M_V },
	{ TGPP, 606, "User-Data",                            AVP_TYPE_OCTETSTRING, NULL,          M_V, M_V },
	{ TGPP, 607, "SIP-Number-Auth-Items",                AVP_TYPE_UNSIGNED32,  NULL,          M_V, M_V },
	{ TGPP, 608, "SIP-Authentication-Scheme",            AVP_TYPE_OCTETSTRING, "UTF8String",  M_V, M_V },
	{ TGPP, 609, "SIP-Authenticate",                     AVP_TYPE_OCTETSTRING, NULL,          M_V, M_V },
	{ TGPP, 610, "SIP-Authorization",                    AVP_TYPE_OCTETSTRING, NULL,          M_V, M_V },
	{ TGPP, 611, "SIP-Authentication-Context",           AVP_TYPE_OCTETSTRING, NULL,          M_V, M_V },
	{ TGPP, 612, "SIP-Auth-Data-Item",                   AVP_TYPE_GROUPED,     NULL,          M_V, M_V },
	{ TGPP, 613, "SIP-Item-Number",                      AVP_TYPE_UNSIGNED32,  NULL,          M_V, M_V },
	{ TGPP, 614, "Server-Assignment-Type",               AVP_TYPE_INTEGER32,
	  "3GPP/Enumerated(Server-Assignment-Type)",                                            M_V, M_V },
	{ TGPP, 615, "Deregistration-Reason",                AVP_TYPE_GROUPED,     NULL,          M_V, M_V },
	{ TGPP, 616, "Reason-Code",                          AVP_TYPE_INTEGER32,
	  "3GPP/Enumerated(Reason-Code)",                                                       M_V, M_V },
	{ TGPP, 617, "Reason-Info",                          AVP_TYPE_OCTETSTRING, "UTF8String",  M_V, M_V },
	{ TGPP, 618, "Charging-Information",                 AVP_TYPE_GROUPED,     NULL,          M_V, M_V },
	{ TGPP, 619, "Primary-Event-Charging-Function-Name", AVP_TYPE_OCTETSTRING, "DiameterURI", M_V, M_V },
	{ TGPP, 620, "Secondary-Event-Charging-Function-Name", AVP_TYPE_OCTETSTRING, "DiameterURI", M_V, M_V },
	{ TGPP, 621, "Primary-Charging-Collection-Function-Name", AVP_TYPE_OCTETSTRING, "DiameterURI", M_V, M_V },
	{ TGPP, 622, "Secondary-Charging-Collection-Function-Name", AVP_TYPE_OCTETSTRING, "DiameterURI", M_V, M_V },
	{ TGPP, 623, "User-Authorization-Type",              AVP_TYPE_INTEGER32,
	  "3GPP/Enumerated(User-Authorization-Type)",                                           M_V, M_V },
	{ TGPP, 624, "User-Data-Already-Available",          AVP_TYPE_INTEGER32,
	  "3GPP/Enumerated(User-Data-Already-Available)",                                       M_V, M_V },
	{ TGPP, 625, "Confidentiality-Key",                  AVP_TYPE_OCTETSTRING, NULL,          M_V, M_V },
	{ TGPP, 626, "Integrity-Key",                        AVP_TYPE_OCTETSTRING, NULL,          M_V, M_V },
	{ TGPP, 628, "Supported-Features",                   AVP_TYPE_GROUPED,     NULL,
	  AVP_FLAG_VENDOR, AVP_FLAG_VENDOR },
	{ TGPP, 629, "Feature-List-ID",                      AVP_TYPE_UNSIGNED32,  NULL,          M_V, AVP_FLAG_VENDOR },
	{ TGPP, 630, "Feature-List",                         AVP_TYPE_UNSIGNED32,  NULL,          M_V, AVP_FLAG_VENDOR },
	{ TGPP, 631, "Supported-Applications",               AVP_TYPE_GROUPED,     NULL,          M_V, AVP_FLAG_VENDOR },
	{ TGPP, 632, "Associated-Identities",                AVP_TYPE_GROUPED,     NULL,          M_V, AVP_FLAG_VENDOR },
	{ TGPP, 633, "Originating-Request",                  AVP_TYPE_INTEGER32,
	  "3GPP/Enumerated(Originating-Request)",                                               M_V, M_V },
	{ TGPP, 634, "Wildcarded-Public-Identity",           AVP_TYPE_OCTETSTRING, "UTF8String",  M_V, AVP_FLAG_VENDOR },
	{ TGPP, 635, "SIP-Digest-Authenticate",              AVP_TYPE_GROUPED,     NULL,          M_V, AVP_FLAG_VENDOR },
	{ TGPP, 636, "Wildcarded-IMPU",                      AVP_TYPE_OCTETSTRING, "UTF8String",  M_V, AVP_FLAG_VENDOR },
	{ TGPP, 637, "UAR-Flags",                            AVP_TYPE_UNSIGNED32,  NULL,          M_V, AVP_FLAG_VENDOR },
	{ TGPP, 638, "Loose-Route-Indication",               AVP_TYPE_INTEGER32,
	  "3GPP/Enumerated(Loose-Route-Indication)",                                            M_V, AVP_FLAG_VENDOR },
	{ TGPP, 639, "SCSCF-Restoration-Info",               AVP_TYPE_GROUPED,     NULL,          M_V, AVP_FLAG_VENDOR },
	{ TGPP, 640, "Path",                                 AVP_TYPE_OCTETSTRING, NULL,          M_V, AVP_FLAG_VENDOR },
	{ TGPP, 641, "Contact",                              AVP_TYPE_OCTETSTRING, NULL,          M_V, AVP_FLAG_VENDOR },
	{ TGPP, 642, "Subscription-Info",                    AVP_TYPE_GROUPED,     NULL,          M_V, AVP_FLAG_VENDOR },
	{ TGPP, 643, "Call-ID-SIP-Header",                   AVP_TYPE_OCTETSTRING, NULL,          M_V, AVP_FLAG_VENDOR },
	{ TGPP, 644, "From-SIP-Header",                      AVP_TYPE_OCTETSTRING, NULL,          M_V, AVP_FLAG_VENDOR },
	{ TGPP, 645, "To-SIP-Header",                        AVP_TYPE_OCTETSTRING, NULL,          M_V, AVP_FLAG_VENDOR },
	{ TGPP, 646, "Record-Route",                         AVP_TYPE_OCTETSTRING, NULL,          M_V, AVP_FLAG_VENDOR },
	{ TGPP, 647, "Associated-Registered-Identities",     AVP_TYPE_GROUPED,     NULL,          M_V, AVP_FLAG_VENDOR },
	{ TGPP, 648, "Multiple-Registration-Indication",     AVP_TYPE_INTEGER32,
	  "3GPP/Enumerated(Multiple-Registration-Indication)",                                  M_V, AVP_FLAG_VENDOR },
	{ TGPP, 649, "Restoration-Info",                     AVP_TYPE_GROUPED,     NULL,          M_V, AVP_FLAG_VENDOR },
	{ TGPP, 650, "Session-Priority",                     AVP_TYPE_INTEGER32,
	  "3GPP/Enumerated(Session-Priority)",                                                  M_V, AVP_FLAG_VENDOR },
	{ TGPP, 651, "Identity-with-Emergency-Registration", AVP_TYPE_GROUPED,     NULL,          M_V, AVP_FLAG_VENDOR },
	{ TGPP, 652, "Priviledged-Sender-Indication",        AVP_TYPE_INTEGER32,
	  "3GPP/Enumerated(Priviledged-Sender-Indication)",                                     M_V, AVP_FLAG_VENDOR },
	{ TGPP, 653, "LIA-Flags",                            AVP_TYPE_UNSIGNED32,  NULL,          M_V, AVP_FLAG_VENDOR },
};

/* TS 29.229 AVPs newer than v11.2 (all "V", M must not). */
static const struct dcx_avp_def cx_avps[] = {
	{ TGPP, 654, "Initial-CSeq-Sequence-Number",        AVP_TYPE_UNSIGNED32,  NULL,               M_V, AVP_FLAG_VENDOR },
	{ TGPP, 655, "SAR-Flags",                           AVP_TYPE_UNSIGNED32,  NULL,               M_V, AVP_FLAG_VENDOR },
	{ TGPP, 656, "Allowed-WAF-WWSF-Identities",         AVP_TYPE_GROUPED,     NULL,               M_V, AVP_FLAG_VENDOR },
	{ TGPP, 657, "WebRTC-Authentication-Function-Name", AVP_TYPE_OCTETSTRING, "UTF8String",       M_V, AVP_FLAG_VENDOR },
	{ TGPP, 658, "WebRTC-Web-Server-Function-Name",     AVP_TYPE_OCTETSTRING, "UTF8String",       M_V, AVP_FLAG_VENDOR },
	{ TGPP, 659, "RTR-Flags",                           AVP_TYPE_UNSIGNED32,  NULL,               M_V, AVP_FLAG_VENDOR },
	{ TGPP, 660, "P-CSCF-Subscription-Info",            AVP_TYPE_GROUPED,     NULL,               M_V, AVP_FLAG_VENDOR },
	{ TGPP, 661, "Registration-Time-Out",               AVP_TYPE_OCTETSTRING, "Time",             M_V, AVP_FLAG_VENDOR },
	{ TGPP, 662, "Alternate-Digest-Algorithm",          AVP_TYPE_OCTETSTRING, "UTF8String",       M_V, AVP_FLAG_VENDOR },
	{ TGPP, 663, "Alternate-Digest-HA1",                AVP_TYPE_OCTETSTRING, "UTF8String",       M_V, AVP_FLAG_VENDOR },
	{ TGPP, 664, "Failed-PCSCF",                        AVP_TYPE_GROUPED,     NULL,               M_V, AVP_FLAG_VENDOR },
	{ TGPP, 665, "PCSCF-FQDN",                          AVP_TYPE_OCTETSTRING, "DiameterIdentity", M_V, AVP_FLAG_VENDOR },
	{ TGPP, 666, "PCSCF-IP-Address",                    AVP_TYPE_OCTETSTRING, "Address",          M_V, AVP_FLAG_VENDOR },
};

/*
 * Base AVPs every Cx command lists since Rel-13 and 1.2.1's base
 * dictionary predates.  Pitfall: freeDiameter drops an answer that carries
 * an M-bit AVP it does not know, so an HSS that sends OC-OLR with M set
 * would otherwise go unanswered.
 */
static const struct dcx_avp_def base_avps[] = {
	{ BASE, 301, "DRMP",                    AVP_TYPE_INTEGER32,   "Enumerated(DRMP)",           M_V,             0 },
	{ BASE, 621, "OC-Supported-Features",   AVP_TYPE_GROUPED,     NULL,                         AVP_FLAG_VENDOR, 0 },
	{ BASE, 622, "OC-Feature-Vector",       AVP_TYPE_UNSIGNED64,  NULL,                         AVP_FLAG_VENDOR, 0 },
	{ BASE, 623, "OC-OLR",                  AVP_TYPE_GROUPED,     NULL,                         AVP_FLAG_VENDOR, 0 },
	{ BASE, 624, "OC-Sequence-Number",      AVP_TYPE_UNSIGNED64,  NULL,                         AVP_FLAG_VENDOR, 0 },
	{ BASE, 625, "OC-Validity-Duration",    AVP_TYPE_UNSIGNED32,  NULL,                         AVP_FLAG_VENDOR, 0 },
	{ BASE, 626, "OC-Report-Type",          AVP_TYPE_INTEGER32,   "Enumerated(OC-Report-Type)", AVP_FLAG_VENDOR, 0 },
	{ BASE, 627, "OC-Reduction-Percentage", AVP_TYPE_UNSIGNED32,  NULL,                         AVP_FLAG_VENDOR, 0 },
	{ BASE, 649, "SourceID",                AVP_TYPE_OCTETSTRING, "DiameterIdentity",           AVP_FLAG_VENDOR, 0 },
	{ BASE, 650, "Load",                    AVP_TYPE_GROUPED,     NULL,                         AVP_FLAG_VENDOR, 0 },
	{ BASE, 651, "Load-Type",               AVP_TYPE_INTEGER32,   "Enumerated(Load-Type)",      AVP_FLAG_VENDOR, 0 },
	{ BASE, 652, "Load-Value",              AVP_TYPE_UNSIGNED64,  NULL,                         AVP_FLAG_VENDOR, 0 },
};

/*
 * The RFC 4740 Digest AVPs inside SIP-Digest-Authenticate.  1.2.1's
 * dict_dcca_3gpp defines four AVPs of these names and codes, but under
 * vendor 10415 with the V bit "must not": an AVP built from those objects
 * goes on the wire as vendor 0 and, parsed back, matches nothing.  The
 * real ones are vendor 0, defined here exactly as dict_sip defines them
 * (M must, V must not, UTF8String).  1.2.1's wrong copies stay (they
 * cannot be removed while dict_dcca_3gpp may hold pointers to them);
 * doc/dictionary.md lists them as a known difference.
 */
static const struct dcx_avp_def digest_avps[] = {
	{ BASE, 104, "Digest-Realm",     AVP_TYPE_OCTETSTRING, "UTF8String", M_V, AVP_FLAG_MANDATORY },
	{ BASE, 110, "Digest-QoP",       AVP_TYPE_OCTETSTRING, "UTF8String", M_V, AVP_FLAG_MANDATORY },
	{ BASE, 111, "Digest-Algorithm", AVP_TYPE_OCTETSTRING, "UTF8String", M_V, AVP_FLAG_MANDATORY },
	{ BASE, 121, "Digest-HA1",       AVP_TYPE_OCTETSTRING, "UTF8String", M_V, AVP_FLAG_MANDATORY },
};

/* NASREQ (RFC 7155) AVPs that SIP-Auth-Data-Item may carry, as
 * dict_nasreq defines them (M must, V must not). */
static const struct dcx_avp_def nasreq_avps[] = {
	{ BASE, 8,  "Framed-IP-Address",   AVP_TYPE_OCTETSTRING, NULL, M_V, AVP_FLAG_MANDATORY },
	{ BASE, 96, "Framed-Interface-Id", AVP_TYPE_UNSIGNED64,  NULL, M_V, AVP_FLAG_MANDATORY },
	{ BASE, 97, "Framed-IPv6-Prefix",  AVP_TYPE_OCTETSTRING, NULL, M_V, AVP_FLAG_MANDATORY },
};

/* SIP-Auth-Data-Item may carry the fixed broadband line of the user. */
static const struct dcx_avp_def etsi_avps[] = {
	{ ETSI, 500, "Line-Identifier", AVP_TYPE_OCTETSTRING, NULL, AVP_FLAG_VENDOR, AVP_FLAG_VENDOR },
};

static const struct dcx_enum_def enums[] = {
	{ "Enumerated(DRMP)", "PRIORITY_0", 0 },   { "Enumerated(DRMP)", "PRIORITY_1", 1 },
	{ "Enumerated(DRMP)", "PRIORITY_2", 2 },   { "Enumerated(DRMP)", "PRIORITY_3", 3 },
	{ "Enumerated(DRMP)", "PRIORITY_4", 4 },   { "Enumerated(DRMP)", "PRIORITY_5", 5 },
	{ "Enumerated(DRMP)", "PRIORITY_6", 6 },   { "Enumerated(DRMP)", "PRIORITY_7", 7 },
	{ "Enumerated(DRMP)", "PRIORITY_8", 8 },   { "Enumerated(DRMP)", "PRIORITY_9", 9 },
	{ "Enumerated(DRMP)", "PRIORITY_10", 10 }, { "Enumerated(DRMP)", "PRIORITY_11", 11 },
	{ "Enumerated(DRMP)", "PRIORITY_12", 12 }, { "Enumerated(DRMP)", "PRIORITY_13", 13 },
	{ "Enumerated(DRMP)", "PRIORITY_14", 14 }, { "Enumerated(DRMP)", "PRIORITY_15", 15 },
	{ "Enumerated(OC-Report-Type)", "HOST_REPORT", 0 },
	{ "Enumerated(OC-Report-Type)", "REALM_REPORT", 1 },
	{ "Enumerated(Load-Type)", "HOST", 0 },
	{ "Enumerated(Load-Type)", "PEER", 1 },
};

int dcx_avps_init(struct dcx_stats *st)
{
	CHECK_FCT(dcx_vendor_ensure(DCX_VENDOR_3GPP, "3GPP"));
	CHECK_FCT(dcx_vendor_ensure(DCX_VENDOR_ETSI, "ETSI"));

	CHECK_FCT(dcx_avps_define(cx_v11_avps, DCX_COUNT(cx_v11_avps), st));
	CHECK_FCT(dcx_avps_define(cx_avps, DCX_COUNT(cx_avps), st));
	CHECK_FCT(dcx_avps_define(nasreq_avps, DCX_COUNT(nasreq_avps), st));
	CHECK_FCT(dcx_avps_define(base_avps, DCX_COUNT(base_avps), st));
	CHECK_FCT(dcx_avps_define(digest_avps, DCX_COUNT(digest_avps), st));
	CHECK_FCT(dcx_avps_define(etsi_avps, DCX_COUNT(etsi_avps), st));
	CHECK_FCT(dcx_enums_define(enums, DCX_COUNT(enums)));
	return 0;
}
