/*
 * dict_cx.c: entry point of the Cx/Dx dictionary extension.
 *
 * Load it alone (what doc/configuration.md recommends: the shortest AVP
 * lists, hence the cheapest parsing):
 *
 *   LoadExtension = "dict_cx.fdx";
 *
 * or last, after the stock chain, when another application needs those
 * dictionaries:
 *
 *   LoadExtension = "dict_nasreq.fdx";
 *   LoadExtension = "dict_dcca.fdx";
 *   LoadExtension = "dict_dcca_3gpp.fdx";
 *   LoadExtension = "dict_cx.fdx";
 *
 * Not before them: dict_dcca_3gpp then fails on the Cx AVPs we already
 * defined ("File exists") and freeDiameterd exits at start-up.
 *
 * dict_sip cannot be loaded in the same daemon: it gives the RFC 4740
 * commands 283-288 the names TS 29.229 gives to 300-305, and command names
 * are global in freeDiameter.  If dict_sip comes first, dict_cx refuses to
 * load and logs which command clashes; if it comes after, dict_sip's own
 * definitions fail (fd_dict_new: "File exists").  Either way the daemon
 * exits with an error at start-up instead of running with half a
 * dictionary.  The AVPs themselves do not clash: dict_sip's SIP-* AVPs are
 * vendor 0, the 3GPP ones vendor 10415, which is why every lookup here is
 * by name AND vendor.
 */
#include "dict_cx.h"

static int dict_cx_entry(char *conffile)
{
	struct dcx_stats st = { 0 };
	int ret;

	(void)conffile; /* no configuration */

	/* Refuse early, before the dictionary is touched, when another
	 * dictionary owns the command names (dict_sip). */
	ret = dcx_cmds_check_conflicts();
	if (!ret)
		ret = dcx_avps_init(&st);
	if (!ret)
		ret = dcx_groups_init(&st);
	if (!ret)
		ret = dcx_cmds_init(&st);
	if (!ret)
		ret = dcx_alloc_init(&st);
	dcx_avp_cache_free();

	if (ret) {
		LOG_E("dict_cx: the Cx/Dx dictionary could not be loaded (%s)", strerror(ret));
		return ret;
	}
	LOG_N("dict_cx: Cx/Dx application %u ready: AVPs %u added, %u present, %u differ; "
	      "rules %u added, %u present, %u differ; commands %u added, %u present",
	      DCX_APP_CX, st.avps_added, st.avps_present, st.avps_differ,
	      st.rules_added, st.rules_present, st.rules_differ, st.cmds_added, st.cmds_present);
	return 0;
}

/*
 * Nothing to release: the objects belong to the daemon's dictionary, which
 * frees them at shutdown, and the lookup cache is gone after init.
 */
void fd_ext_fini(void)
{
}

EXTENSION_ENTRY("dict_cx", dict_cx_entry);
