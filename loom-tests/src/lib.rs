//! loom models of the engine's locking. The models live in `tests/` and compile only under
//! `--cfg loom` (`cargo xtask loom`); without it this crate is empty.
