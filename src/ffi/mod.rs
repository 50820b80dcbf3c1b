//! The layer every binding shares (after Cedar's `ffi`): plain functions over a
//! [`Session`] whose inputs and outputs are JSON text, but for policy texts, which
//! cross as strings of their own ([`PolicyText`]) so that the policy reader's size
//! guard sees a text before anything escapes or parses it. Each reads its arguments,
//! names the call and the path of anything wrong in the error, calls the session,
//! and writes the result. The WebAssembly binding only moves strings across; the
//! npm package's `MeshGuard` class, and the `meshguard` command built on it
//! (`pkg-templates/bin/meshguard.mjs`), reach the session through it.

pub mod conformance;
#[cfg(test)]
mod tests;

use serde::Serialize;
use serde_json::Value;

use crate::agent::Agent;
use crate::decision::Decision;
use crate::explain::Explanation;
use crate::json::{self, JsonError};
use crate::rate_limit::Spent;
use crate::session::{
    AuditQuery, CheckOptions, HandoffOptions, IssueConfig, ManualEntry, SessionConfig,
};
pub use crate::session::{
    DEFAULT_MAX_INPUT_BYTES, ErrorCode, Host, PolicyText, Session, SessionError,
};
use crate::time::Timestamp;

/// The size limit of the settings' JSON, which may carry whole policies.
const POLICY_TEXT_LIMIT: usize = 64 * 1024 * 1024;

/// The size limit of `issueAgentToken`'s arguments.
const TOKEN_ARGUMENT_LIMIT: usize = 64 * 1024;

/// Parses JSON `text` and reads it with `read`, naming `what` in the error.
fn parse<T>(
    text: &str,
    what: &str,
    max_bytes: usize,
    read: fn(Value) -> Result<T, JsonError>,
) -> Result<T, SessionError> {
    let value = parse_value(text, what, max_bytes)?;
    read(value).map_err(|e| invalid_input(what, &e))
}

/// The part of [`parse`] that does not depend on the type read.
fn parse_value(text: &str, what: &str, max_bytes: usize) -> Result<Value, SessionError> {
    if text.len() > max_bytes {
        return Err(SessionError::invalid(format!(
            "{what} is {} bytes, more than the limit of {max_bytes} bytes (maxInputBytes)",
            text.len()
        )));
    }
    json::parse(text).map_err(|e| invalid_input(what, &e))
}

fn invalid_input(what: &str, e: &JsonError) -> SessionError {
    SessionError::invalid(format!("{what}: {e}"))
}

fn to_json<T: Serialize>(value: &T) -> Result<String, SessionError> {
    serde_json::to_string(value)
        .map_err(|e| SessionError::invalid(format!("cannot serialize the result: {e}")))
}

/// An agent argument that may be `null` (or empty) for the session's agent.
fn optional_agent(
    session: &Session,
    text: &str,
    what: &str,
) -> Result<Option<Agent>, SessionError> {
    match text {
        "" | "null" => Ok(None),
        text => parse(text, what, session.max_input_bytes(), Agent::from_json).map(Some),
    }
}

/// A decision as bindings receive it, with the handoff chain and the explanation
/// where there are any.
fn decision_json(
    decision: &Decision,
    chain: Option<&[Agent]>,
    explanation: Option<&Explanation>,
) -> Result<String, SessionError> {
    let mut out = String::with_capacity(320);
    decision.write_json_fields(&mut out);
    if let Some(chain) = chain {
        out.push_str(",\"chain\":");
        out.push_str(&to_json(&chain)?);
    }
    if let Some(explanation) = explanation {
        out.push_str(",\"explanation\":");
        out.push_str(&to_json(explanation)?);
    }
    out.push('}');
    Ok(out)
}

/// A session from its settings (`new MeshGuard(options)`) and the policy texts given
/// beside them. The settings may carry `policies` themselves when `policies` is
/// empty; given both ways, they are refused.
pub fn new_session(
    config: &str,
    policies: Vec<PolicyText>,
    host: &Host,
) -> Result<Session, SessionError> {
    let mut config = parse(
        config,
        "MeshGuard options",
        POLICY_TEXT_LIMIT,
        SessionConfig::from_json,
    )?;
    if !policies.is_empty() {
        if !config.policies.is_empty() {
            return Err(SessionError::invalid(
                "MeshGuard options: policies are given both in the options and beside them",
            ));
        }
        config.policies = policies;
    }
    Session::new(config, host)
}

/// The options of a check or explain call, named `what` in errors.
fn check_options(
    session: &Session,
    options: &str,
    what: &str,
) -> Result<CheckOptions, SessionError> {
    parse(
        options,
        what,
        session.max_input_bytes(),
        CheckOptions::from_json,
    )
}

/// Decides a check and records it (`check(action, options)`).
pub fn check(
    session: &mut Session,
    action: &str,
    options: &str,
    now: Timestamp,
) -> Result<String, SessionError> {
    let opts = check_options(session, options, "check options")?;
    Ok(session.check(action, opts, now)?.to_json())
}

/// Decides a check and says how, recording nothing (`explain(action, options)`).
pub fn explain(
    session: &Session,
    action: &str,
    options: &str,
    now: Timestamp,
) -> Result<String, SessionError> {
    let opts = check_options(session, options, "explain options")?;
    let (decision, explanation) = session.explain(action, opts, now)?;
    decision_json(&decision, None, Some(&explanation))
}

/// The arguments of a handoff call: `from` is `null` for the session's agent.
fn handoff_args(
    session: &Session,
    from: &str,
    to: &str,
    options: &str,
) -> Result<(Option<Agent>, Agent, HandoffOptions), SessionError> {
    let from = optional_agent(session, from, "fromAgent")?;
    let to = parse(to, "toAgent", session.max_input_bytes(), Agent::from_json)?;
    let opts = parse(
        options,
        "handoff options",
        session.max_input_bytes(),
        HandoffOptions::from_json,
    )?;
    Ok((from, to, opts))
}

/// Decides a handoff and records it (`checkHandoff(from, to, options)`); the result
/// carries the chain the delegate's checks must bring.
pub fn check_handoff(
    session: &mut Session,
    from: &str,
    to: &str,
    options: &str,
    now: Timestamp,
) -> Result<String, SessionError> {
    let (from, to, opts) = handoff_args(session, from, to, options)?;
    let handoff = session.check_handoff(from, to, opts, now)?;
    decision_json(&handoff.decision, Some(&handoff.chain), None)
}

/// Decides a handoff and says how, recording nothing.
pub fn explain_handoff(
    session: &Session,
    from: &str,
    to: &str,
    options: &str,
    now: Timestamp,
) -> Result<String, SessionError> {
    let (from, to, opts) = handoff_args(session, from, to, options)?;
    let (handoff, explanation) = session.explain_handoff(from, to, opts, now)?;
    decision_json(&handoff.decision, Some(&handoff.chain), Some(&explanation))
}

/// Replaces every policy, or changes nothing on error; returns the warnings.
pub fn load_policies(
    session: &mut Session,
    policies: &[PolicyText],
) -> Result<String, SessionError> {
    to_json(&session.load_policies(policies)?)
}

/// The warnings of the policies in force.
pub fn warnings(session: &Session) -> Result<String, SessionError> {
    to_json(&session.engine().policies().warnings())
}

/// Every rule of the policies in force, in load order.
pub fn rules(session: &Session) -> Result<String, SessionError> {
    to_json(&session.engine().policies().rule_listing())
}

/// The default agent (`null` when none is set).
pub fn agent(session: &Session) -> String {
    to_json(&session.agent()).unwrap_or_else(|_| "null".into())
}

/// Whether the agent (`null` for the session's) may spend rate-limit budget.
pub fn rate_limits(session: &Session, agent: &str) -> Result<bool, SessionError> {
    let agent = optional_agent(session, agent, "agent")?;
    session.rate_limits(agent.as_ref())
}

/// The rate-limit budget spent in the hour up to `now`.
pub fn rate_limits_spent(session: &Session, now: Timestamp) -> String {
    let mut out = String::new();
    Spent::write_list(&session.engine().rate_limits_spent(now), &mut out);
    out
}

/// Adds budget spent before (what [`rate_limits_spent`] gave), or nothing on error.
pub fn restore_rate_limits(session: &Session, spent: &str) -> Result<(), SessionError> {
    let spent = parse(
        spent,
        "rate-limit state",
        session.max_input_bytes(),
        json::read::<Vec<Spent>>,
    )?;
    session.restore_rate_limits(&spent)
}

/// Records a manual entry (`auditLog(entry)`) and returns it.
pub fn audit_log(
    session: &mut Session,
    entry: &str,
    now: Timestamp,
) -> Result<String, SessionError> {
    let m = parse(
        entry,
        "audit entry",
        session.max_input_bytes(),
        ManualEntry::from_json,
    )?;
    Ok(session.audit_log(m, now)?.to_json_line())
}

/// Entries matching a query, newest first, as an array.
pub fn audit_query(session: &Session, query: &str) -> Result<String, SessionError> {
    let q = parse(
        query,
        "audit query",
        session.max_input_bytes(),
        AuditQuery::from_json,
    )?;
    let lines: Vec<String> = session
        .audit_query(q)?
        .iter()
        .map(|e| e.to_json_line())
        .collect();
    Ok(format!("[{}]", lines.join(",")))
}

/// Counts of the audit trail.
pub fn audit_stats(session: &Session) -> Result<String, SessionError> {
    to_json(&session.audit()?.stats())
}

/// The audit trail as JSON Lines, oldest first.
pub fn export_audit(session: &Session) -> Result<String, SessionError> {
    Ok(session.audit()?.export_jsonl())
}

/// The audit entries recorded since the last call, as an array (for a sink).
pub fn take_pending(session: &mut Session) -> String {
    let lines: Vec<String> = session
        .take_pending()
        .iter()
        .map(|e| e.to_json_line())
        .collect();
    format!("[{}]", lines.join(","))
}

/// Verifies an agent token with the session's `verify` settings; returns the agent.
pub fn verify_agent_token(
    session: &Session,
    token: &str,
    now: Timestamp,
) -> Result<String, SessionError> {
    to_json(&session.verify_agent_token(token, now)?)
}

/// Issues an agent token (`issueAgentToken(agent, options)`).
pub fn issue_agent_token(
    agent: &str,
    options: &str,
    now: Timestamp,
) -> Result<String, SessionError> {
    let agent = parse(agent, "agent", TOKEN_ARGUMENT_LIMIT, Agent::from_json)?;
    let cfg = parse(
        options,
        "token options",
        TOKEN_ARGUMENT_LIMIT,
        IssueConfig::from_json,
    )?;
    crate::session::issue_agent_token(&agent, &cfg, now)
}

/// Verifies an exported audit trail (JSON Lines), returning the verdict.
pub fn verify_audit(jsonl: &str) -> String {
    serde_json::to_string(&crate::audit::verify_jsonl(jsonl))
        .unwrap_or_else(|_| r#"{"ok":false,"entries":0,"problem":"unreportable"}"#.to_owned())
}
