//! The WebAssembly binding: converts and forwards to [`crate::ffi`], nothing more.
//! Inputs and outputs are JSON strings, but for policy texts, which cross as arrays
//! of names and texts; errors are thrown as the JSON of a
//! [`SessionError`], which the JavaScript wrapper turns into `Error` subclasses.

#[cfg(feature = "boundary-bench")]
mod boundary;
mod zones;

use std::sync::Arc;

use wasm_bindgen::prelude::*;

use crate::ffi::conformance::Suite;
use crate::ffi::{self, Host, PolicyText, Session, SessionError};
use crate::time::Timestamp;

fn thrown(e: SessionError) -> JsValue {
    JsValue::from_str(&e.to_json())
}

fn at(now_ms: f64) -> Result<Timestamp, JsValue> {
    Timestamp::from_millis_f64(now_ms).ok_or_else(|| {
        thrown(SessionError::invalid(format!(
            "the host clock gave {now_ms}, not a time"
        )))
    })
}

/// Policy texts from their names and texts, which cross as arrays of strings.
fn policies(names: Vec<String>, texts: Vec<String>) -> Result<Vec<PolicyText>, JsValue> {
    if names.len() != texts.len() {
        return Err(thrown(SessionError::invalid(format!(
            "{} policy names for {} policy texts",
            names.len(),
            texts.len()
        ))));
    }
    Ok(names
        .into_iter()
        .zip(texts)
        .map(|(name, text)| PolicyText::Named { name, text })
        .collect())
}

/// The first 8 bytes of `random`, zero-padded.
fn seed(random: &[u8]) -> [u8; 8] {
    let mut seed = [0u8; 8];
    for (s, r) in seed.iter_mut().zip(random) {
        *s = *r;
    }
    seed
}

/// One governed session (the state behind a JavaScript `MeshGuard`).
#[wasm_bindgen]
pub struct Core {
    session: Session,
}

#[wasm_bindgen]
impl Core {
    #[wasm_bindgen(constructor)]
    pub fn new(
        config: &str,
        policy_names: Vec<String>,
        policy_texts: Vec<String>,
        now_ms: f64,
        random: &[u8],
    ) -> Result<Core, JsValue> {
        let policies = policies(policy_names, policy_texts)?;
        let host = Host {
            zones: Arc::new(zones::IntlZones),
            now: at(now_ms)?,
            random: seed(random),
        };
        ffi::new_session(config, policies, &host)
            .map(|session| Core { session })
            .map_err(thrown)
    }

    pub fn check(&mut self, action: &str, options: &str, now_ms: f64) -> Result<String, JsValue> {
        ffi::check(&mut self.session, action, options, at(now_ms)?).map_err(thrown)
    }

    pub fn explain(&self, action: &str, options: &str, now_ms: f64) -> Result<String, JsValue> {
        ffi::explain(&self.session, action, options, at(now_ms)?).map_err(thrown)
    }

    #[wasm_bindgen(js_name = checkHandoff)]
    pub fn check_handoff(
        &mut self,
        from: &str,
        to: &str,
        options: &str,
        now_ms: f64,
    ) -> Result<String, JsValue> {
        ffi::check_handoff(&mut self.session, from, to, options, at(now_ms)?).map_err(thrown)
    }

    #[wasm_bindgen(js_name = explainHandoff)]
    pub fn explain_handoff(
        &self,
        from: &str,
        to: &str,
        options: &str,
        now_ms: f64,
    ) -> Result<String, JsValue> {
        ffi::explain_handoff(&self.session, from, to, options, at(now_ms)?).map_err(thrown)
    }

    #[wasm_bindgen(js_name = loadPolicies)]
    pub fn load_policies(
        &mut self,
        policy_names: Vec<String>,
        policy_texts: Vec<String>,
    ) -> Result<String, JsValue> {
        let policies = policies(policy_names, policy_texts)?;
        ffi::load_policies(&mut self.session, &policies).map_err(thrown)
    }

    pub fn warnings(&self) -> Result<String, JsValue> {
        ffi::warnings(&self.session).map_err(thrown)
    }

    pub fn rules(&self) -> Result<String, JsValue> {
        ffi::rules(&self.session).map_err(thrown)
    }

    #[wasm_bindgen(js_name = verifyAgentToken)]
    pub fn verify_agent_token(&self, token: &str, now_ms: f64) -> Result<String, JsValue> {
        ffi::verify_agent_token(&self.session, token, at(now_ms)?).map_err(thrown)
    }

    /// The default agent as JSON (`null` when none is set).
    pub fn agent(&self) -> String {
        ffi::agent(&self.session)
    }

    #[wasm_bindgen(js_name = traceId)]
    pub fn trace_id(&self) -> String {
        self.session.trace_id().to_owned()
    }

    #[wasm_bindgen(js_name = auditLog)]
    pub fn audit_log(&mut self, entry: &str, now_ms: f64) -> Result<String, JsValue> {
        ffi::audit_log(&mut self.session, entry, at(now_ms)?).map_err(thrown)
    }

    #[wasm_bindgen(js_name = auditQuery)]
    pub fn audit_query(&self, query: &str) -> Result<String, JsValue> {
        ffi::audit_query(&self.session, query).map_err(thrown)
    }

    #[wasm_bindgen(js_name = auditStats)]
    pub fn audit_stats(&self) -> Result<String, JsValue> {
        ffi::audit_stats(&self.session).map_err(thrown)
    }

    #[wasm_bindgen(js_name = exportAudit)]
    pub fn export_audit(&self) -> Result<String, JsValue> {
        ffi::export_audit(&self.session).map_err(thrown)
    }

    /// Draws the session's ids from `random` (see [`Session::reseed`]).
    pub fn reseed(&mut self, random: &[u8]) {
        self.session.reseed(seed(random));
    }

    #[wasm_bindgen(js_name = rateLimits)]
    pub fn rate_limits(&self, agent: &str) -> Result<bool, JsValue> {
        ffi::rate_limits(&self.session, agent).map_err(thrown)
    }

    #[wasm_bindgen(js_name = rateLimitsSpent)]
    pub fn rate_limits_spent(&self, now_ms: f64) -> Result<String, JsValue> {
        Ok(ffi::rate_limits_spent(&self.session, at(now_ms)?))
    }

    #[wasm_bindgen(js_name = restoreRateLimits)]
    pub fn restore_rate_limits(&self, spent: &str) -> Result<(), JsValue> {
        ffi::restore_rate_limits(&self.session, spent).map_err(thrown)
    }

    #[wasm_bindgen(js_name = setSink)]
    pub fn set_sink(&mut self, on: bool) {
        self.session.set_sink(on);
    }

    #[wasm_bindgen(js_name = takePending)]
    pub fn take_pending(&mut self) -> String {
        ffi::take_pending(&mut self.session)
    }
}

#[wasm_bindgen(js_name = issueAgentToken)]
pub fn issue_agent_token(agent: &str, options: &str, now_ms: f64) -> Result<String, JsValue> {
    ffi::issue_agent_token(agent, options, at(now_ms)?).map_err(thrown)
}

#[wasm_bindgen(js_name = verifyAudit)]
pub fn verify_audit(jsonl: &str) -> String {
    ffi::verify_audit(jsonl)
}

/// A conformance test file, parsed; the JavaScript runner drives the public API with
/// its cases and asks this object for the verdicts.
#[wasm_bindgen]
pub struct ConformanceSuite {
    suite: Suite,
}

#[wasm_bindgen]
impl ConformanceSuite {
    #[wasm_bindgen(constructor)]
    pub fn new(file: &str, text: &str) -> Result<ConformanceSuite, JsValue> {
        ffi::conformance::read_suite(file, text)
            .map(|suite| ConformanceSuite { suite })
            .map_err(thrown)
    }

    /// The file as JSON: options, policy texts, cases with agents resolved, invalid documents.
    #[wasm_bindgen(js_name = toJSON)]
    pub fn to_json(&self) -> String {
        ffi::conformance::suite_json(&self.suite)
    }

    /// `undefined` when case `index` passed with the decision `observed` (JSON).
    #[wasm_bindgen(js_name = verifyCase)]
    pub fn verify_case(&self, index: usize, observed: &str) -> Option<String> {
        ffi::conformance::verify_case(&self.suite, index, observed)
    }

    /// `undefined` when invalid document `index` failed with the error `observed` (JSON).
    #[wasm_bindgen(js_name = verifyInvalid)]
    pub fn verify_invalid(&self, index: usize, observed: &str) -> Option<String> {
        ffi::conformance::verify_invalid(&self.suite, index, observed)
    }
}
