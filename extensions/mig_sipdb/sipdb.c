/*
 * sipdb.c: entry point of the mig_sipdb extension, the migration broker.
 *
 *   LoadExtension = "mig_sipdb.fdx" : "/etc/freeDiameter/mig_sipdb.json";
 *
 * Start-up either completes or stops the daemon: the configuration is
 * checked whole, the dictionary objects must all be there, the store must
 * open (and is created or upgraded), and only then are handlers registered.
 */
#include <strings.h>

#include "sipdb.h"

struct mig_config *sipdb_conf;
struct sipdb_stats sipdb_stats;

/* The configured partners are written into the store, so that allocation
 * (which checks partners in the store) and migctl see what the broker
 * enforces. */
static int sipdb_sync_partners(void)
{
	mig_store_t *st = sipdb_db();
	size_t i;

	if (!st)
		return EINVAL;
	mig_store_set_actor(st, "config");
	for (i = 0; i < sipdb_conf->n_partners; i++) {
		const struct mig_partner_conf *c = &sipdb_conf->partners[i];
		struct mig_partner p;

		memset(&p, 0, sizeof(p));
		snprintf(p.realm, sizeof(p.realm), "%s", c->realm);
		snprintf(p.sipdb, sizeof(p.sipdb), "%s", c->sipdb);
		p.allow_in = c->migrate_in;
		p.allow_out = c->migrate_out;
		p.obfuscate = c->obfuscate;
		if (mig_partner_put(st, &p) != MIG_OK) {
			fd_log_error("mig_sipdb: partner '%s': %s", c->realm, mig_store_errmsg(st));
			return EINVAL;
		}
	}
	mig_store_set_actor(st, "mig_sipdb");
	return 0;
}

static int sipdb_load_conf(char *path)
{
	char err[MIG_CONFIG_ERR_MAX];

	if (!path) {
		fd_log_error("mig_sipdb: no configuration file: LoadExtension = \"mig_sipdb.fdx\" : "
		             "\"FILE.json\";");
		return EINVAL;
	}
	if (mig_config_load(path, &sipdb_conf, err, sizeof(err))) {
		fd_log_error("mig_sipdb: bad configuration: %s", err);
		return EINVAL;
	}
	if (strcasecmp(sipdb_conf->realm, fd_g_config->cnf_diamrlm))
		fd_log_notice("mig_sipdb: system.realm '%s' differs from the daemon's realm '%s'",
		              sipdb_conf->realm, fd_g_config->cnf_diamrlm);
	return 0;
}

static int sipdb_entry(char *conffile)
{
	CHECK_FCT(sipdb_load_conf(conffile));
	CHECK_FCT(sipdb_dict_init());
	CHECK_FCT(sipdb_db_init());
	CHECK_FCT(sipdb_sync_partners());
	CHECK_FCT(sipdb_fwd_init());
	CHECK_FCT(sipdb_mar_init());
	CHECK_FCT(sipdb_alloc_init());
	CHECK_FCT(fd_disp_app_support(sipdb_dict.app_cx, sipdb_dict.vendor_3gpp, 1, 0));
	CHECK_FCT(fd_disp_app_support(sipdb_dict.app_alloc, sipdb_dict.vendor_mig, 1, 0));
	fd_log_notice("mig_sipdb: system '%s' (SIP database '%s'), store '%s', %zu partner(s), "
	              "local HSS '%s'", sipdb_conf->realm, sipdb_conf->sipdb, sipdb_conf->database,
	              sipdb_conf->n_partners, sipdb_conf->hss_host);
	return 0;
}

void fd_ext_fini(void);
void fd_ext_fini(void)
{
	sipdb_alloc_fini();
	sipdb_mar_fini();
	sipdb_fwd_fini();
	sipdb_db_fini();
	fd_log_notice("mig_sipdb: MAR received %lu, brokered %lu, local %lu, refused %lu, "
	              "timed out %lu; allocations %lu, refused %lu",
	              atomic_load(&sipdb_stats.mar_in), atomic_load(&sipdb_stats.mar_brokered),
	              atomic_load(&sipdb_stats.mar_local), atomic_load(&sipdb_stats.mar_refused),
	              atomic_load(&sipdb_stats.fwd_timeout), atomic_load(&sipdb_stats.alloc_ok),
	              atomic_load(&sipdb_stats.alloc_refused));
	mig_config_free(sipdb_conf);
	sipdb_conf = NULL;
}

EXTENSION_ENTRY("mig_sipdb", sipdb_entry, "dict_cx");
