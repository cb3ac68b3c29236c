package localproxy

import "syscall"

// ipBindAddressNoPort is IP_BIND_ADDRESS_NO_PORT from linux/in.h: with a
// local address but port 0, let connect() pick the port, so binding
// before connecting does not exhaust ephemeral ports under churn.
const ipBindAddressNoPort = 24

// bindNoPort is a net.Dialer Control function that sets it.
func bindNoPort(network, _ string, c syscall.RawConn) error {
	if network != "tcp4" && network != "tcp6" {
		return nil
	}
	c.Control(func(fd uintptr) {
		syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IP, ipBindAddressNoPort, 1)
	})
	return nil
}
