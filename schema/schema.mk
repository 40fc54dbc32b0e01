# The schema upgrade scripts, in order.  Included by schema/Makefile.am
# (install, dist) and src/Makefile.am (embedded into libmig): add a new
# script here and nowhere else.
MIG_SCHEMA_SQL = \
	$(top_srcdir)/schema/001_initial.sql \
	$(top_srcdir)/schema/002_registration.sql \
	$(top_srcdir)/schema/003_termination.sql \
	$(top_srcdir)/schema/004_counters.sql
