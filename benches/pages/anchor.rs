//! The reference page (`../shared/perfanchor`): a hand-written balance page with no session,
//! measured in the same run so the ratio compares two pages on the same machine and moment.
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use anyhow::Context;

use crate::{Settings, portal, wrk};

const ADDRESS: &str = "http://127.0.0.1:18080";
/// The reference's own script: a random account's page each time.
const SCRIPT: &str = "math.randomseed(42)\nrequest = function() return wrk.format(\"GET\", \"/account/\" .. math.random(1, 100000)) end\n";

/// The reference page's measure, or `None` (with a note) when it is not built.
pub fn measure(settings: &Settings, scratch: &Path) -> anyhow::Result<Option<wrk::Measure>> {
    let Some(binary) = binary() else {
        println!(
            "reference page not found (build ../shared/perfanchor as its README says, or set PERFANCHOR_BIN): ratios to it are not reported"
        );
        return Ok(None);
    };
    // It seeds its database on first start (about a minute); the seeded folder is kept.
    let data = home().join(".cache/perfanchor-data");
    std::fs::create_dir_all(&data)?;
    println!("starting the reference page (seeds on its first start)…");
    let mut child = Command::new(&binary)
        .current_dir(&data)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("starting {}", binary.display()))?;
    let measured = run(settings, scratch);
    stop(&mut child);
    measured.map(Some)
}

fn run(settings: &Settings, scratch: &Path) -> anyhow::Result<wrk::Measure> {
    portal::wait_until_up(&format!("{ADDRESS}/healthz"))?;
    let script = scratch.join("anchor.lua");
    std::fs::write(&script, SCRIPT)?;
    wrk::run(settings, ADDRESS, &[], Some(&script))
}

fn stop(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

fn binary() -> Option<PathBuf> {
    let path = std::env::var_os("PERFANCHOR_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| home().join(".cache/perfanchor-target/release/perfanchor"));
    path.is_file().then_some(path)
}

fn home() -> PathBuf {
    std::env::var_os("HOME").map_or_else(|| PathBuf::from("/tmp"), PathBuf::from)
}
