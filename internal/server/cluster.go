package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"

	"github.com/adit-project/adit/internal/cluster"
	"github.com/adit-project/adit/internal/store"
)

// minClusterSecret is the shortest cluster secret accepted.
const minClusterSecret = 16

// validateCluster checks the cluster settings.
func (c *Config) validateCluster() []error {
	var errs []error
	if c.ClusterSecret != "" && len(c.ClusterSecret) < minClusterSecret {
		errs = append(errs, fmt.Errorf("cluster-secret must be at least %d bytes", minClusterSecret))
	}
	if c.ClusterAdvertise != "" {
		if _, _, err := net.SplitHostPort(c.ClusterAdvertise); err != nil {
			errs = append(errs, fmt.Errorf("cluster-advertise %q: want HOST:PORT", c.ClusterAdvertise))
		}
	}
	if c.ClusterLease < 0 {
		errs = append(errs, errors.New("cluster-lease must not be negative"))
	}
	return errs
}

// buildCluster creates the cluster node when the store is shared; it
// stays nil on an embedded store.
func (s *Server) buildCluster() error {
	cs, ok := s.store.(store.Cluster)
	if !ok {
		return nil
	}
	var dialTLS *tls.Config
	mutual := false
	if s.tls != nil {
		var err error
		if dialTLS, err = clusterDialTLS(s.cfg.ClusterCA); err != nil {
			return err
		}
		if s.cfg.ClusterCA != "" {
			// Mutual TLS between nodes: each presents its own certificate,
			// and a forwarded upgrade must come with one the CA signed.
			// Other clients are asked for none they must give.
			dialTLS.Certificates = s.tls.Certificates
			s.tls.ClientAuth = tls.VerifyClientCertIfGiven
			s.tls.ClientCAs = dialTLS.RootCAs
			mutual = true
		}
	}
	node, err := cluster.New(cluster.Config{
		NodeID:            s.cfg.NodeID,
		Advertise:         s.cfg.ClusterAdvertise,
		Secret:            []byte(s.cfg.ClusterSecret),
		DialTLS:           dialTLS,
		Store:             cs,
		Tunnels:           s.store,
		EmbeddedBroker:    s.cfg.mqttEmbedded(),
		RequireClientCert: mutual,
		Lease:             s.cfg.ClusterLease,
		Logger:            s.log.With("component", "cluster"),
	})
	if err != nil {
		return err
	}
	s.node = node
	if s.cfg.ClusterSecret == "" {
		s.log.Warn("no --cluster-secret: peers of one tunnel that reach different nodes cannot meet")
	}
	return nil
}

// clusterDialTLS verifies other nodes with the CA bundle in caFile, or
// not at all when it is empty (the cluster secret authenticates them).
// With a CA, nodes also authenticate each other by certificate (see
// buildCluster).
func clusterDialTLS(caFile string) (*tls.Config, error) {
	if caFile == "" {
		return &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: true}, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("cluster-ca: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("cluster-ca %s: no PEM certificate", caFile)
	}
	return &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: pool}, nil
}

// startCluster registers the node with the address other nodes reach its
// data plane on: ClusterAdvertise, else the data listener's bound address
// (an unspecified host replaced by the host name).
func (s *Server) startCluster(ctx context.Context, data net.Addr) error {
	if s.node == nil {
		return nil
	}
	adv := s.cfg.ClusterAdvertise
	if adv == "" {
		adv = advertiseOf(data)
	}
	id := s.cfg.NodeID
	if id == "" {
		host, _ := os.Hostname()
		_, port, _ := net.SplitHostPort(adv)
		id = host + "-" + port
	}
	return s.node.Start(ctx, s.relay, id, adv)
}

// advertiseOf turns a bound address into one other hosts can dial.
func advertiseOf(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	if !tcp.IP.IsUnspecified() {
		return tcp.String()
	}
	host, _ := os.Hostname()
	return net.JoinHostPort(host, strconv.Itoa(tcp.Port))
}

// stopCluster leaves the cluster, releasing the tunnels this node owns.
func (s *Server) stopCluster(ctx context.Context) error {
	if s.node == nil {
		return nil
	}
	return s.node.Stop(ctx)
}

// closeLinks ends the links between this node and the others.
func (s *Server) closeLinks() {
	if s.node != nil {
		s.node.Close()
	}
}
