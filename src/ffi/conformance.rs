//! Conformance files for bindings that run the cases through their own API: the file
//! is read here, the binding decides each case, and the verdicts come from here.

pub use crate::conformance::Suite;
use crate::conformance::{Observed, ObservedError};

use super::SessionError;

/// Reads a conformance test file.
pub fn read_suite(file: &str, text: &str) -> Result<Suite, SessionError> {
    Suite::parse(file, text).map_err(|e| SessionError::invalid(e.to_string()))
}

/// The file as JSON: options, policy texts, cases with agents resolved, invalid documents.
pub fn suite_json(suite: &Suite) -> String {
    serde_json::to_string(suite).unwrap_or_else(|_| "null".into())
}

/// `None` when case `index` passed with the decision `observed` (JSON); else why not.
pub fn verify_case(suite: &Suite, index: usize, observed: &str) -> Option<String> {
    let Some(case) = suite.cases.get(index) else {
        return Some(format!("there is no case {index}"));
    };
    match Observed::parse(observed) {
        Ok(o) => case.expect.verify(&o).err(),
        Err(e) => Some(format!("unreadable decision: {e}")),
    }
}

/// `None` when invalid document `index` failed with the error `observed` (JSON); else
/// why not.
pub fn verify_invalid(suite: &Suite, index: usize, observed: &str) -> Option<String> {
    let Some(doc) = suite.invalid.get(index) else {
        return Some(format!("there is no invalid document {index}"));
    };
    match ObservedError::parse(observed) {
        Ok(o) => doc.expect_error.verify(&o).err(),
        Err(e) => Some(format!("unreadable error: {e}")),
    }
}
