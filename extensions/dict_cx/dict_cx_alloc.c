/*
 * dict_cx_alloc.c: the migration-allocation application of migbroker
 * (doc/allocation.md).
 *
 * TR 23.781 leaves the "get outbound / inbound migration SIP identities"
 * messages to stage 3.  They are a small vendor-specific application of our
 * own, kept in this dictionary so that every peer that speaks Cx to the
 * broker (the configuration management server, the tests) loads one file.
 * Numbers: vendor 32473 (RFC 5612, documentation use), application
 * 0xFFFF0001, the two experimental command codes of RFC 6733 11.2.1.
 */
#include "dict_cx.h"

#define MIG  DCX_VENDOR_MIG
#define M_V  (AVP_FLAG_MANDATORY | AVP_FLAG_VENDOR)

static const struct dcx_avp_def alloc_avps[] = {
	{ MIG, 1, "Migration-Partner-Realm", AVP_TYPE_OCTETSTRING, "DiameterIdentity", M_V, M_V },
	{ MIG, 2, "Migration-Primary-Realm", AVP_TYPE_OCTETSTRING, "DiameterIdentity", M_V, M_V },
	{ MIG, 3, "Migration-Primary-SIPDB", AVP_TYPE_OCTETSTRING, "DiameterIdentity", M_V, M_V },
	{ MIG, 4, "Migration-IMPI",          AVP_TYPE_OCTETSTRING, "UTF8String",       M_V, M_V },
	{ MIG, 5, "Migration-IMPU",          AVP_TYPE_OCTETSTRING, "UTF8String",       M_V, M_V },
	{ MIG, 6, "Migration-Lifetime",      AVP_TYPE_UNSIGNED32,  NULL,               M_V, M_V },
	{ MIG, 7, "Migration-Pool",          AVP_TYPE_OCTETSTRING, "UTF8String",       M_V, M_V },
};

/* < GOR/GIR > ::= < Diameter Header: 1677721x, REQ, PXY > */
static const struct dcx_rule req_head[] = {
	DCX_FIXED(BASE, "Session-Id"),
	DCX_REQ(BASE, "Auth-Application-Id"),
	DCX_REQ(BASE, "Auth-Session-State"),
	DCX_REQ(BASE, "Origin-Host"),
	DCX_REQ(BASE, "Origin-Realm"),
	DCX_OPT(BASE, "Destination-Host"),
	DCX_REQ(BASE, "Destination-Realm"),
	DCX_REQ(BASE, "User-Name"),
	DCX_REQ(TGPP, "Public-Identity"),
	DCX_OPT(MIG, "Migration-Lifetime"),
	DCX_OPT(MIG, "Migration-Pool"),
	DCX_OPT_N(BASE, "Proxy-Info"),
	DCX_OPT_N(BASE, "Route-Record"),
};

static const struct dcx_rule gor[] = {
	DCX_REQ(MIG, "Migration-Partner-Realm"),
};

static const struct dcx_rule gir[] = {
	DCX_REQ(MIG, "Migration-Primary-Realm"),
	DCX_OPT(MIG, "Migration-Primary-SIPDB"),
};

/* < GOA/GIA > ::= < Diameter Header: 1677721x, PXY > */
static const struct dcx_rule ans[] = {
	DCX_FIXED(BASE, "Session-Id"),
	DCX_REQ(BASE, "Auth-Application-Id"),
	DCX_REQ(BASE, "Auth-Session-State"),
	DCX_REQ(BASE, "Origin-Host"),
	DCX_REQ(BASE, "Origin-Realm"),
	DCX_REQ(BASE, "Result-Code"),
	DCX_OPT(BASE, "User-Name"),
	DCX_OPT(TGPP, "Public-Identity"),
	DCX_OPT(MIG, "Migration-IMPI"),
	DCX_OPT(MIG, "Migration-IMPU"),
	DCX_OPT(MIG, "Migration-Lifetime"),
	DCX_OPT(BASE, "Error-Message"),
	DCX_OPT(BASE, "Failed-AVP"),
	DCX_OPT_N(BASE, "Proxy-Info"),
	DCX_OPT_N(BASE, "Route-Record"),
};

static const struct dcx_cmd_def alloc_cmds[] = {
	{ 16777214, "Get-Outbound-Migration-Identities-Request",
	  { DCX_RULES(req_head), DCX_RULES(gor) },
	  "Get-Outbound-Migration-Identities-Answer", { DCX_RULES(ans) } },
	{ 16777215, "Get-Inbound-Migration-Identities-Request",
	  { DCX_RULES(req_head), DCX_RULES(gir) },
	  "Get-Inbound-Migration-Identities-Answer", { DCX_RULES(ans) } },
};

int dcx_alloc_init(struct dcx_stats *st)
{
	struct dict_object *app = NULL;

	CHECK_FCT(dcx_vendor_ensure(DCX_VENDOR_MIG, "migbroker (RFC 5612 documentation)"));
	CHECK_FCT(dcx_avps_define(alloc_avps, DCX_COUNT(alloc_avps), st));
	CHECK_FCT(dcx_app_ensure(DCX_APP_ALLOC, DCX_VENDOR_MIG, "migbroker allocation", &app));
	CHECK_FCT(dcx_cmds_check(alloc_cmds, DCX_COUNT(alloc_cmds)));
	return dcx_cmds_define(app, alloc_cmds, DCX_COUNT(alloc_cmds), st);
}
