/*
 * mig_schema.h: the upgrade scripts of schema/, embedded at build time by
 * schema/embed.sh into mig_schema_sql.c.  Internal to libmig (and its tests).
 */
#ifndef MIG_SCHEMA_H
#define MIG_SCHEMA_H

struct mig_schema_script {
	int version;      /* the schema version the script upgrades to */
	const char *name; /* its file name, e.g. "001_initial.sql" */
	const char *sql;
};

/* mig_schema_scripts[i].version == i + 1, for i < mig_schema_count. */
extern const struct mig_schema_script mig_schema_scripts[];
extern const int mig_schema_count;

#endif /* MIG_SCHEMA_H */
