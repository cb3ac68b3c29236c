package wire

// WebSocket subprotocols of the three protocol versions.
const (
	Subprotocol1 = "aws.iot.securetunneling-1.0"
	Subprotocol2 = "aws.iot.securetunneling-2.0"
	Subprotocol3 = "aws.iot.securetunneling-3.0"
	// Subprotocol1Alias is the misspelt 1.0 name a browser sample offers;
	// it is accepted as version 1 and echoed back verbatim.
	Subprotocol1Alias = "aws.iot.securedtunneling-1.0"
)

// Version returns the protocol version (1, 2 or 3) of a subprotocol name,
// or 0 if it is not supported.
func Version(subprotocol string) int {
	switch subprotocol {
	case Subprotocol1, Subprotocol1Alias:
		return 1
	case Subprotocol2:
		return 2
	case Subprotocol3:
		return 3
	}
	return 0
}
