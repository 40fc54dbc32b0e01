/*
 * dict_probe: a test-only freeDiameter extension that checks the Cx
 * dictionary from inside a real freeDiameterd.
 *
 * Loaded after dict_dcca_3gpp and dict_cx, it runs its checks from
 * fd_ext_init, when the daemon's dictionary is complete, and writes one
 * line per case to a result file:
 *
 *   PASS <case>: <detail>      the dictionary does what the case expects
 *   FAIL <case>: <detail>      it does not
 *   KNOWN <case>: <detail>     a difference we cannot fix (1.2.1's own
 *                              definitions, Wireshark's dictionary), listed
 *                              in doc/dictionary.md
 *   NOTE <case>: <detail>      information (what dict_cx adds beyond a
 *                              reference, a known difference that is gone)
 *   DONE pass=N fail=N known=N
 *
 * When any case fails, fd_ext_init returns an error, so freeDiameterd
 * refuses to start: a broken dictionary fails the shell test twice over.
 *
 * It knows nothing of dict_cx's sources: every object is looked up by name
 * in the daemon's dictionary, like any other extension would.
 *
 * Configuration (the file given after LoadExtension's ":"), key = value:
 *   result    = FILE   where the lines above go (required)
 *   checks    = LIST   comma-separated: messages, spec, rules, wireshark,
 *                      canary (a deliberately wrong expectation, which
 *                      must come out as FAIL)
 *   rules     = FILE   where the "rules" check writes the dictionary's ABNF
 *   tgpp_xml  = FILE   Wireshark's TGPP.xml
 *   role      = server | client
 *                      the wire check (dict_probe_wire.c): a server answers
 *                      MARs, a client sends them to `peer` once it is OPEN;
 *                      the DONE line then comes when the exchange is over
 *                      (client) or at shutdown (server)
 *   peer      = ID     the client's server
 */
#ifndef DICT_PROBE_H
#define DICT_PROBE_H

#include <stdint.h>
#include <freeDiameter/extension.h>

int fd_ext_init(int major, int minor, char *conffile);
void fd_ext_fini(void);

#define DPR_VENDOR_3GPP 10415
#define DPR_VENDOR_ETSI 13019
#define DPR_APP_CX 16777216

/* dict_probe.c: reporting and dictionary helpers. */
void dpr_report(const char *verdict, const char *case_name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#define dpr_pass(c, ...)  dpr_report("PASS", (c), __VA_ARGS__)
#define dpr_fail(c, ...)  dpr_report("FAIL", (c), __VA_ARGS__)
#define dpr_known(c, ...) dpr_report("KNOWN", (c), __VA_ARGS__)
#define dpr_note(c, ...)  dpr_report("NOTE", (c), __VA_ARGS__)

struct dict_object *dpr_avp(vendor_id_t vendor, const char *name);
struct dict_object *dpr_avp_code(vendor_id_t vendor, avp_code_t code);
struct dict_object *dpr_cmd(const char *name);
const char *dpr_flag_rule(uint8_t mask, uint8_t val, uint8_t flag);
const char *dpr_basetype_name(enum dict_avp_basetype t);
int dpr_rule_of(struct dict_object *parent, struct dict_object *avp,
		struct dict_rule_data *found);

/* Write the DONE line and close the result file (once). */
void dpr_finish(void);

/* One file per check. */
int dpr_check_messages(int with_canary);

/* dict_probe_msgs.c, for the wire check: the valid message of a case
 * ("MAR", "MAA", ...), whole or one slice (0 head, 1 origin, 2 body,
 * 3 tail) with
 * some top-level AVPs left out; the AKA checks of an MAA. */
int dpr_build(const char *label, struct msg **msg);
int dpr_add_part(msg_or_avp *msg, const char *label, int part, const char *const *skip);
void dpr_check_aka_items(const char *label, struct msg *msg);

/* dict_probe_wire.c: two daemons exchange Cx messages over TCP. */
int dpr_wire_start(const char *role, const char *peer);
void dpr_wire_stop(void);
int dpr_check_spec(void);
int dpr_dump_rules(const char *path);
int dpr_check_wireshark(const char *tgpp_xml);

#endif /* DICT_PROBE_H */
