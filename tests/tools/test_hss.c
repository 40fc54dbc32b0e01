/*
 * test_hss.c: entry point and configuration of the test HSS; see
 * test_hss.h for what it does and the format of its JSON file.
 */
#include <stdlib.h>
#include <string.h>

#include "test_hss.h"

struct thss_conf thss_conf;

/* An optional non-empty string member into *out (a copy, or NULL). */
static int conf_string(json_t *root, const char *key, const char *path, char **out)
{
	json_t *v = json_object_get(root, key);

	*out = NULL;
	if (!v)
		return 0;
	if (!json_is_string(v) || !json_string_value(v)[0]) {
		LOG_E("test_hss: %s: \"%s\" must be a non-empty string", path, key);
		return EINVAL;
	}
	*out = strdup(json_string_value(v));
	return *out ? 0 : ENOMEM;
}

/* Read the JSON file named after LoadExtension's ":" into thss_conf. */
static int conf_load(const char *path)
{
	static const char *const keys[] = { "subscribers", "no_zero_xres", "ccf", "push_trigger",
		                            NULL };
	json_t *root, *nz;
	int rc;

	if (!path) {
		LOG_E("test_hss: no configuration file "
		      "(LoadExtension = \"test_hss.fdx\" : \"hss.json\";)");
		return EINVAL;
	}
	CHECK_FCT(thss_json_load(path, &root));
	rc = thss_json_keys_check(root, keys, path, "top level");
	nz = json_object_get(root, "no_zero_xres");
	if (!rc && nz && !json_is_boolean(nz)) {
		LOG_E("test_hss: %s: \"no_zero_xres\" must be true or false", path);
		rc = EINVAL;
	}
	thss_conf.no_zero_xres = json_is_true(nz);
	if (!rc)
		rc = conf_string(root, "ccf", path, &thss_conf.ccf);
	if (!rc)
		rc = conf_string(root, "push_trigger", path, &thss_conf.push_trigger);
	if (!rc)
		rc = thss_subs_parse(root, path, &thss_conf.subs);
	json_decref(root);
	return rc;
}

static int thss_entry(char *conffile)
{
	CHECK_FCT(thss_dict_init());
	CHECK_FCT(conf_load(conffile));
	/* Routing skips peers that did not advertise Cx in their CER. */
	CHECK_FCT(fd_disp_app_support(thss_dict.app_cx, thss_dict.vendor_3gpp, 1, 0));
	CHECK_FCT(thss_mar_init());
	CHECK_FCT(thss_sar_init());
	CHECK_FCT(thss_push_init());
	LOG_N("test_hss: %zu subscribers from %s%s", thss_conf.subs.n, conffile,
	      thss_conf.no_zero_xres ? " (XRES without zero bytes)" : "");
	return 0;
}

void fd_ext_fini(void)
{
	thss_push_fini();
	thss_sar_fini();
	thss_mar_fini();
	thss_subs_free(&thss_conf.subs);
	free(thss_conf.ccf);
	free(thss_conf.push_trigger);
}

EXTENSION_ENTRY("test_hss", thss_entry, "dict_cx");
