#!/bin/sh
# Builds the function example for Function Compute's custom runtimes and lays out the code package: `bootstrap`
# and the `function` binary, in examples/deploy/code (or $CODE_DIR).
#
# The default target, x86_64-unknown-linux-gnu.2.28, links against glibc 2.28, what `custom.debian10` has (a
# binary linked on a current distribution needs a newer glibc and does not start there). cargo-zigbuild does
# that with zig as the linker; both come from PyPI, no rustup target needed:
#   python3 -m venv target/zig-venv && target/zig-venv/bin/pip install cargo-zigbuild ziglang
# TARGET=x86_64-unknown-linux-musl builds a static binary instead, where that target is installed. The crate uses
# rustls, so nothing needs OpenSSL.
set -eu
cd "$(dirname "$0")/../.."
target="${TARGET:-x86_64-unknown-linux-gnu.2.28}"
code="${CODE_DIR:-examples/deploy/code}"
if [ -x target/zig-venv/bin/cargo-zigbuild ]; then
  PATH="$PWD/target/zig-venv/bin:$PATH"
fi
if ! command -v cargo-zigbuild >/dev/null; then
  echo "cargo-zigbuild is missing: python3 -m venv target/zig-venv && target/zig-venv/bin/pip install cargo-zigbuild ziglang" >&2
  exit 1
fi
cargo zigbuild --release --example function --target "$target"
# The artifacts of `x86_64-unknown-linux-gnu.2.28` live under the target's name without the glibc version.
dir="target/${target%.2.*}/release/examples"
mkdir -p "$code"
cp "$dir/function" "$code/function"
cp examples/deploy/bootstrap "$code/bootstrap"
chmod +x "$code/bootstrap" "$code/function"
echo "code package: $code (deploy with: cd examples/deploy && s deploy)"
