/*
 * sipdb_dict.c: the dictionary objects the broker uses, looked up once at
 * start (handlers never search by name).  dict_cx must be loaded first: it
 * defines the Cx application and commands and the allocation application.
 */
#include "sipdb.h"

struct sipdb_dict sipdb_dict;

struct dict_ref {
	struct dict_object **obj;
	enum dict_object_type type;
	const char *name;
	vendor_id_t vendor; /* AVPs: 0 base, 10415 3GPP, MIG_VENDOR ours */
	uint32_t code;      /* applications and commands: found by number */
};

#define MIG_VENDOR 32473          /* doc/allocation.md */
#define MIG_APP_ALLOC 4294901761u

static int dict_find(const struct dict_ref *r)
{
	struct dict_avp_request avp = { r->vendor, 0, (char *)r->name };
	int rc;

	/* Applications and commands by number: names differ between
	 * dictionaries (dict_sip also has a "Multimedia-Auth-Request"). */
	if (r->type == DICT_AVP)
		rc = fd_dict_search(fd_g_config->cnf_dict, DICT_AVP, AVP_BY_NAME_AND_VENDOR, &avp,
		                    r->obj, ENOENT);
	else if (r->type == DICT_COMMAND)
		rc = fd_dict_search(fd_g_config->cnf_dict, DICT_COMMAND, CMD_BY_CODE_R, &r->code,
		                    r->obj, ENOENT);
	else if (r->type == DICT_VENDOR)
		rc = fd_dict_search(fd_g_config->cnf_dict, DICT_VENDOR, VENDOR_BY_ID, &r->code,
		                    r->obj, ENOENT);
	else
		rc = fd_dict_search(fd_g_config->cnf_dict, DICT_APPLICATION, APPLICATION_BY_ID,
		                    &r->code, r->obj, ENOENT);
	if (rc)
		fd_log_error("mig_sipdb: dictionary object '%s' not found: load dict_cx.fdx "
		             "before mig_sipdb.fdx", r->name);
	return rc;
}

int sipdb_dict_init(void)
{
	struct sipdb_dict *d = &sipdb_dict;
	const struct dict_ref refs[] = {
		{ &d->app_cx, DICT_APPLICATION, "Cx application", 0, 16777216 },
		{ &d->app_alloc, DICT_APPLICATION, "allocation application", 0, MIG_APP_ALLOC },
		{ &d->vendor_3gpp, DICT_VENDOR, "vendor 10415 (3GPP)", 0, 10415 },
		{ &d->vendor_mig, DICT_VENDOR, "vendor 32473 (allocation)", 0, MIG_VENDOR },
		{ &d->cmd[SIPDB_UAR], DICT_COMMAND, "User-Authorization-Request (300)", 0, 300 },
		{ &d->cmd[SIPDB_SAR], DICT_COMMAND, "Server-Assignment-Request (301)", 0, 301 },
		{ &d->cmd[SIPDB_LIR], DICT_COMMAND, "Location-Info-Request (302)", 0, 302 },
		{ &d->cmd[SIPDB_MAR], DICT_COMMAND, "Multimedia-Auth-Request (303)", 0, 303 },
		{ &d->cmd[SIPDB_RTR], DICT_COMMAND, "Registration-Termination-Request (304)", 0, 304 },
		{ &d->cmd[SIPDB_PPR], DICT_COMMAND, "Push-Profile-Request (305)", 0, 305 },
		{ &d->cmd_gor, DICT_COMMAND, "Get-Outbound-Migration-Identities-Request", 0, 16777214 },
		{ &d->cmd_gir, DICT_COMMAND, "Get-Inbound-Migration-Identities-Request", 0, 16777215 },
		{ &d->session_id, DICT_AVP, "Session-Id", 0, 0 },
		{ &d->origin_host, DICT_AVP, "Origin-Host", 0, 0 },
		{ &d->origin_realm, DICT_AVP, "Origin-Realm", 0, 0 },
		{ &d->dest_host, DICT_AVP, "Destination-Host", 0, 0 },
		{ &d->dest_realm, DICT_AVP, "Destination-Realm", 0, 0 },
		{ &d->user_name, DICT_AVP, "User-Name", 0, 0 },
		{ &d->route_record, DICT_AVP, "Route-Record", 0, 0 },
		{ &d->proxy_info, DICT_AVP, "Proxy-Info", 0, 0 },
		{ &d->result_code, DICT_AVP, "Result-Code", 0, 0 },
		{ &d->exp_result, DICT_AVP, "Experimental-Result", 0, 0 },
		{ &d->exp_result_code, DICT_AVP, "Experimental-Result-Code", 0, 0 },
		{ &d->vendor_id, DICT_AVP, "Vendor-Id", 0, 0 },
		{ &d->auth_app_id, DICT_AVP, "Auth-Application-Id", 0, 0 },
		{ &d->vsai, DICT_AVP, "Vendor-Specific-Application-Id", 0, 0 },
		{ &d->auth_session_state, DICT_AVP, "Auth-Session-State", 0, 0 },
		{ &d->error_reporting_host, DICT_AVP, "Error-Reporting-Host", 0, 0 },
		{ &d->error_message, DICT_AVP, "Error-Message", 0, 0 },
		{ &d->failed_avp, DICT_AVP, "Failed-AVP", 0, 0 },
		{ &d->oc_supported_features, DICT_AVP, "OC-Supported-Features", 0, 0 },
		{ &d->oc_feature_vector, DICT_AVP, "OC-Feature-Vector", 0, 0 },
		{ &d->oc_olr, DICT_AVP, "OC-OLR", 0, 0 },
		{ &d->oc_sequence_number, DICT_AVP, "OC-Sequence-Number", 0, 0 },
		{ &d->oc_report_type, DICT_AVP, "OC-Report-Type", 0, 0 },
		{ &d->oc_reduction_percentage, DICT_AVP, "OC-Reduction-Percentage", 0, 0 },
		{ &d->oc_validity_duration, DICT_AVP, "OC-Validity-Duration", 0, 0 },
		{ &d->public_identity, DICT_AVP, "Public-Identity", 10415, 0 },
		{ &d->sip_auth_data_item, DICT_AVP, "SIP-Auth-Data-Item", 10415, 0 },
		{ &d->sip_number_auth_items, DICT_AVP, "SIP-Number-Auth-Items", 10415, 0 },
		{ &d->server_name, DICT_AVP, "Server-Name", 10415, 0 },
		{ &d->user_data, DICT_AVP, "User-Data", 10415, 0 },
		{ &d->server_assignment_type, DICT_AVP, "Server-Assignment-Type", 10415, 0 },
		{ &d->server_capabilities, DICT_AVP, "Server-Capabilities", 10415, 0 },
		{ &d->mandatory_capability, DICT_AVP, "Mandatory-Capability", 10415, 0 },
		{ &d->optional_capability, DICT_AVP, "Optional-Capability", 10415, 0 },
		{ &d->user_authorization_type, DICT_AVP, "User-Authorization-Type", 10415, 0 },
		{ &d->dereg_reason, DICT_AVP, "Deregistration-Reason", 10415, 0 },
		{ &d->reason_code, DICT_AVP, "Reason-Code", 10415, 0 },
		{ &d->reason_info, DICT_AVP, "Reason-Info", 10415, 0 },
		{ &d->associated_identities, DICT_AVP, "Associated-Identities", 10415, 0 },
		{ &d->associated_registered_identities, DICT_AVP, "Associated-Registered-Identities",
		  10415, 0 },
		{ &d->charging_information, DICT_AVP, "Charging-Information", 10415, 0 },
		{ &d->scscf_restoration_info, DICT_AVP, "SCSCF-Restoration-Info", 10415, 0 },
		{ &d->wildcarded_public_identity, DICT_AVP, "Wildcarded-Public-Identity", 10415, 0 },
		{ &d->identity_with_emergency_registration, DICT_AVP,
		  "Identity-with-Emergency-Registration", 10415, 0 },
		{ &d->failed_pcscf, DICT_AVP, "Failed-PCSCF", 10415, 0 },
		{ &d->mig_partner_realm, DICT_AVP, "Migration-Partner-Realm", MIG_VENDOR, 0 },
		{ &d->mig_primary_realm, DICT_AVP, "Migration-Primary-Realm", MIG_VENDOR, 0 },
		{ &d->mig_primary_sipdb, DICT_AVP, "Migration-Primary-SIPDB", MIG_VENDOR, 0 },
		{ &d->mig_impi, DICT_AVP, "Migration-IMPI", MIG_VENDOR, 0 },
		{ &d->mig_impu, DICT_AVP, "Migration-IMPU", MIG_VENDOR, 0 },
		{ &d->mig_lifetime, DICT_AVP, "Migration-Lifetime", MIG_VENDOR, 0 },
		{ &d->mig_pool, DICT_AVP, "Migration-Pool", MIG_VENDOR, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(refs) / sizeof(refs[0]); i++)
		CHECK_FCT(dict_find(&refs[i]));
	return 0;
}
