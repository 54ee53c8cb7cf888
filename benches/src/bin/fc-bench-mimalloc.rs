//! `fc-bench` with mimalloc as the global allocator: `fc-bench` runs its `load` subcommand for the rows that
//! compare allocators (see BENCHMARKS.md).

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "fc-bench.rs"]
mod fc_bench;

fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    fc_bench::main()
}
