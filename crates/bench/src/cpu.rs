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

    #[test]
    fn own_cpu_time_grows_with_work() {
        let before = cpu_seconds("self").unwrap();
        let started = std::time::Instant::now();
        let mut x = 0u64;
        while started.elapsed() < std::time::Duration::from_millis(200) {
            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
        }
        assert!(cpu_seconds("self").unwrap() - before >= 0.1);
    }
}
