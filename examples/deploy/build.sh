#!/bin/sh
# Builds the function example for Function Compute's custom runtimes (x86_64 Linux) and lays out the code
# package in examples/deploy/code: `bootstrap` and the `function` binary.
#
# A static musl binary runs on every custom runtime (custom, custom.debian10/11/12) whatever their glibc:
#   rustup target add x86_64-unknown-linux-musl
# The crate uses rustls, so nothing needs OpenSSL.
set -eu
cd "$(dirname "$0")/../.."
target="${TARGET:-x86_64-unknown-linux-musl}"
cargo build --release --example function --target "$target"
mkdir -p examples/deploy/code
cp "target/$target/release/examples/function" examples/deploy/code/function
cp examples/deploy/bootstrap examples/deploy/code/bootstrap
chmod +x examples/deploy/code/bootstrap examples/deploy/code/function
echo "code package: examples/deploy/code (deploy with: cd examples/deploy && s deploy)"
