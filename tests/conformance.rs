//! Runs conformance vector files against the native engine: the repository's own
//! set in `tests/vectors/` always; the shared set when it is present (required when
//! `CI` is set); and every directory listed in `$MESHGUARD_CONFORMANCE_DIRS`
//! (colon-separated). Also checks that the runner reports a wrong expectation.

use std::path::{Path, PathBuf};

use meshguard_policy::conformance::{Report, Suite};
use meshguard_policy::time::Timestamp;
use meshguard_policy::zone;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The shared vectors: `$MESHGUARD_SHARED_CONFORMANCE`, else `../shared/conformance`
/// beside the repository when it exists. A clone on its own has none; CI must.
fn shared_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("MESHGUARD_SHARED_CONFORMANCE") {
        Some(dir) if !dir.is_empty() => return Some(PathBuf::from(dir)),
        _ => root().join("../shared/conformance"),
    };
    if dir.is_dir() {
        return Some(dir);
    }
    let ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty());
    assert!(
        !ci,
        "CI is set, so the shared conformance vectors are required, but {} does not exist (set MESHGUARD_SHARED_CONFORMANCE)",
        dir.display()
    );
    eprintln!(
        "shared conformance vectors not found at {}: skipped",
        dir.display()
    );
    None
}

fn vector_files() -> Vec<PathBuf> {
    let mut dirs = vec![root().join("tests/vectors")];
    dirs.extend(shared_dir());
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

/// Parses and runs one vector file, as `cargo test` and users' own suites do.
fn run_file(path: &Path) -> Result<Report, String> {
    let text = std::fs::read_to_string(path).expect("readable vector file");
    let suite = Suite::parse(&path.display().to_string(), &text).map_err(|e| e.to_string())?;
    Ok(suite.run(zone::default_provider(), Timestamp::now()))
}

#[test]
fn every_conformance_vector_passes_natively() {
    let files = vector_files();
    let mut failures = Vec::new();
    let mut cases = 0;
    for path in &files {
        match run_file(path) {
            Err(e) => failures.push(e),
            Ok(report) => {
                cases += report.results.len();
                if report.failures().next().is_some() {
                    failures.push(report.to_string());
                }
            }
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

#[test]
fn the_runner_reports_a_vector_file_with_wrong_expectations_as_failing() {
    let report = run_file(&root().join("tests/fixtures/wrong-expectations.yaml"))
        .expect("the file itself is well formed");
    let failed: Vec<(&str, &str)> = report
        .failures()
        .map(|r| (r.name.as_str(), r.failure.as_deref().unwrap_or("")))
        .collect();
    assert_eq!(report.results.len(), 4, "{report}");
    assert_eq!(
        failed.iter().map(|f| f.0).collect::<Vec<_>>(),
        [
            "a refund of 50 is wrongly expected to be denied",
            "a refund of 150 is wrongly expected to name rule small",
            "a document that loads is wrongly expected to be refused",
        ],
        "{report}"
    );
    assert!(
        failed[0].1.contains("decision allow (expected deny)"),
        "{}",
        failed[0].1
    );
    assert!(
        failed[1].1.contains("rule large (expected small)"),
        "{}",
        failed[1].1
    );
    assert!(failed[2].1.contains("must be refused"), "{}", failed[2].1);
    assert!(
        report.to_string().contains("1 passed, 3 failed"),
        "{report}"
    );
}
