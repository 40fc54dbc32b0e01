/*
 * dict_cx_cmds.c: the Cx/Dx application (16777216, vendor 3GPP) and its six
 * command pairs, TS 29.229 clause 6.1 (Rel-17 text).
 *
 * Every request of clause 6.1 starts with the same lines and ends with the
 * same two, and so does every answer; those are written once (req_head,
 * req_tail, ans_head, ans_tail) and each command's table holds what lies
 * between, in the order of the specification.  "*[ AVP ]" needs no rule.
 *
 * What the rules cannot say, and the handlers must check themselves:
 *   - an answer carries Result-Code or Experimental-Result (both are
 *     optional in the ABNF; an answer with neither passes validation);
 *   - the Vendor-Specific-Application-Id holds 10415/16777216.
 */
#include "dict_cx.h"

/* < X-Request > ::= < Diameter Header: 30x, REQ, PXY, 16777216 > */
static const struct dcx_rule req_head[] = {
	DCX_FIXED(BASE, "Session-Id"),
	DCX_OPT(BASE, "DRMP"),
	DCX_REQ(BASE, "Vendor-Specific-Application-Id"),
	DCX_REQ(BASE, "Auth-Session-State"),
	DCX_REQ(BASE, "Origin-Host"),
	DCX_REQ(BASE, "Origin-Realm"),
};

/* < X-Answer > ::= < Diameter Header: 30x, PXY, 16777216 > */
static const struct dcx_rule ans_head[] = {
	DCX_FIXED(BASE, "Session-Id"),
	DCX_OPT(BASE, "DRMP"),
	DCX_REQ(BASE, "Vendor-Specific-Application-Id"),
	DCX_OPT(BASE, "Result-Code"),
	DCX_OPT(BASE, "Experimental-Result"),
	DCX_REQ(BASE, "Auth-Session-State"),
	DCX_REQ(BASE, "Origin-Host"),
	DCX_REQ(BASE, "Origin-Realm"),
};

/* ... *[ AVP ] */
static const struct dcx_rule req_tail[] = {
	DCX_OPT_N(BASE, "Proxy-Info"),
	DCX_OPT_N(BASE, "Route-Record"),
};

/* ... *[ AVP ] */
static const struct dcx_rule ans_tail[] = {
	DCX_OPT(BASE, "Failed-AVP"),
	DCX_OPT_N(BASE, "Proxy-Info"),
	DCX_OPT_N(BASE, "Route-Record"),
};

/* 6.1.1 User-Authorization-Request (I-CSCF -> HSS) */
static const struct dcx_rule uar[] = {
	DCX_OPT(BASE, "Destination-Host"),
	DCX_REQ(BASE, "Destination-Realm"),
	DCX_REQ(BASE, "User-Name"),
	DCX_OPT(BASE, "OC-Supported-Features"),
	DCX_OPT_N(TGPP, "Supported-Features"),
	DCX_REQ(TGPP, "Public-Identity"),
	DCX_REQ(TGPP, "Visited-Network-Identifier"),
	DCX_OPT(TGPP, "User-Authorization-Type"),
	DCX_OPT(TGPP, "UAR-Flags"),
};

/* 6.1.2 User-Authorization-Answer */
static const struct dcx_rule uaa[] = {
	DCX_OPT(BASE, "OC-Supported-Features"),
	DCX_OPT(BASE, "OC-OLR"),
	DCX_OPT_N(BASE, "Load"),
	DCX_OPT_N(TGPP, "Supported-Features"),
	DCX_OPT(TGPP, "Server-Name"),
	DCX_OPT(TGPP, "Server-Capabilities"),
};

/* 6.1.3 Server-Assignment-Request (S-CSCF -> HSS) */
static const struct dcx_rule sar[] = {
	DCX_OPT(BASE, "Destination-Host"),
	DCX_REQ(BASE, "Destination-Realm"),
	DCX_OPT(BASE, "User-Name"),
	DCX_OPT(BASE, "OC-Supported-Features"),
	DCX_OPT_N(TGPP, "Supported-Features"),
	DCX_OPT_N(TGPP, "Public-Identity"),
	DCX_OPT(TGPP, "Wildcarded-Public-Identity"),
	DCX_REQ(TGPP, "Server-Name"),
	DCX_REQ(TGPP, "Server-Assignment-Type"),
	DCX_REQ(TGPP, "User-Data-Already-Available"),
	DCX_OPT(TGPP, "SCSCF-Restoration-Info"),
	DCX_OPT(TGPP, "Multiple-Registration-Indication"),
	DCX_OPT(TGPP, "Session-Priority"),
	DCX_OPT(TGPP, "SAR-Flags"),
	DCX_OPT(TGPP, "Failed-PCSCF"),
};

/* 6.1.4 Server-Assignment-Answer */
static const struct dcx_rule saa[] = {
	DCX_OPT(BASE, "User-Name"),
	DCX_OPT(BASE, "OC-Supported-Features"),
	DCX_OPT(BASE, "OC-OLR"),
	DCX_OPT_N(BASE, "Load"),
	DCX_OPT_N(TGPP, "Supported-Features"),
	DCX_OPT(TGPP, "User-Data"),
	DCX_OPT(TGPP, "Charging-Information"),
	DCX_OPT(TGPP, "Associated-Identities"),
	DCX_OPT(TGPP, "Loose-Route-Indication"),
	DCX_OPT_N(TGPP, "SCSCF-Restoration-Info"),
	DCX_OPT(TGPP, "Associated-Registered-Identities"),
	DCX_OPT(TGPP, "Server-Name"),
	DCX_OPT(TGPP, "Wildcarded-Public-Identity"),
	DCX_OPT(TGPP, "Priviledged-Sender-Indication"),
	DCX_OPT(TGPP, "Allowed-WAF-WWSF-Identities"),
};

/* 6.1.5 Location-Info-Request (I-CSCF -> HSS) */
static const struct dcx_rule lir[] = {
	DCX_OPT(BASE, "Destination-Host"),
	DCX_REQ(BASE, "Destination-Realm"),
	DCX_OPT(TGPP, "Originating-Request"),
	DCX_OPT(BASE, "OC-Supported-Features"),
	DCX_OPT_N(TGPP, "Supported-Features"),
	DCX_REQ(TGPP, "Public-Identity"),
	DCX_OPT(TGPP, "User-Authorization-Type"),
	DCX_OPT(TGPP, "Session-Priority"),
};

/* 6.1.6 Location-Info-Answer */
static const struct dcx_rule lia[] = {
	DCX_OPT(BASE, "OC-Supported-Features"),
	DCX_OPT(BASE, "OC-OLR"),
	DCX_OPT_N(BASE, "Load"),
	DCX_OPT_N(TGPP, "Supported-Features"),
	DCX_OPT(TGPP, "Server-Name"),
	DCX_OPT(TGPP, "Server-Capabilities"),
	DCX_OPT(TGPP, "Wildcarded-Public-Identity"),
	DCX_OPT(TGPP, "LIA-Flags"),
};

/* 6.1.7 Multimedia-Auth-Request (S-CSCF -> HSS).  Destination-Host is
 * optional: the S-CSCF may not know the HSS yet. */
static const struct dcx_rule mar[] = {
	DCX_REQ(BASE, "Destination-Realm"),
	DCX_OPT(BASE, "Destination-Host"),
	DCX_REQ(BASE, "User-Name"),
	DCX_OPT(BASE, "OC-Supported-Features"),
	DCX_OPT_N(TGPP, "Supported-Features"),
	DCX_REQ(TGPP, "Public-Identity"),
	DCX_REQ(TGPP, "SIP-Auth-Data-Item"),
	DCX_REQ(TGPP, "SIP-Number-Auth-Items"),
	DCX_REQ(TGPP, "Server-Name"),
};

/* 6.1.8 Multimedia-Auth-Answer: any number of authentication vectors. */
static const struct dcx_rule maa[] = {
	DCX_OPT(BASE, "User-Name"),
	DCX_OPT(BASE, "OC-Supported-Features"),
	DCX_OPT(BASE, "OC-OLR"),
	DCX_OPT_N(BASE, "Load"),
	DCX_OPT_N(TGPP, "Supported-Features"),
	DCX_OPT(TGPP, "Public-Identity"),
	DCX_OPT(TGPP, "SIP-Number-Auth-Items"),
	DCX_OPT_N(TGPP, "SIP-Auth-Data-Item"),
};

/* 6.1.9 Registration-Termination-Request (HSS -> S-CSCF): it goes to the
 * S-CSCF that holds the registration, hence the required Destination-Host. */
static const struct dcx_rule rtr[] = {
	DCX_REQ(BASE, "Destination-Host"),
	DCX_REQ(BASE, "Destination-Realm"),
	DCX_REQ(BASE, "User-Name"),
	DCX_OPT(TGPP, "Associated-Identities"),
	DCX_OPT_N(TGPP, "Supported-Features"),
	DCX_OPT_N(TGPP, "Public-Identity"),
	DCX_REQ(TGPP, "Deregistration-Reason"),
	DCX_OPT(TGPP, "RTR-Flags"),
};

/* 6.1.10 Registration-Termination-Answer */
static const struct dcx_rule rta[] = {
	DCX_OPT(TGPP, "Associated-Identities"),
	DCX_OPT_N(TGPP, "Supported-Features"),
	DCX_OPT_N(TGPP, "Identity-with-Emergency-Registration"),
};

/* 6.1.11 Push-Profile-Request (HSS -> S-CSCF) */
static const struct dcx_rule ppr[] = {
	DCX_REQ(BASE, "Destination-Host"),
	DCX_REQ(BASE, "Destination-Realm"),
	DCX_REQ(BASE, "User-Name"),
	DCX_OPT_N(TGPP, "Supported-Features"),
	DCX_OPT(TGPP, "User-Data"),
	DCX_OPT(TGPP, "Charging-Information"),
	DCX_OPT(TGPP, "SIP-Auth-Data-Item"),
	DCX_OPT(TGPP, "Allowed-WAF-WWSF-Identities"),
};

/* 6.1.12 Push-Profile-Answer */
static const struct dcx_rule ppa[] = {
	DCX_OPT_N(TGPP, "Supported-Features"),
};

#define CX_CMD(code, req_name, req_body, ans_name, ans_body)                           \
	{ (code),                                                                      \
	  (req_name), { DCX_RULES(req_head), DCX_RULES(req_body), DCX_RULES(req_tail) }, \
	  (ans_name), { DCX_RULES(ans_head), DCX_RULES(ans_body), DCX_RULES(ans_tail) } }

static const struct dcx_cmd_def cx_cmds[] = {
	CX_CMD(300, "User-Authorization-Request", uar, "User-Authorization-Answer", uaa),
	CX_CMD(301, "Server-Assignment-Request", sar, "Server-Assignment-Answer", saa),
	CX_CMD(302, "Location-Info-Request", lir, "Location-Info-Answer", lia),
	CX_CMD(303, "Multimedia-Auth-Request", mar, "Multimedia-Auth-Answer", maa),
	CX_CMD(304, "Registration-Termination-Request", rtr, "Registration-Termination-Answer", rta),
	CX_CMD(305, "Push-Profile-Request", ppr, "Push-Profile-Answer", ppa),
};

/* Run before anything is created: see dcx_cmds_check (dict_sip). */
int dcx_cmds_check_conflicts(void)
{
	return dcx_cmds_check(cx_cmds, DCX_COUNT(cx_cmds));
}

int dcx_cmds_init(struct dcx_stats *st)
{
	struct dict_object *app = NULL;

	CHECK_FCT(dcx_app_ensure(DCX_APP_CX, DCX_VENDOR_3GPP, "3GPP Cx/Dx", &app));
	return dcx_cmds_define(app, cx_cmds, DCX_COUNT(cx_cmds), st);
}
