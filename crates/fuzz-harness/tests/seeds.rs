//! Replays the committed seed corpus (`fuzz/seeds/<target>/`) through the fuzz harnesses, so
//! `cargo test` on stable catches a regression the fuzzers once covered, without nightly.

use std::path::Path;

#[test]
fn committed_seeds_pass_every_harness() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/seeds");
    let mut replayed = 0;
    for (name, harness) in ferrodoor_fuzz_harness::TARGETS {
        let dir = root.join(name);
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let mut count = 0;
        for entry in entries {
            let path = entry.expect("readable directory").path();
            let data = std::fs::read(&path).expect("readable seed");
            harness(&data);
            count += 1;
        }
        assert!(count > 0, "no seeds for {name} in {}", dir.display());
        replayed += count;
    }
    assert!(replayed >= ferrodoor_fuzz_harness::TARGETS.len());
}
