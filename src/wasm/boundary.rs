//! The same calls with serde-wasm-bindgen at the boundary in place of JSON text, for
//! `benches/js/boundary.mjs` only (cargo feature `boundary-bench`, never in the
//! package): options in as a JavaScript object, and decisions, explanations and
//! audit entries out as JavaScript objects of the shape the JSON path gives.

use serde::Serialize;
use serde_json::{Map, Value};
use wasm_bindgen::prelude::*;

use super::{Core, at, thrown};
use crate::audit::Entry;
use crate::decision::{Decision, Effect, Mode};
use crate::explain::Explanation;
use crate::ffi::SessionError;
use crate::json::{self, JsonError};
use crate::session::{AuditQuery, CheckOptions};

/// A decision as the JSON path writes it (docs/decisions.md).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DecisionOut<'a> {
    allowed: bool,
    decision: Effect,
    action: &'a str,
    agent_id: &'a str,
    policy: Option<&'a str>,
    rule: Option<&'a str>,
    reason: &'a str,
    trace_id: &'a str,
    mode: Mode,
    enforced: bool,
    timestamp: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    explanation: Option<&'a Explanation>,
}

impl<'a> DecisionOut<'a> {
    fn new(d: &'a Decision, explanation: Option<&'a Explanation>) -> Self {
        DecisionOut {
            allowed: d.allowed,
            decision: d.decision,
            action: &d.action,
            agent_id: &d.agent_id,
            policy: d.policy.as_deref(),
            rule: d.rule.as_deref(),
            reason: &d.reason,
            trace_id: &d.trace_id,
            mode: d.mode,
            enforced: d.enforced,
            timestamp: d.timestamp.to_string(),
            explanation,
        }
    }
}

/// An audit entry as the JSON path writes it (docs/audit.md).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EntryOut<'a> {
    id: &'a str,
    seq: u64,
    timestamp: String,
    agent_id: &'a str,
    agent_name: &'a str,
    action: &'a str,
    resource: Option<&'a str>,
    decision: Effect,
    policy: Option<&'a str>,
    rule: Option<&'a str>,
    reason: &'a str,
    trace_id: &'a str,
    metadata: &'a Map<String, Value>,
    prev_hash: String,
    hash: String,
}

impl<'a> EntryOut<'a> {
    fn new(e: &'a Entry) -> Self {
        EntryOut {
            id: &e.id,
            seq: e.seq,
            timestamp: e.timestamp.to_string(),
            agent_id: &e.agent_id,
            agent_name: &e.agent_name,
            action: &e.action,
            resource: e.resource.as_deref(),
            decision: e.decision,
            policy: e.policy.as_deref(),
            rule: e.rule.as_deref(),
            reason: &e.reason,
            trace_id: &e.trace_id,
            metadata: &e.metadata,
            prev_hash: e.prev_hash.to_string(),
            hash: e.hash.to_string(),
        }
    }
}

/// Plain objects, `null` for `None`: what `JSON.parse` of the JSON path gives.
fn out<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| thrown(SessionError::invalid(e.to_string())))
}

fn invalid(what: &str, e: impl std::fmt::Display) -> JsValue {
    thrown(SessionError::invalid(format!("{what}: {e}")))
}

/// A JavaScript object read as the JSON path reads the same object's text.
fn read<T>(
    value: JsValue,
    what: &str,
    read: fn(Value) -> Result<T, JsonError>,
) -> Result<T, JsValue> {
    let value: Value = serde_wasm_bindgen::from_value(value).map_err(|e| invalid(what, e))?;
    read(value).map_err(|e| invalid(what, e))
}

/// JSON text read as the JSON path reads it.
fn read_text<T>(
    text: &str,
    what: &str,
    read: fn(Value) -> Result<T, JsonError>,
) -> Result<T, JsValue> {
    read(json::parse(text).map_err(|e| invalid(what, e))?).map_err(|e| invalid(what, e))
}

#[wasm_bindgen]
impl Core {
    /// `check` with the options as an object (the decision as JSON text).
    #[wasm_bindgen(js_name = checkObjectIn)]
    pub fn check_object_in(
        &mut self,
        action: &str,
        options: JsValue,
        now_ms: f64,
    ) -> Result<String, JsValue> {
        let opts = read(options, "check options", CheckOptions::from_json)?;
        let d = self
            .session
            .check(action, opts, at(now_ms)?)
            .map_err(thrown)?;
        Ok(d.to_json())
    }

    /// `check` with the decision as an object (the options as JSON text).
    #[wasm_bindgen(js_name = checkObjectOut)]
    pub fn check_object_out(
        &mut self,
        action: &str,
        options: &str,
        now_ms: f64,
    ) -> Result<JsValue, JsValue> {
        let opts = read_text(options, "check options", CheckOptions::from_json)?;
        let d = self
            .session
            .check(action, opts, at(now_ms)?)
            .map_err(thrown)?;
        out(&DecisionOut::new(&d, None))
    }

    /// `explain` with the decision and its explanation as an object.
    #[wasm_bindgen(js_name = explainObjectOut)]
    pub fn explain_object_out(
        &self,
        action: &str,
        options: &str,
        now_ms: f64,
    ) -> Result<JsValue, JsValue> {
        let opts = read_text(options, "explain options", CheckOptions::from_json)?;
        let (d, e) = self
            .session
            .explain(action, opts, at(now_ms)?)
            .map_err(thrown)?;
        out(&DecisionOut::new(&d, Some(&e)))
    }

    /// `auditQuery` with the entries as an array of objects.
    #[wasm_bindgen(js_name = auditQueryObjectOut)]
    pub fn audit_query_object_out(&self, query: &str) -> Result<JsValue, JsValue> {
        let q = read_text(query, "audit query", AuditQuery::from_json)?;
        let entries = self.session.audit_query(q).map_err(thrown)?;
        let views: Vec<EntryOut<'_>> = entries.into_iter().map(EntryOut::new).collect();
        out(&views)
    }
}
