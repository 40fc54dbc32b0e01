/*
 * dict_probe.c: entry point, configuration, reporting and the small
 * dictionary helpers the checks share.  See dict_probe.h for the design.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dict_probe.h"

#define DICT (fd_g_config->cnf_dict)

/* The result file; dispatch threads report too (wire check), hence the lock. */
static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;
static FILE *result;
static unsigned n_pass, n_fail, n_known;

/* One line in the result file and the same line in the daemon's log. */
void dpr_report(const char *verdict, const char *case_name, const char *fmt, ...)
{
	char detail[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);

	pthread_mutex_lock(&report_lock);
	if (!strcmp(verdict, "PASS"))
		n_pass++;
	else if (!strcmp(verdict, "FAIL"))
		n_fail++;
	else if (!strcmp(verdict, "KNOWN"))
		n_known++;

	if (result) {
		fprintf(result, "%s %s: %s\n", verdict, case_name, detail);
		fflush(result);
	}
	pthread_mutex_unlock(&report_lock);
	if (!strcmp(verdict, "FAIL"))
		LOG_E("dict_probe: %s %s: %s", verdict, case_name, detail);
	else
		LOG_N("dict_probe: %s %s: %s", verdict, case_name, detail);
}

struct dict_object *dpr_avp(vendor_id_t vendor, const char *name)
{
	struct dict_avp_request req = { .avp_vendor = vendor, .avp_name = (char *)name };
	struct dict_object *obj = NULL;

	if (fd_dict_search(DICT, DICT_AVP, AVP_BY_NAME_AND_VENDOR, &req, &obj, 0))
		return NULL;
	return obj;
}

struct dict_object *dpr_avp_code(vendor_id_t vendor, avp_code_t code)
{
	struct dict_avp_request req = { .avp_vendor = vendor, .avp_code = code };
	struct dict_object *obj = NULL;

	if (fd_dict_search(DICT, DICT_AVP, AVP_BY_CODE_AND_VENDOR, &req, &obj, 0))
		return NULL;
	return obj;
}

struct dict_object *dpr_cmd(const char *name)
{
	struct dict_object *obj = NULL;

	if (fd_dict_search(DICT, DICT_COMMAND, CMD_BY_NAME, name, &obj, 0))
		return NULL;
	return obj;
}

const char *dpr_flag_rule(uint8_t mask, uint8_t val, uint8_t flag)
{
	if (!(mask & flag))
		return "may";
	return (val & flag) ? "must" : "mustnot";
}

const char *dpr_basetype_name(enum dict_avp_basetype t)
{
	switch (t) {
	case AVP_TYPE_GROUPED:     return "Grouped";
	case AVP_TYPE_OCTETSTRING: return "OctetString";
	case AVP_TYPE_INTEGER32:   return "Integer32";
	case AVP_TYPE_INTEGER64:   return "Integer64";
	case AVP_TYPE_UNSIGNED32:  return "Unsigned32";
	case AVP_TYPE_UNSIGNED64:  return "Unsigned64";
	case AVP_TYPE_FLOAT32:     return "Float32";
	case AVP_TYPE_FLOAT64:     return "Float64";
	}
	return "?";
}

/* The rule of `parent` for exactly this AVP object (not just this name). */
int dpr_rule_of(struct dict_object *parent, struct dict_object *avp,
		struct dict_rule_data *found)
{
	struct fd_list *sentinel, *li;

	if (fd_dict_getlistof(RULE_BY_AVP_AND_PARENT, parent, &sentinel))
		return EINVAL;
	for (li = sentinel->next; li != sentinel; li = li->next) {
		struct dict_rule_data data;
		if (fd_dict_getval(li->o, &data))
			return EINVAL;
		if (data.rule_avp == avp) {
			*found = data;
			return 0;
		}
	}
	return ENOENT;
}

/* ------------------------------------------------------------ configuration */

#define DPR_CONF_LEN 512

struct dpr_conf {
	char result[DPR_CONF_LEN];
	char checks[DPR_CONF_LEN];
	char rules[DPR_CONF_LEN];
	char tgpp_xml[DPR_CONF_LEN];
	char role[DPR_CONF_LEN];
	char peer[DPR_CONF_LEN];
};

static char *trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}

static int conf_read(const char *path, struct dpr_conf *conf)
{
	char line[1024];
	FILE *f;

	memset(conf, 0, sizeof(*conf));
	strcpy(conf->checks, "messages,spec,rules,wireshark");
	strcpy(conf->tgpp_xml, "/usr/share/wireshark/diameter/TGPP.xml");
	if (!path) {
		LOG_E("dict_probe: no configuration file (LoadExtension = \"dict_probe.fdx\" : \"FILE\";)");
		return EINVAL;
	}
	f = fopen(path, "r");
	if (!f) {
		LOG_E("dict_probe: cannot open %s: %s", path, strerror(errno));
		return errno;
	}
	while (fgets(line, sizeof(line), f)) {
		char *key = trim(line), *val = strchr(key, '=');
		char *dst = NULL;
		if (*key == '#' || *key == '\0' || !val)
			continue;
		*val++ = '\0';
		key = trim(key);
		val = trim(val);
		if (!strcmp(key, "result"))
			dst = conf->result;
		else if (!strcmp(key, "checks"))
			dst = conf->checks;
		else if (!strcmp(key, "rules"))
			dst = conf->rules;
		else if (!strcmp(key, "tgpp_xml"))
			dst = conf->tgpp_xml;
		else if (!strcmp(key, "role"))
			dst = conf->role;
		else if (!strcmp(key, "peer"))
			dst = conf->peer;
		if (dst)
			snprintf(dst, DPR_CONF_LEN, "%s", val);
		else
			LOG_E("dict_probe: %s: unknown key '%s' ignored", path, key);
	}
	fclose(f);
	if (!conf->result[0]) {
		LOG_E("dict_probe: %s: no 'result = FILE' line", path);
		return EINVAL;
	}
	return 0;
}

/* Is `name` one of the comma-separated words of `list`? */
static int listed(const char *list, const char *name)
{
	size_t len = strlen(name);
	const char *p = list;

	while ((p = strstr(p, name)) != NULL) {
		if ((p == list || p[-1] == ',') && (p[len] == ',' || p[len] == '\0'))
			return 1;
		p += len;
	}
	return 0;
}

/* ------------------------------------------------------------------- entry */

/* Write the DONE line once: at the end of init for the static checks, or
 * when the wire exchange ends (client) or the daemon stops (server). */
void dpr_finish(void)
{
	pthread_mutex_lock(&report_lock);
	if (result) {
		fprintf(result, "DONE pass=%u fail=%u known=%u\n", n_pass, n_fail, n_known);
		fclose(result);
		result = NULL;
		LOG_N("dict_probe: done: %u passed, %u failed, %u known differences",
		      n_pass, n_fail, n_known);
	}
	pthread_mutex_unlock(&report_lock);
}

static int dict_probe_entry(char *conffile)
{
	struct dpr_conf conf;
	int ret;

	CHECK_FCT(conf_read(conffile, &conf));
	result = fopen(conf.result, "w");
	if (!result) {
		LOG_E("dict_probe: cannot write %s: %s", conf.result, strerror(errno));
		return errno;
	}

	/* A check that cannot run at all (a file missing, ...) reports a
	 * FAIL line of its own; the return codes only stop the sequence on
	 * errors of the probe itself. */
	ret = 0;
	if (!ret && listed(conf.checks, "messages"))
		ret = dpr_check_messages(0);
	if (!ret && listed(conf.checks, "canary"))
		ret = dpr_check_messages(1);
	if (!ret && listed(conf.checks, "spec"))
		ret = dpr_check_spec();
	if (!ret && listed(conf.checks, "rules"))
		ret = dpr_dump_rules(conf.rules[0] ? conf.rules : NULL);
	if (!ret && listed(conf.checks, "wireshark"))
		ret = dpr_check_wireshark(conf.tgpp_xml);
	if (ret)
		dpr_fail("probe", "internal error %d (%s)", ret, strerror(ret));

	if (!n_fail && conf.role[0])
		return dpr_wire_start(conf.role, conf.peer);
	ret = n_fail ? EINVAL : 0;
	dpr_finish();
	return ret;
}

void fd_ext_fini(void)
{
	dpr_wire_stop();
	dpr_finish();
}

EXTENSION_ENTRY("dict_probe", dict_probe_entry, "dict_cx");
