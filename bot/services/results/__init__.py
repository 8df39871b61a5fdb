"""Store results: metrics from store exports, scoring into the ledger, fraud checks, progress."""
