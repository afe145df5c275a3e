#!/usr/bin/env bash
# Every test: installs the official Telnyx SDK pinned by tests/sdk/package-lock.json (for
# the conformance suite), then runs the Rust tests, which drive it.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --prefix tests/sdk --no-audit --no-fund
cargo test --locked
