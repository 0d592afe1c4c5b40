//! CPU time from `/proc/<pid>/stat` (utime + stime), to tell what a request costs the
//! server in CPU whatever else runs on the machine, and what one signature costs.

use anyhow::{Context, Result};

/// Clock ticks per second of `/proc`'s utime and stime (`getconf CLK_TCK`, 100 on Linux).
fn ticks_per_second() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse::<f64>().ok())
            .filter(|t| *t > 0.0)
            .unwrap_or(100.0)
    })
}

/// utime + stime of a process (`self` or a pid), all its threads, in seconds.
pub fn cpu_seconds(pid: &str) -> Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .with_context(|| format!("reading /proc/{pid}/stat"))?;
    parse_stat(&stat).with_context(|| format!("unreadable /proc/{pid}/stat"))
}

/// [`cpu_seconds`] of `pid` and of every process started under it that is still running:
/// the server's own figure when it runs under a wrapper (`bench/perf-stat-serve.sh` runs it
/// as a child of `perf stat`, itself a child of the script), and the same figure as
/// [`cpu_seconds`] when it runs alone (it starts no processes).
pub fn tree_cpu_seconds(pid: &str) -> Result<f64> {
    let mut total = cpu_seconds(pid)?;
    for child in children(pid) {
        // A child that ended meanwhile has nothing more to count.
        total += tree_cpu_seconds(&child).unwrap_or(0.0);
    }
    Ok(total)
}

/// The pids of `pid`'s running children (`/proc/<pid>/task/<tid>/children`, every thread).
fn children(pid: &str) -> Vec<String> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    tasks
        .flatten()
        .filter_map(|task| std::fs::read_to_string(task.path().join("children")).ok())
        .flat_map(|list| {
            list.split_whitespace()
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The stat line's utime and stime (fields 14 and 15; the command name before them is in
/// parentheses and may hold spaces), in seconds.
fn parse_stat(stat: &str) -> Option<f64> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // After the name come field 3 (state) onwards: utime is field 14, so index 11.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) as f64 / ticks_per_second())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_utime_and_stime_after_a_name_with_spaces() {
        let line =
            "4242 (ferro door) S 1 4242 4242 0 -1 4194560 900 0 0 0 250 50 0 0 20 0 9 0 77 0 0";
        let expected = 300.0 / ticks_per_second();
        assert_eq!(parse_stat(line), Some(expected));
        assert_eq!(parse_stat("4242 (x) S 1"), None);
    }

    /// Waits (up to ten seconds of wall time, whatever else runs on the machine) until
    /// `grown` says the figure grew.
    fn grows(mut grown: impl FnMut() -> bool) -> bool {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::time::Instant::now() < deadline {
            if grown() {
                return true;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        false
    }

    #[test]
    fn a_tree_counts_the_cpu_of_a_running_child() {
        let mut child = std::process::Command::new("sh")
            .args(["-c", "while :; do :; done"])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let me = std::process::id().to_string();
        let (alone, tree) = (cpu_seconds(&me).unwrap(), tree_cpu_seconds(&me).unwrap());
        // What the tree gained beyond what this process used itself (reading /proc).
        let counted = grows(|| {
            let gained = tree_cpu_seconds(&me).unwrap() - tree;
            gained - (cpu_seconds(&me).unwrap() - alone) >= 0.05
        });
        let _ = child.kill();
        let _ = child.wait();
        assert!(counted, "the child's CPU time is not in the tree's");
    }

    #[test]
    fn own_cpu_time_grows_with_work() {
        let before = cpu_seconds("self").unwrap();
        let mut x = 0u64;
        let grown = grows(|| {
            for _ in 0..1_000_000 {
                x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
            }
            cpu_seconds("self").unwrap() - before >= 0.1
        });
        assert!(grown, "100 ms of work did not show in /proc/self/stat");
    }
}
