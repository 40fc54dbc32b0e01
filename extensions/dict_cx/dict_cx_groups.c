/*
 * dict_cx_groups.c: the ABNF of every grouped AVP the Cx commands carry
 * (TS 29.229 clause 6.3, RFC 7683, RFC 8583).
 *
 * 1.2.1's dict_dcca_3gpp defines these AVPs but gives none of them rules,
 * so without this file fd_msg_parse_rules accepts, say, a Supported-Features
 * without Feature-List.  dcx_rules_apply skips a rule that is already
 * there, so a newer dict_dcca_3gpp carrying some of these is fine.
 *
 * Each table is the AVP format of its clause, line by line; the trailing
 * "*[ AVP ]" of every format needs no rule (freeDiameter accepts AVPs that
 * no rule names).
 */
#include "dict_cx.h"

/* 6.3.4 */
static const struct dcx_rule server_capabilities[] = {
	DCX_OPT_N(TGPP, "Mandatory-Capability"),
	DCX_OPT_N(TGPP, "Optional-Capability"),
	DCX_OPT_N(TGPP, "Server-Name"),
};

/* 6.3.13: AKA items carry number, scheme, RAND||AUTN, XRES, CK and IK;
 * SIP Digest items carry SIP-Digest-Authenticate; NASS-Bundled and
 * GPRS-IMS-Bundled items carry the address or the line of the user. */
static const struct dcx_rule sip_auth_data_item[] = {
	DCX_OPT(TGPP, "SIP-Item-Number"),
	DCX_OPT(TGPP, "SIP-Authentication-Scheme"),
	DCX_OPT(TGPP, "SIP-Authenticate"),
	DCX_OPT(TGPP, "SIP-Authorization"),
	DCX_OPT(TGPP, "SIP-Authentication-Context"),
	DCX_OPT(TGPP, "Confidentiality-Key"),
	DCX_OPT(TGPP, "Integrity-Key"),
	DCX_OPT(TGPP, "SIP-Digest-Authenticate"),
	DCX_OPT(BASE, "Framed-IP-Address"),
	DCX_OPT(BASE, "Framed-IPv6-Prefix"),
	DCX_OPT(BASE, "Framed-Interface-Id"),
	DCX_OPT_N(ETSI, "Line-Identifier"),
};

/* 6.3.16 */
static const struct dcx_rule deregistration_reason[] = {
	DCX_REQ(TGPP, "Reason-Code"),
	DCX_OPT(TGPP, "Reason-Info"),
};

/* 6.3.19 */
static const struct dcx_rule charging_information[] = {
	DCX_OPT(TGPP, "Primary-Event-Charging-Function-Name"),
	DCX_OPT(TGPP, "Secondary-Event-Charging-Function-Name"),
	DCX_OPT(TGPP, "Primary-Charging-Collection-Function-Name"),
	DCX_OPT(TGPP, "Secondary-Charging-Collection-Function-Name"),
};

/* 6.3.29: HSSs that forget Vendor-Id here break I-CSCFs; the rule makes
 * such an answer fail validation instead. */
static const struct dcx_rule supported_features[] = {
	DCX_REQ(BASE, "Vendor-Id"),
	DCX_REQ(TGPP, "Feature-List-ID"),
	DCX_REQ(TGPP, "Feature-List"),
};

/* 6.3.32 */
static const struct dcx_rule supported_applications[] = {
	DCX_OPT_N(BASE, "Auth-Application-Id"),
	DCX_OPT_N(BASE, "Acct-Application-Id"),
	DCX_OPT_N(BASE, "Vendor-Specific-Application-Id"),
};

/* 6.3.33 and 6.3.50 have the same format. */
static const struct dcx_rule user_names[] = {
	DCX_OPT_N(BASE, "User-Name"),
};

/* 6.3.36: the Digest-* AVPs are RFC 4740's (vendor 0), which 1.2.1 defines
 * in dict_dcca_3gpp. */
static const struct dcx_rule sip_digest_authenticate[] = {
	DCX_REQ(BASE, "Digest-Realm"),
	DCX_OPT(BASE, "Digest-Algorithm"),
	DCX_REQ(BASE, "Digest-QoP"),
	DCX_REQ(BASE, "Digest-HA1"),
	DCX_OPT(TGPP, "Alternate-Digest-Algorithm"),
	DCX_OPT(TGPP, "Alternate-Digest-HA1"),
};

/* 6.3.46 */
static const struct dcx_rule scscf_restoration_info[] = {
	DCX_REQ(BASE, "User-Name"),
	DCX_REQ_N(TGPP, "Restoration-Info"),
	DCX_OPT(TGPP, "Registration-Time-Out"),
	DCX_OPT(TGPP, "SIP-Authentication-Scheme"),
};

/* 6.3.49 */
static const struct dcx_rule subscription_info[] = {
	DCX_REQ(TGPP, "Call-ID-SIP-Header"),
	DCX_REQ(TGPP, "From-SIP-Header"),
	DCX_REQ(TGPP, "To-SIP-Header"),
	DCX_REQ(TGPP, "Record-Route"),
	DCX_REQ(TGPP, "Contact"),
};

/* 6.3.52 */
static const struct dcx_rule restoration_info[] = {
	DCX_REQ(TGPP, "Path"),
	DCX_REQ(TGPP, "Contact"),
	DCX_OPT(TGPP, "Initial-CSeq-Sequence-Number"),
	DCX_OPT(TGPP, "Call-ID-SIP-Header"),
	DCX_OPT(TGPP, "Subscription-Info"),
	DCX_OPT(TGPP, "P-CSCF-Subscription-Info"),
};

/* 6.3.57 */
static const struct dcx_rule identity_with_emergency_registration[] = {
	DCX_REQ(BASE, "User-Name"),
	DCX_REQ(TGPP, "Public-Identity"),
};

/* 6.3.64 */
static const struct dcx_rule allowed_waf_wwsf_identities[] = {
	DCX_OPT_N(TGPP, "WebRTC-Authentication-Function-Name"),
	DCX_OPT_N(TGPP, "WebRTC-Web-Server-Function-Name"),
};

/* 6.3.70 */
static const struct dcx_rule pcscf_subscription_info[] = {
	DCX_REQ(TGPP, "Call-ID-SIP-Header"),
	DCX_REQ(TGPP, "From-SIP-Header"),
	DCX_REQ(TGPP, "To-SIP-Header"),
	DCX_REQ(TGPP, "Contact"),
};

/* 6.3.74 */
static const struct dcx_rule failed_pcscf[] = {
	DCX_OPT(TGPP, "PCSCF-FQDN"),
	DCX_OPT_N(TGPP, "PCSCF-IP-Address"),
};

/* RFC 7683 clause 7.1 */
static const struct dcx_rule oc_supported_features[] = {
	DCX_OPT(BASE, "OC-Feature-Vector"),
};

/* RFC 7683 clause 7.3: the sequence number and report type come first. */
static const struct dcx_rule oc_olr[] = {
	DCX_FIXED(BASE, "OC-Sequence-Number"),
	DCX_FIXED(BASE, "OC-Report-Type"),
	DCX_OPT(BASE, "OC-Reduction-Percentage"),
	DCX_OPT(BASE, "OC-Validity-Duration"),
};

/* RFC 8583 clause 7.1 */
static const struct dcx_rule load[] = {
	DCX_OPT(BASE, "Load-Type"),
	DCX_OPT(BASE, "Load-Value"),
	DCX_OPT(BASE, "SourceID"),
};

#define GROUP(v, name, table) { (name), (v), DCX_RULES(table) }

static const struct dcx_group_def groups[] = {
	GROUP(TGPP, "Server-Capabilities", server_capabilities),
	GROUP(TGPP, "SIP-Auth-Data-Item", sip_auth_data_item),
	GROUP(TGPP, "Deregistration-Reason", deregistration_reason),
	GROUP(TGPP, "Charging-Information", charging_information),
	GROUP(TGPP, "Supported-Features", supported_features),
	GROUP(TGPP, "Supported-Applications", supported_applications),
	GROUP(TGPP, "Associated-Identities", user_names),
	GROUP(TGPP, "SIP-Digest-Authenticate", sip_digest_authenticate),
	GROUP(TGPP, "SCSCF-Restoration-Info", scscf_restoration_info),
	GROUP(TGPP, "Subscription-Info", subscription_info),
	GROUP(TGPP, "Associated-Registered-Identities", user_names),
	GROUP(TGPP, "Restoration-Info", restoration_info),
	GROUP(TGPP, "Identity-with-Emergency-Registration", identity_with_emergency_registration),
	GROUP(TGPP, "Allowed-WAF-WWSF-Identities", allowed_waf_wwsf_identities),
	GROUP(TGPP, "P-CSCF-Subscription-Info", pcscf_subscription_info),
	GROUP(TGPP, "Failed-PCSCF", failed_pcscf),
	GROUP(BASE, "OC-Supported-Features", oc_supported_features),
	GROUP(BASE, "OC-OLR", oc_olr),
	GROUP(BASE, "Load", load),
};

int dcx_groups_init(struct dcx_stats *st)
{
	return dcx_groups_apply(groups, DCX_COUNT(groups), st);
}
