//! The shared runtime suite (kept in runtime-tokio/tests/suite) against `ferrokey-monoio`:
//! both binaries must pass the identical tests.

const BIN: &str = env!("CARGO_BIN_EXE_ferrokey-monoio");
const RUNTIME: &str = "monoio";

#[path = "../../runtime-tokio/tests/suite/mod.rs"]
mod suite;
