#!/bin/sh
# postinst/%post of the adit packages: make systemd see the new unit.
# $UNIT and $CONF are substituted by packaging/main.go.
set -e
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload >/dev/null 2>&1 || true
fi
echo "adit: edit @CONF@, then: systemctl enable --now @UNIT@"
