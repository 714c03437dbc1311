//! Compile tests: `ui/pass/` must compile without warnings, and each `ui/fail/` case must
//! fail with exactly the errors in its `.stderr` file (pinned to the rustc of
//! `rust-toolchain`/CI, 1.95). After changing a message, rewrite them with
//! `TRYBUILD=overwrite cargo test -p courier-macros --test ui` and read each one.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass/*.rs");
    cases.compile_fail("tests/ui/fail/*.rs");
}
