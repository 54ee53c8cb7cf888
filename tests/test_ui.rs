//! Compile-time checks: every mistake in `tests/ui/` must fail with our message (snapshotted in its `.stderr`);
//! every supported form in `tests/pass/` must compile.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/*.rs");
    t.pass("pass/*.rs");
}
