/*
 * sipdb_mar.c: Multimedia-Auth-Request (TR 23.781 6.2.1 steps 16-21).
 *
 * Who asks decides the role (sipdb_broker):
 *   - our own S-CSCF (Origin-Realm is ours): an inbound migration identity
 *     is brokered to the visitor's primary system (partner role); any other
 *     identity passes through to the local HSS unchanged;
 *   - a partner system: an outbound binding of ours must exist for that
 *     partner, and the request must really come from it (primary role); the
 *     local HSS answers under our real identities.
 * Every MAA carries User-Name and Public-Identity: Kamailio 5.6 needs them.
 * A success notes the binding registered at the asker's Server-Name, by its
 * Origin-Host.  A brokered MAA with more vectors than were asked for is
 * refused (5012).
 */
#include "sipdb.h"

/*
 * An MAA may carry at most the SIP-Number-Auth-Items the MAR asked for
 * (TS 29.229 6.1.8).  A primary system (or an HSS) that sends more -- a
 * hostile one sending thousands -- is not passed on: the S-CSCF would
 * store them all.
 */
static const char *mar_check_answer(struct msg *req, struct msg *ans)
{
	uint32_t asked = 1;

	if (sipdb_avp_u32(req, sipdb_dict.sip_number_auth_items, &asked))
		asked = 1;
	return (unsigned)sipdb_avp_count(ans, sipdb_dict.sip_auth_data_item) > asked
	           ? "the MAA carries more SIP-Auth-Data-Items than the MAR asked for"
	           : NULL;
}

int sipdb_mar_handle(struct msg **msg, enum sipdb_cmd cmd)
{
	struct sipdb_hop hop = { .note = SIPDB_NOTE_REGISTER, .echo_ids = 1,
	                         .check_answer = mar_check_answer };
	struct sipdb_req r;
	int answered;

	CHECK_FCT(sipdb_req_parse(&r, msg, cmd, 1, 1, &answered));
	return answered ? 0 : sipdb_broker(&r, &hop);
}
