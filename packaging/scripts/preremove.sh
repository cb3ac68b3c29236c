#!/bin/sh
# prerm/%preun of the adit packages: stop the service on removal (not on
# upgrade: deb passes "remove", rpm passes 0 when the last version goes).
set -e
case "$1" in
remove | 0)
	if [ -d /run/systemd/system ]; then
		systemctl disable --now @UNIT@ >/dev/null 2>&1 || true
	fi
	;;
esac
