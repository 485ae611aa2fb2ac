//! The outside clients the runtime suite drives (`runtime-tokio/tests/suite/clients.rs`) and
//! `bench --smoke` runs: `redis-cli` and `redis-benchmark` (Debian's `redis-tools`) and redis-py
//! (PyPI's `redis`), installed when missing.
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
    for ensure in [ensure_redis_tools, ensure_redis_py] {
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
fn apt_get(args: &[&str]) -> Command {
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

/// redis-py for `python3`, from PyPI when `import redis` fails.
pub fn ensure_redis_py() -> Result {
    let present = || succeeds(Command::new("python3").args(["-c", "import redis"]));
    if present() {
        return Ok(());
    }
    let mut pip = Command::new("python3");
    pip.args(["-m", "pip", "install", "--quiet", "redis"]);
    if run("install redis-py", pip).is_err() {
        // A distribution's own Python refuses pip installs (PEP 668) without this flag.
        let mut pip = Command::new("python3");
        pip.args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--break-system-packages",
            "redis",
        ]);
        run("install redis-py (--break-system-packages)", pip)?;
    }
    if present() {
        Ok(())
    } else {
        Err("redis-py installed but `python3 -c 'import redis'` still fails".into())
    }
}
