//! The shared runtime suite (`tests/suite`) against `ferrokey-tokio`.

const BIN: &str = env!("CARGO_BIN_EXE_ferrokey-tokio");
const RUNTIME: &str = "tokio";

mod suite;
