package server

import (
	"context"
	"path/filepath"

	"github.com/adit-project/adit/internal/store"
	"github.com/adit-project/adit/internal/store/pgstore"
	"github.com/adit-project/adit/internal/store/sqlitestore"
)

// openStore opens the backend cfg selects: PostgreSQL when DatabaseURL is
// set, else SQLite in the data directory.
func openStore(ctx context.Context, cfg *Config) (store.Store, error) {
	switch {
	case cfg.DatabaseURL != "":
		return pgstore.Open(ctx, pgstore.Config{URL: cfg.DatabaseURL, Logger: cfg.Logger})
	default:
		return sqlitestore.Open(ctx, filepath.Join(cfg.DataDir, "tunneld.db"))
	}
}
