//! Runs every conformance vector file against the native engine: the shared set in
//! `../shared/conformance` (or `$MESHGUARD_SHARED_CONFORMANCE`), plus every directory
//! listed in `$MESHGUARD_CONFORMANCE_DIRS` (colon-separated).

use std::path::{Path, PathBuf};

use meshguard_policy::conformance::Suite;
use meshguard_policy::time::Timestamp;
use meshguard_policy::zone;

fn shared_dir() -> PathBuf {
    match std::env::var_os("MESHGUARD_SHARED_CONFORMANCE") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance"),
    }
}

fn vector_files() -> Vec<PathBuf> {
    let mut dirs = vec![shared_dir()];
    if let Some(extra) = std::env::var_os("MESHGUARD_CONFORMANCE_DIRS") {
        dirs.extend(std::env::split_paths(&extra).filter(|p| !p.as_os_str().is_empty()));
    }
    let mut files = Vec::new();
    for dir in dirs {
        let entries = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("cannot read conformance directory {}: {e}", dir.display()));
        let mut found: Vec<PathBuf> = entries
            .map(|e| e.expect("directory entry").path())
            .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
            .collect();
        assert!(!found.is_empty(), "no vector files in {}", dir.display());
        found.sort();
        files.extend(found);
    }
    files
}

#[test]
fn every_conformance_vector_passes_natively() {
    let files = vector_files();
    let mut failures = Vec::new();
    let mut cases = 0;
    for path in &files {
        let text = std::fs::read_to_string(path).expect("readable vector file");
        let suite = match Suite::parse(&path.display().to_string(), &text) {
            Ok(s) => s,
            Err(e) => {
                failures.push(format!("{e}"));
                continue;
            }
        };
        let report = suite.run(zone::default_provider(), Timestamp::now());
        cases += report.results.len();
        if report.failures().next().is_some() {
            failures.push(report.to_string());
        }
    }
    println!("{} files, {cases} cases and invalid documents", files.len());
    assert!(cases > 0, "no cases ran");
    assert!(
        failures.is_empty(),
        "conformance failures:\n{}",
        failures.join("\n")
    );
}
