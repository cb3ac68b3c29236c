package e2e

import (
	"regexp"
	"strings"
	"testing"

	"github.com/adit-project/adit/internal/server"
	"github.com/adit-project/adit/internal/servertest"
)

// startCross starts a release binary of platform, under qemu-user when the
// machine cannot run it natively.
func startCross(t *testing.T, name, platform, prog string, args ...string) *proc {
	t.Helper()
	bin := releaseBinary(t, platform, prog)
	if emu := qemuFor(t, platform); emu != "" {
		return startProc(t, name, emu, nil, append([]string{bin}, args...)...)
	}
	return startProc(t, name, bin, nil, args...)
}

// TestReleaseBinariesRunUnderQEMU runs the linux/arm64 and linux/armv7
// localproxy and tunnelagent: --version prints the stamped version,
// commit and date, and each platform's tunnelagent serves a tunnel that
// the other platform's source localproxy opens through a native tunneld,
// with an echo service behind it.
func TestReleaseBinariesRunUnderQEMU(t *testing.T) {
	platforms := []string{"linux/arm64", "linux/armv7"}
	for _, plat := range platforms {
		for _, prog := range []string{"localproxy", "tunnelagent"} {
			p := startCross(t, plat+" "+prog+" --version", plat, prog, "--version")
			if code := p.waitExit(t, waitFor); code != 0 {
				t.Fatalf("%s %s --version: exit %d\n%s", plat, prog, code, p.output())
			}
			want := relVersion + " (commit " + relCommit[:12] + ", built " + relDate + ")"
			if out := p.output(); !strings.Contains(out, want) {
				t.Errorf("%s %s --version printed %q, want it to contain %q", plat, prog, out, want)
			}
		}
	}
	in := servertest.Start(t, server.Config{MQTTListen: "127.0.0.1:0"})
	echo := echoServer(t, "hello from the device\n")
	for i, agentPlat := range platforms {
		srcPlat := platforms[1-i]
		thing := "qemu-" + strings.ReplaceAll(agentPlat, "/", "-")
		agent := startCross(t, agentPlat+" tunnelagent", agentPlat, "tunnelagent",
			"--mqtt-url", "mqtt://"+in.Server.MQTTAddr(), "--thing-name", thing,
			"--mqtt-username", thing, "--mqtt-password", in.AddDevice(t, thing),
			"--endpoint", wsEndpoint(in), "--destination-app", "ECHO="+echo, "-v", "debug")
		agent.waitMatches(t, reAgentSubscribed, 1, waitFor)
		var tun servertest.OpenTunnelResult
		in.MustCall(t, "OpenTunnel", map[string]any{
			"destinationConfig": map[string]any{"thingName": thing, "services": []string{"ECHO"}},
		}, &tun)
		agent.waitMatches(t, reAgentSession, 1, waitFor)
		waitDestinationConnected(t, in, tun.TunnelID)
		src := startCross(t, srcPlat+" source localproxy", srcPlat, "localproxy",
			"-e", wsEndpoint(in), "-t", tun.SourceAccessToken, "-m", "src")
		src.waitMatches(t, reConnected, 1, waitFor)
		addr := src.listenAddrs()["ECHO"]
		if addr == "" {
			t.Fatalf("%s source localproxy logged no listen address for ECHO", srcPlat)
		}
		if err := echoRoundTrip(addr, "hello from the device\n", 256<<10, waitFor); err != nil {
			t.Fatalf("echo through %s localproxy → tunneld → %s tunnelagent: %v", srcPlat, agentPlat, err)
		}
		in.MustCall(t, "CloseTunnel", map[string]any{"tunnelId": tun.TunnelID}, nil)
		agent.waitMatches(t, regexp.MustCompile(`destination session ended: tunnel closed`), 1, waitFor)
		if code := src.waitExit(t, waitFor); code != 0 {
			t.Errorf("%s source localproxy exit %d after the tunnel closed, want 0", srcPlat, code)
		}
	}
}
