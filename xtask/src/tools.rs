//! The outside clients the runtime suite drives (`runtime-tokio/tests/suite/clients.rs`) and
//! `bench --smoke` runs: `redis-cli` and `redis-benchmark` (Debian's `redis-tools`), redis-py
//! (PyPI's `redis`, 5 or later) and valkey-glide (PyPI's `valkey-glide-sync`), installed when
//! missing.
//!
//! Under CI (`CI` set) a tool that cannot be installed fails the step, and the tests get
//! `FERROKEY_REQUIRE_TOOLS=1` so they fail instead of skipping; elsewhere it is a warning and
//! those tests print a skip line.

use std::env;
use std::process::{Command, Stdio};

use crate::{run, Result};

/// Whether this run is CI's (`CI=true` there, as on most CI systems).
pub fn in_ci() -> bool {
    env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// Ensures the tools, then sets up the test command's environment (see the module doc).
pub fn for_tests(test: &mut Command) -> Result {
    let ci = in_ci();
    for ensure in [ensure_redis_tools, ensure_redis_py, ensure_valkey_glide] {
        match ensure() {
            Ok(()) => {}
            Err(e) if ci => return Err(e),
            Err(e) => eprintln!("xtask: warning: {e}; the tests that need it will skip"),
        }
    }
    if ci {
        test.env("FERROKEY_REQUIRE_TOOLS", "1");
    }
    Ok(())
}

/// Runs quietly; true when it started and exited 0.
fn succeeds(cmd: &mut Command) -> bool {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn on_path(tool: &str) -> bool {
    succeeds(Command::new(tool).arg("--version"))
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// `apt-get ARGS`, through sudo unless already root.
pub fn apt_get(args: &[&str]) -> Command {
    let mut c = if is_root() {
        let mut c = Command::new("apt-get");
        c.env("DEBIAN_FRONTEND", "noninteractive");
        c
    } else {
        // sudo resets the environment; it takes variable assignments before the command.
        let mut c = Command::new("sudo");
        c.args(["DEBIAN_FRONTEND=noninteractive", "apt-get"]);
        c
    };
    c.args(args);
    c
}

/// `redis-cli` and `redis-benchmark`, from Debian's `redis-tools` when either is missing.
pub fn ensure_redis_tools() -> Result {
    let present = || on_path("redis-cli") && on_path("redis-benchmark");
    if present() {
        return Ok(());
    }
    run("apt-get update", apt_get(&["update"]))?;
    run(
        "install redis-tools (redis-cli, redis-benchmark)",
        apt_get(&["install", "-y", "--no-install-recommends", "redis-tools"]),
    )?;
    if present() {
        Ok(())
    } else {
        Err("redis-tools installed but redis-cli or redis-benchmark is not on PATH".into())
    }
}

/// Whether `python3 -c CODE` runs and exits 0.
fn python_ok(code: &str) -> bool {
    succeeds(Command::new("python3").args(["-c", code]))
}

/// `python3 -m pip install REQUIREMENT`, retried with `--break-system-packages` where a
/// distribution's own Python refuses pip installs (PEP 668) without it.
fn pip_install(what: &str, requirement: &str) -> Result {
    let pip = |extra: &[&str]| {
        let mut pip = Command::new("python3");
        pip.args(["-m", "pip", "install", "--quiet"])
            .args(extra)
            .arg(requirement);
        pip
    };
    if run(&format!("install {what}"), pip(&[])).is_err() {
        run(
            &format!("install {what} (--break-system-packages)"),
            pip(&["--break-system-packages"]),
        )?;
    }
    Ok(())
}

/// redis-py 5 or later for `python3` (RESP3 through `protocol=3`; the default from 8 on),
/// from PyPI when `import redis` fails or finds an older one.
pub fn ensure_redis_py() -> Result {
    const CHECK: &str = "import redis, sys; sys.exit(int(redis.__version__.split('.')[0]) < 5)";
    if python_ok(CHECK) {
        return Ok(());
    }
    pip_install("redis-py", "redis>=5")?;
    if python_ok(CHECK) {
        Ok(())
    } else {
        Err("redis-py installed but `python3` does not find redis 5 or later".into())
    }
}

/// valkey-glide's sync Python client (PyPI `valkey-glide-sync`, module `glide_sync`; wheels
/// for CPython 3.9 and later), from PyPI when `import glide_sync` fails.
pub fn ensure_valkey_glide() -> Result {
    const CHECK: &str = "import glide_sync";
    if python_ok(CHECK) {
        return Ok(());
    }
    pip_install("valkey-glide", "valkey-glide-sync")?;
    if python_ok(CHECK) {
        Ok(())
    } else {
        Err("valkey-glide-sync installed but `python3 -c 'import glide_sync'` still fails".into())
    }
}
