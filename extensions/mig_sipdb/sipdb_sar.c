/*
 * sipdb_sar.c: Server-Assignment-Request (TS 29.229 6.1.3/6.1.4), the
 * S-CSCF's "I serve this user now; give me the profile" after MAR.
 *
 * Roles as for MAR (sipdb_mar.c, sipdb_broker):
 *   - our own S-CSCF, a visitor's inbound identity (by User-Name, or by the
 *     first Public-Identity when the SAR has none; every Public-Identity
 *     must be the bound IMPU): brokered to the primary system with its
 *     identities and our border Server-Name;
 *   - a partner system, one of our users: to our HSS under her real
 *     identities;
 *   - anything else from our own nodes: to the local HSS unchanged.
 * On the way back the SAA's User-Data is mapped to the asker's identities
 * (sipdb_udata.c; at the partner side with the partner's visitor profile),
 * and what would show one system's inside to the other is removed.  A
 * success leaves a note on the binding, off the answer path: registration
 * types -> registered at this Server-Name by this Origin-Host (the S-CSCF
 * at the partner side: where RTR and PPR go later; the partner's SIP
 * database at the primary side: where the user is, TR 23.781 key issue
 * 2.5), de-registration types -> no longer registered.
 */
#include "sipdb.h"

/* Server-Assignment-Type values (TS 29.229 6.3.15). */
#define SAT_REGISTRATION 1
#define SAT_RE_REGISTRATION 2
#define SAT_TIMEOUT_DEREGISTRATION 4
#define SAT_DEREGISTRATION_TOO_MUCH_DATA 11

/* Not across the border: the S-CSCF's restoration data (Path, Contact of
 * its system), wildcards, the P-CSCF that failed. */
static struct dict_object **const sar_strip_req[] = {
	&sipdb_dict.scscf_restoration_info, &sipdb_dict.wildcarded_public_identity,
	&sipdb_dict.failed_pcscf, NULL
};
/* Nor back: the primary's charging functions, the user's other identities,
 * what its HSS stored about the S-CSCF. */
static struct dict_object **const sar_strip_ans[] = {
	&sipdb_dict.charging_information, &sipdb_dict.associated_identities,
	&sipdb_dict.associated_registered_identities, &sipdb_dict.scscf_restoration_info,
	&sipdb_dict.wildcarded_public_identity, &sipdb_dict.server_name, NULL
};

/* What a successful answer says about the binding. */
static enum sipdb_note sar_note(struct msg *m)
{
	uint32_t type = 0;

	if (sipdb_avp_u32(m, sipdb_dict.server_assignment_type, &type))
		return SIPDB_NOTE_NONE;
	if (type == SAT_REGISTRATION || type == SAT_RE_REGISTRATION)
		return SIPDB_NOTE_REGISTER;
	if (type >= SAT_TIMEOUT_DEREGISTRATION && type <= SAT_DEREGISTRATION_TOO_MUCH_DATA)
		return SIPDB_NOTE_UNREGISTER;
	return SIPDB_NOTE_NONE;
}

int sipdb_sar_handle(struct msg **msg, enum sipdb_cmd cmd)
{
	struct sipdb_hop hop = { .note = sar_note(*msg), .user_data = 1,
	                         .strip_req = sar_strip_req, .strip_ans = sar_strip_ans };
	struct sipdb_req r;
	int answered;

	CHECK_FCT(sipdb_req_parse(&r, msg, cmd, 0, 0, &answered));
	if (answered)
		return 0;
	if (sipdb_req_local(&r) && !r.impi[0] && !r.impu[0])
		return sipdb_pass_to_hss(&r); /* wildcards and the like: not ours */
	if (!sipdb_req_local(&r) && !r.impi[0]) {
		/* User-Name is optional in an SAR, but a partner must say whose. */
		atomic_fetch_add(&sipdb_stats.cmd[cmd].refused, 1);
		return sipdb_req_ident(msg, sipdb_dict.user_name, r.impi, 1, &answered);
	}
	return sipdb_broker(&r, &hop);
}
