// Package storetest is the behavioural conformance suite for store.Store.
// Every backend runs it from its own tests:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store { ... })
//	}
//
// The suite tests the contract documented in package store only, never a
// backend's internals, so that all backends behave the same.
package storetest

import (
	"testing"

	"github.com/adit-project/adit/internal/store"
)

// behaviour is one subtest: it gets a new, empty store.
type behaviour struct {
	name string
	test func(t *testing.T, s store.Store)
}

// Run runs every behaviour of the store contract as a subtest. open must
// return a new, empty store for each subtest; Run closes it when the
// subtest ends (open must not register its own Close).
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	var all []behaviour
	for _, group := range [][]behaviour{
		createBehaviours, listBehaviours, lifecycleBehaviours, rotateBehaviours,
		claimBehaviours, tagBehaviours, connStateBehaviours,
	} {
		all = append(all, group...)
	}
	for _, b := range all {
		t.Run(b.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close() = %v, want nil", err)
				}
			})
			b.test(t, s)
		})
	}
}
