//! The examples of the language reference (`docs/`) hold: every `yaml` block is a
//! policy text that loads, or, when it has top-level `cases:` or `invalid:`, a test
//! file whose cases pass; every `json` block that has `"rules"` is a policy text
//! that loads.

use std::path::Path;

use meshguard_policy::conformance::Suite;
use meshguard_policy::engine::Engine;
use meshguard_policy::policy::Source;
use meshguard_policy::time::Timestamp;
use meshguard_policy::zone;

/// The fenced blocks of a Markdown text: (info string, first line number, body).
fn blocks(text: &str) -> Vec<(String, usize, String)> {
    let mut out = Vec::new();
    let mut open: Option<(String, usize, String)> = None;
    for (i, line) in text.lines().enumerate() {
        match (&mut open, line.strip_prefix("```")) {
            (None, Some(info)) => open = Some((info.trim().to_owned(), i + 2, String::new())),
            (Some(_), Some("")) => out.extend(open.take()),
            (Some((_, _, body)), _) => {
                body.push_str(line);
                body.push('\n');
            }
            (None, None) => {}
        }
    }
    assert!(open.is_none(), "an unclosed code block");
    out
}

#[test]
fn every_policy_and_test_file_in_the_docs_holds() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
    let mut checked = 0;
    let mut failures = Vec::new();
    let mut pages: Vec<_> = std::fs::read_dir(&dir)
        .expect("docs/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    pages.sort();
    for page in pages {
        let text = std::fs::read_to_string(&page).expect("readable page");
        for (info, line, body) in blocks(&text) {
            let at = format!("{}:{line}", page.display());
            let is_suite = body
                .lines()
                .any(|l| l.starts_with("cases:") || l.starts_with("invalid:"));
            let outcome = match info.as_str() {
                "yaml" if is_suite => match Suite::parse(&at, &body) {
                    Err(e) => Err(e.to_string()),
                    Ok(suite) => {
                        let report = suite.run(zone::default_provider(), Timestamp::now());
                        match report.failures().next() {
                            None => Ok(()),
                            Some(_) => Err(report.to_string()),
                        }
                    }
                },
                "yaml" => load(&at, &body),
                "json" if body.contains("\"rules\"") => load(&at, &body),
                _ => continue,
            };
            checked += 1;
            if let Err(e) = outcome {
                failures.push(e);
            }
        }
    }
    assert!(checked >= 20, "only {checked} examples found");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn load(name: &str, text: &str) -> Result<(), String> {
    Engine::default()
        .load(&[Source { name, text }])
        .map(|_| ())
        .map_err(|e| e.to_string())
}
