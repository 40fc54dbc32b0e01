# Included by each extension's Makefile.am, after it sets FDX_NAME.
#
# freeDiameterd loads the .fdx by path; libtool's .la would only sit next
# to the stock extensions.  Without it libtool cannot tell what to
# uninstall, hence uninstall-local.
install-data-hook:
	rm -f $(DESTDIR)$(fdextdir)/$(FDX_NAME).la

uninstall-local:
	rm -f $(DESTDIR)$(fdextdir)/$(FDX_NAME).fdx
