// Command ferretdb-launcher runs a throwaway FerretDB (MongoDB wire protocol) on the SQLite
// backend for shopgraph's test sessions.
//
// It embeds FerretDB through its public embeddable package, listens on the given loopback
// address, prints "READY <mongodb uri>" once it accepts connections, and stops on SIGINT or
// SIGTERM.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP address to listen on")
	dataDir := flag.String("data-dir", "", "directory for the SQLite databases (required)")
	logLevel := flag.String("log-level", "info", "debug, info, warn or error")
	flag.Parse()

	if *dataDir == "" {
		fail("--data-dir is required")
	}
	if err := os.MkdirAll(*dataDir, 0o700); err != nil {
		fail("cannot create data dir: %v", err)
	}

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fail("bad --log-level %q: %v", *logLevel, err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	db, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *listen},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: "file:" + *dataDir + "/",
	})
	if err != nil {
		fail("cannot start FerretDB: %v", err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	go func() {
		// MongoDBURI waits until the listener is bound.
		fmt.Printf("READY %s\n", db.MongoDBURI())
	}()

	if err := db.Run(ctx); err != nil {
		fail("FerretDB stopped: %v", err)
	}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "ferretdb-launcher: "+format+"\n", args...)
	os.Exit(1)
}
