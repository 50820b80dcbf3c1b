//! A governed session: the engine, the default agent, token verification and the
//! audit trail together, behind calls that take and return JSON. This is what the
//! JavaScript `MeshGuard` class and the command-line tool drive.

use std::sync::Arc;

use base64::Engine as _;
use serde::Serialize;
use serde_json::{Map, Value};

use super::error::FfiError;
use super::options::{
    AuditQuery, AuditSettings, CheckOptions, HandoffOptions, IssueConfig, ManualEntry, PolicyText,
    SessionConfig, VerifyConfig, When,
};
use crate::agent::Agent;
use crate::audit::{AuditConfig, AuditLog, EntryDraft, Query};
use crate::decision::{Decision, Effect, Mode};
use crate::engine::{Engine, EngineOptions, HandoffRequest, Request};
use crate::explain::Explanation;
use crate::identity::{self, IssueOptions, SigningKey, VerifyKey, VerifyOptions};
use crate::json::{self, JsonError};
use crate::pattern::Pattern;
use crate::policy::{Diagnostic, PolicySet, Source};
use crate::rate_limit::Spent;
use crate::time::Timestamp;
use crate::zone::ZoneProvider;

/// The default limit on one call's options text (context included).
pub const DEFAULT_MAX_INPUT_BYTES: usize = 1024 * 1024;

/// What the host supplies: time zones, the time, and a few random bytes (the core
/// has no clock and no random source of its own).
pub struct Host {
    pub zones: Arc<dyn ZoneProvider>,
    pub now: Timestamp,
    /// Makes the session's trace and audit ids unique. A host that may not draw
    /// random values yet passes anything and calls [`Session::reseed`] later.
    pub random: [u8; 8],
}

/// A governed session.
pub struct Session {
    engine: Engine,
    audit: Option<AuditLog>,
    agent: Option<Agent>,
    trace_id: Arc<str>,
    /// The trace id was made from the host's random bytes (not given in the settings).
    trace_id_drawn: bool,
    verify: Option<VerifyOptions>,
    max_input_bytes: usize,
    /// Entries not yet handed to the binding's sink, as JSON, when a sink is set.
    pending: Option<Vec<String>>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Parses JSON `text` and reads it with `read`, naming `what` in the error.
fn parse<T>(
    text: &str,
    what: &str,
    max_bytes: usize,
    read: fn(Value) -> Result<T, JsonError>,
) -> Result<T, FfiError> {
    let value = parse_value(text, what, max_bytes)?;
    read(value).map_err(|e| invalid_input(what, &e))
}

/// The part of [`parse`] that does not depend on the type read.
fn parse_value(text: &str, what: &str, max_bytes: usize) -> Result<Value, FfiError> {
    if text.len() > max_bytes {
        return Err(FfiError::invalid(format!(
            "{what} is {} bytes, more than the limit of {max_bytes} bytes (maxInputBytes)",
            text.len()
        )));
    }
    json::parse(text).map_err(|e| invalid_input(what, &e))
}

fn invalid_input(what: &str, e: &JsonError) -> FfiError {
    FfiError::invalid(format!("{what}: {e}"))
}

fn to_json<T: Serialize>(value: &T) -> Result<String, FfiError> {
    serde_json::to_string(value)
        .map_err(|e| FfiError::invalid(format!("cannot serialize the result: {e}")))
}

fn resolve(when: Option<&When>, default: Timestamp) -> Result<Timestamp, FfiError> {
    when.map_or(Ok(default), |w| w.resolve().map_err(FfiError::invalid))
}

fn secret_bytes(
    text: &Option<String>,
    base64url: &Option<String>,
) -> Result<Option<Vec<u8>>, FfiError> {
    match (text, base64url) {
        (Some(_), Some(_)) => Err(FfiError::invalid(
            "give secret or secretBase64url, not both",
        )),
        (Some(t), None) => Ok(Some(t.as_bytes().to_vec())),
        (None, Some(b)) => base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(b.trim_end_matches('='))
            .map(Some)
            .map_err(|e| FfiError::invalid(format!("secretBase64url: {e}"))),
        (None, None) => Ok(None),
    }
}

/// A key given as a JSON text or as a JWK object.
fn key_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn verify_options(v: &VerifyConfig) -> Result<VerifyOptions, FfiError> {
    let secret = secret_bytes(&v.secret, &v.secret_base64url)?;
    let key = match (secret, &v.public_key) {
        (Some(s), None) => VerifyKey::hs256(&s)?,
        (None, Some(k)) => VerifyKey::parse_public_key(&key_text(k))?,
        _ => {
            return Err(FfiError::invalid(
                "verify needs exactly one of secret or publicKey",
            ));
        }
    };
    let mut opts = VerifyOptions::new(key);
    if let Some(issuer) = &v.issuer {
        opts = opts.with_issuer(issuer);
    }
    if let Some(leeway) = v.leeway_seconds {
        opts = opts.with_leeway(leeway);
    }
    Ok(opts)
}

fn sources(policies: &[PolicyText]) -> (Vec<String>, Vec<&str>) {
    let names = policies
        .iter()
        .enumerate()
        .map(|(i, p)| match p {
            PolicyText::Named { name, .. } => name.clone(),
            PolicyText::Text(_) => format!("policies[{i}]"),
        })
        .collect();
    let texts = policies
        .iter()
        .map(|p| match p {
            PolicyText::Text(t) | PolicyText::Named { text: t, .. } => t.as_str(),
        })
        .collect();
    (names, texts)
}

fn parse_effect(text: &str) -> Result<Effect, FfiError> {
    match text {
        "allowed" => Ok(Effect::Allow),
        "denied" => Ok(Effect::Deny),
        other => other.parse().map_err(|()| {
            FfiError::invalid(format!(
                "decision '{other}': expected allow, deny or require_approval"
            ))
        }),
    }
}

/// A check call's inputs, read and owned.
struct CheckCall {
    opts: CheckOptions,
    setting: Setting,
}

/// A handoff call's inputs, read and owned.
struct HandoffCall {
    from: Option<Agent>,
    to: Agent,
    opts: HandoffOptions,
    setting: Setting,
}

/// What every decision call brings besides who and what: the time, the trace id,
/// and the context (taken out of the options).
struct Setting {
    now: Timestamp,
    trace: Option<Arc<str>>,
    context: Value,
}

impl Setting {
    fn read(
        now: Option<&When>,
        trace_id: Option<&str>,
        context: &mut Option<Map<String, Value>>,
        host_now: Timestamp,
    ) -> Result<Setting, FfiError> {
        Ok(Setting {
            now: resolve(now, host_now)?,
            trace: trace_id.map(Arc::from),
            context: Value::Object(context.take().unwrap_or_default()),
        })
    }
}

/// A decision as bindings receive it, with the handoff chain and the explanation
/// where there are any.
fn decision_json(
    decision: &Decision,
    chain: Option<&[Agent]>,
    explanation: Option<&Explanation>,
) -> Result<String, FfiError> {
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

impl Session {
    /// A session from its settings. Everything is checked before anything is kept.
    pub fn new(config: SessionConfig, host: &Host) -> Result<Session, FfiError> {
        let mode: Mode = match &config.mode {
            Some(m) => m.parse().map_err(FfiError::invalid)?,
            None => Mode::Enforce,
        };
        let defaults = EngineOptions::default();
        let options = EngineOptions {
            mode,
            max_delegation_depth: config
                .max_delegation_depth
                .unwrap_or(defaults.max_delegation_depth),
        };
        let mut engine = Engine::new(options).with_zones(host.zones.clone());
        let (names, texts) = sources(&config.policies);
        let srcs: Vec<Source<'_>> = names
            .iter()
            .zip(&texts)
            .map(|(name, text)| Source { name, text })
            .collect();
        engine.replace(PolicySet::parse(&srcs, engine.zones())?);

        let verify = config.verify.as_ref().map(verify_options).transpose()?;
        let agent = match (config.agent, &config.agent_token) {
            (Some(_), Some(_)) => {
                return Err(FfiError::invalid("give agent or agentToken, not both"));
            }
            (Some(a), None) => Some(a),
            (None, Some(token)) => {
                let v = verify.as_ref().ok_or_else(|| {
                    FfiError::invalid("agentToken needs verify: { secret } or { publicKey }")
                })?;
                Some(identity::verify_agent_token(token, v, host.now)?.agent)
            }
            (None, None) => None,
        };
        let id = hex(&host.random);
        let audit = match config.audit {
            Some(AuditSettings::Enabled(false)) => None,
            Some(AuditSettings::Enabled(true)) | None => Some(AuditLog::new(AuditConfig {
                id_prefix: id.clone(),
                ..AuditConfig::default()
            })?),
            Some(AuditSettings::Settings(s)) => Some(AuditLog::new(AuditConfig {
                capacity: s.capacity.unwrap_or(AuditConfig::DEFAULT_CAPACITY),
                redact: s.redact,
                id_prefix: id.clone(),
            })?),
        };
        Ok(Session {
            engine,
            audit,
            agent,
            trace_id_drawn: config.trace_id.is_none(),
            trace_id: Arc::from(config.trace_id.unwrap_or_else(|| format!("mg-{id}"))),
            verify,
            max_input_bytes: config.max_input_bytes.unwrap_or(DEFAULT_MAX_INPUT_BYTES),
            pending: None,
        })
    }

    /// A session from its settings as JSON text.
    pub fn from_json(config: &str, host: &Host) -> Result<Session, FfiError> {
        // Settings carry whole policy texts, so they get the policy size limit.
        let config = parse(
            config,
            "MeshGuard options",
            64 * 1024 * 1024,
            SessionConfig::from_json,
        )?;
        Session::new(config, host)
    }

    /// The engine (for callers that need more than JSON).
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The default agent, if one is set.
    pub fn agent(&self) -> Option<&Agent> {
        self.agent.as_ref()
    }

    /// The trace id of checks that bring none.
    pub fn trace_id(&self) -> &str {
        &self.trace_id
    }

    /// Draws the session's own ids again from `random`: the default trace id (unless
    /// the settings gave one) and the prefix of audit entry ids. For hosts that may
    /// not draw random values when the session is made (a Cloudflare Worker's module
    /// scope): they call this before the first decision.
    pub fn reseed(&mut self, random: [u8; 8]) {
        let id = hex(&random);
        if self.trace_id_drawn {
            self.trace_id = Arc::from(format!("mg-{id}"));
        }
        if let Some(audit) = &mut self.audit {
            audit.set_id_prefix(id);
        }
    }

    /// Keeps every new audit entry for [`Session::take_pending`] (a binding's sink).
    pub fn set_sink(&mut self, on: bool) {
        self.pending = on.then(Vec::new);
    }

    /// The audit entries recorded since the last call, as a JSON array.
    pub fn take_pending(&mut self) -> String {
        match &mut self.pending {
            Some(p) if !p.is_empty() => format!("[{}]", std::mem::take(p).join(",")),
            _ => "[]".to_owned(),
        }
    }

    /// Replaces every policy, or changes nothing on error; returns the warnings.
    pub fn load_policies(&mut self, policies: &[PolicyText]) -> Result<Vec<Diagnostic>, FfiError> {
        let (names, texts) = sources(policies);
        let srcs: Vec<Source<'_>> = names
            .iter()
            .zip(&texts)
            .map(|(name, text)| Source { name, text })
            .collect();
        Ok(self.engine.load(&srcs)?.to_vec())
    }

    /// [`Session::load_policies`] with the policies as a JSON array.
    pub fn load_policies_json(&mut self, policies: &str) -> Result<String, FfiError> {
        let policies = parse(
            policies,
            "policies",
            64 * 1024 * 1024,
            PolicyText::list_from_json,
        )?;
        to_json(&self.load_policies(&policies)?)
    }

    /// The warnings of the policies in force, as JSON.
    pub fn warnings_json(&self) -> Result<String, FfiError> {
        to_json(&self.engine.policies().warnings())
    }

    /// Every rule of the policies in force, in load order, as JSON.
    pub fn rules_json(&self) -> Result<String, FfiError> {
        to_json(&self.engine.policies().rule_listing())
    }

    /// Whether the agent (JSON; `null` for the session's) may spend rate-limit
    /// budget ([`Engine::rate_limits`]).
    pub fn rate_limits_json(&self, agent: &str) -> Result<bool, FfiError> {
        let agent = match agent {
            "" | "null" => None,
            text => Some(parse(
                text,
                "agent",
                self.max_input_bytes,
                Agent::from_json,
            )?),
        };
        Ok(self.engine.rate_limits(self.acting(&agent)?))
    }

    /// The rate-limit budget spent in the hour up to `now`, as JSON
    /// ([`Engine::rate_limits_spent`]).
    pub fn rate_limits_spent_json(&self, now: Timestamp) -> String {
        let mut out = String::new();
        Spent::write_list(&self.engine.rate_limits_spent(now), &mut out);
        out
    }

    /// Adds budget spent before (the JSON [`Session::rate_limits_spent_json`] gave), or
    /// nothing on error.
    pub fn restore_rate_limits_json(&self, spent: &str) -> Result<(), FfiError> {
        let spent = parse(
            spent,
            "rate-limit state",
            self.max_input_bytes,
            json::read::<Vec<Spent>>,
        )?;
        self.engine
            .restore_rate_limits(&spent)
            .map_err(|e| FfiError::invalid(format!("rate-limit state{e}")))
    }

    fn acting<'a>(&'a self, agent: &'a Option<Agent>) -> Result<&'a Agent, FfiError> {
        agent.as_ref().or(self.agent.as_ref()).ok_or_else(|| {
            FfiError::invalid(
                "no agent: give `agent` in the options, or an agent or agentToken to the MeshGuard",
            )
        })
    }

    fn check_action(action: &str) -> Result<(), FfiError> {
        if action.is_empty() {
            return Err(FfiError::invalid(
                "action must be a non-empty string, like \"write:refund\"",
            ));
        }
        Ok(())
    }

    /// Reads what a check or explain call brings.
    fn check_call(
        &self,
        action: &str,
        mut opts: CheckOptions,
        host_now: Timestamp,
    ) -> Result<CheckCall, FfiError> {
        Self::check_action(action)?;
        if opts.any_context && opts.context.is_some() {
            return Err(FfiError::invalid(
                "anyContext decides for a context not known yet; give it without `context`",
            ));
        }
        let setting = Setting::read(
            opts.now.as_ref(),
            opts.trace_id.as_deref(),
            &mut opts.context,
            host_now,
        )?;
        Ok(CheckCall { opts, setting })
    }

    /// The engine request of a check call.
    fn request<'a>(
        &'a self,
        action: &'a str,
        call: &'a CheckCall,
    ) -> Result<Request<'a>, FfiError> {
        let agent = self.acting(&call.opts.agent)?;
        let mut req = Request::new(agent, action, call.setting.now)
            .context(&call.setting.context)
            .chain(&call.opts.chain)
            .chain_unknown(call.opts.chain_unknown)
            .any_context(call.opts.any_context)
            .trace_id(call.setting.trace.as_ref().unwrap_or(&self.trace_id));
        if let Some(r) = &call.opts.resource {
            req = req.resource(r);
        }
        Ok(req)
    }

    /// Decides a check and records it.
    pub fn check(
        &mut self,
        action: &str,
        opts: CheckOptions,
        host_now: Timestamp,
    ) -> Result<Decision, FfiError> {
        let call = self.check_call(action, opts, host_now)?;
        let req = self.request(action, &call)?;
        let decision = self.engine.check(&req);
        let name = req.agent.name.clone();
        let CheckCall {
            opts,
            setting: Setting { context, .. },
        } = call;
        self.record_decision(
            &decision,
            name,
            opts.resource,
            context,
            &opts.chain,
            opts.metadata,
        );
        Ok(decision)
    }

    /// [`Session::check`] with JSON options and result.
    pub fn check_json(
        &mut self,
        action: &str,
        options: &str,
        host_now: Timestamp,
    ) -> Result<String, FfiError> {
        let opts = parse(
            options,
            "check options",
            self.max_input_bytes,
            CheckOptions::from_json,
        )?;
        Ok(self.check(action, opts, host_now)?.to_json())
    }

    /// Decides a check and says how, without recording it or spending rate limits.
    pub fn explain_json(
        &self,
        action: &str,
        options: &str,
        host_now: Timestamp,
    ) -> Result<String, FfiError> {
        let opts = parse(
            options,
            "explain options",
            self.max_input_bytes,
            CheckOptions::from_json,
        )?;
        let call = self.check_call(action, opts, host_now)?;
        let (decision, explanation) = self.engine.explain(&self.request(action, &call)?);
        decision_json(&decision, None, Some(&explanation))
    }

    /// Reads what a handoff call brings: `from` is `null` for the session's agent.
    fn handoff_call(
        &self,
        from: &str,
        to: &str,
        options: &str,
        host_now: Timestamp,
    ) -> Result<HandoffCall, FfiError> {
        let from = match from {
            "" | "null" => None,
            text => Some(parse(
                text,
                "fromAgent",
                self.max_input_bytes,
                Agent::from_json,
            )?),
        };
        let to = parse(to, "toAgent", self.max_input_bytes, Agent::from_json)?;
        let mut opts = parse(
            options,
            "handoff options",
            self.max_input_bytes,
            HandoffOptions::from_json,
        )?;
        let setting = Setting::read(
            opts.now.as_ref(),
            opts.trace_id.as_deref(),
            &mut opts.context,
            host_now,
        )?;
        Ok(HandoffCall {
            from,
            to,
            opts,
            setting,
        })
    }

    /// The engine request of a handoff call.
    fn handoff_request<'a>(
        &'a self,
        call: &'a HandoffCall,
    ) -> Result<HandoffRequest<'a>, FfiError> {
        Ok(HandoffRequest {
            from: self.acting(&call.from)?,
            to: &call.to,
            chain: &call.opts.chain,
            chain_unknown: call.opts.chain_unknown,
            context: &call.setting.context,
            now: call.setting.now,
            trace_id: Some(call.setting.trace.as_ref().unwrap_or(&self.trace_id)),
        })
    }

    /// Decides a handoff from `from` (the session's agent when `null`) to `to`, and
    /// records it. The result carries the chain the delegate's checks must bring.
    pub fn check_handoff_json(
        &mut self,
        from: &str,
        to: &str,
        options: &str,
        host_now: Timestamp,
    ) -> Result<String, FfiError> {
        let call = self.handoff_call(from, to, options, host_now)?;
        let req = self.handoff_request(&call)?;
        let handoff = self.engine.check_handoff(&req);
        let name = req.from.name.clone();
        let HandoffCall {
            to,
            opts,
            setting: Setting { context, .. },
            ..
        } = call;
        let mut metadata = opts.metadata.unwrap_or_default();
        metadata.insert("toAgent".into(), Value::String(to.id.to_string()));
        self.record_decision(
            &handoff.decision,
            name,
            None,
            context,
            &opts.chain,
            Some(metadata),
        );
        decision_json(&handoff.decision, Some(&handoff.chain), None)
    }

    /// Decides a handoff and says how, without recording it or spending rate limits.
    pub fn explain_handoff_json(
        &self,
        from: &str,
        to: &str,
        options: &str,
        host_now: Timestamp,
    ) -> Result<String, FfiError> {
        let call = self.handoff_call(from, to, options, host_now)?;
        let (handoff, explanation) = self.engine.explain_handoff(&self.handoff_request(&call)?);
        decision_json(&handoff.decision, Some(&handoff.chain), Some(&explanation))
    }

    fn record_decision(
        &mut self,
        d: &Decision,
        agent_name: Arc<str>,
        resource: Option<String>,
        context: Value,
        chain: &[Agent],
        extra: Option<Map<String, Value>>,
    ) {
        let Some(log) = &mut self.audit else { return };
        let mut metadata = extra.unwrap_or_default();
        if context.as_object().is_some_and(|c| !c.is_empty()) {
            metadata.insert("context".into(), context);
        }
        if !chain.is_empty() {
            let ids = chain
                .iter()
                .map(|a| Value::String(a.id.to_string()))
                .collect();
            metadata.insert("chain".into(), Value::Array(ids));
        }
        if d.mode != Mode::Enforce {
            metadata.insert("mode".into(), Value::String(d.mode.as_str().into()));
            metadata.insert("enforced".into(), Value::Bool(false));
        }
        let entry = log.record(EntryDraft::from_decision(d, agent_name, resource, metadata));
        if let Some(p) = &mut self.pending {
            p.push(entry.to_json_line());
        }
    }

    /// Records a manual entry (`auditLog`) and returns it as JSON.
    pub fn audit_log_json(&mut self, entry: &str, host_now: Timestamp) -> Result<String, FfiError> {
        let m = parse(
            entry,
            "audit entry",
            self.max_input_bytes,
            ManualEntry::from_json,
        )?;
        Self::check_action(&m.action)?;
        let decision = parse_effect(&m.decision)?;
        let now = resolve(m.now.as_ref(), host_now)?;
        let anonymous = Agent::new("anonymous");
        let agent = m
            .agent
            .as_ref()
            .or(self.agent.as_ref())
            .unwrap_or(&anonymous)
            .clone();
        let Some(log) = &mut self.audit else {
            return Err(FfiError::invalid("the audit trail is off (audit: false)"));
        };
        let entry = log.record(EntryDraft {
            timestamp: now,
            agent_id: agent.id,
            agent_name: agent.name,
            action: m.action,
            resource: m.resource,
            decision,
            policy: None,
            rule: None,
            reason: Arc::from(m.reason.unwrap_or_else(|| "recorded manually".into())),
            trace_id: m.trace_id.map_or_else(|| self.trace_id.clone(), Arc::from),
            metadata: m.metadata,
        });
        let line = entry.to_json_line();
        if let Some(p) = &mut self.pending {
            p.push(line.clone());
        }
        Ok(line)
    }

    fn log(&self) -> Result<&AuditLog, FfiError> {
        self.audit
            .as_ref()
            .ok_or_else(|| FfiError::invalid("the audit trail is off (audit: false)"))
    }

    /// Entries matching a query, newest first, as a JSON array.
    pub fn audit_query_json(&self, query: &str) -> Result<String, FfiError> {
        let q = parse(
            query,
            "audit query",
            self.max_input_bytes,
            AuditQuery::from_json,
        )?;
        let action = match &q.action {
            Some(p) => {
                Some(Pattern::new(p).map_err(|e| FfiError::invalid(format!("action: {e}")))?)
            }
            None => None,
        };
        let at = |w: &Option<When>| {
            w.as_ref()
                .map(|w| w.resolve().map_err(FfiError::invalid))
                .transpose()
        };
        let query = Query {
            limit: q.limit,
            agent_id: q.agent_id,
            action,
            decision: q.decision.as_deref().map(parse_effect).transpose()?,
            trace_id: q.trace_id,
            since: at(&q.since)?,
            until: at(&q.until)?,
        };
        let lines: Vec<String> = self
            .log()?
            .query(&query)
            .iter()
            .map(|e| e.to_json_line())
            .collect();
        Ok(format!("[{}]", lines.join(",")))
    }

    /// Counts of the audit trail, as JSON.
    pub fn audit_stats_json(&self) -> Result<String, FfiError> {
        to_json(&self.log()?.stats())
    }

    /// The audit trail as JSON Lines, oldest first.
    pub fn export_audit(&self) -> Result<String, FfiError> {
        Ok(self.log()?.export_jsonl())
    }

    /// Verifies an agent token with the session's `verify` settings.
    pub fn verify_agent_token_json(
        &self,
        token: &str,
        host_now: Timestamp,
    ) -> Result<String, FfiError> {
        let v = self.verify.as_ref().ok_or_else(|| {
            FfiError::invalid(
                "no verify settings: pass verify: { secret } or { publicKey } to the MeshGuard",
            )
        })?;
        let verified = identity::verify_agent_token(token, v, host_now)?;
        to_json(&verified.agent)
    }
}

/// Issues an agent token (`issueAgentToken(agent, options)`).
pub fn issue_agent_token_json(
    agent: &str,
    options: &str,
    host_now: Timestamp,
) -> Result<String, FfiError> {
    const LIMIT: usize = 64 * 1024;
    let agent = parse(agent, "agent", LIMIT, Agent::from_json)?;
    let cfg = parse(options, "token options", LIMIT, IssueConfig::from_json)?;
    let secret = secret_bytes(&cfg.secret, &cfg.secret_base64url)?;
    let key = match (secret, &cfg.private_key) {
        (Some(s), None) => SigningKey::hs256(&s)?,
        (None, Some(k)) => SigningKey::parse_private_key(&key_text(k))?,
        _ => {
            return Err(FfiError::invalid(
                "give exactly one of secret or privateKey",
            ));
        }
    };
    let mut opts = IssueOptions::new(key, resolve(cfg.now.as_ref(), host_now)?);
    if let Some(issuer) = &cfg.issuer {
        opts = opts.with_issuer(issuer);
    }
    if let Some(seconds) = cfg.expires_in {
        opts = opts.with_expires_in(seconds);
    }
    Ok(identity::issue_agent_token(&agent, &opts)?)
}

/// Verifies an exported audit trail (JSON Lines), returning the verdict as JSON.
pub fn verify_audit_json(jsonl: &str) -> String {
    serde_json::to_string(&crate::audit::verify_jsonl(jsonl))
        .unwrap_or_else(|_| r#"{"ok":false,"entries":0,"problem":"unreportable"}"#.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host() -> Host {
        Host {
            zones: crate::zone::default_provider(),
            now: Timestamp::EPOCH,
            random: [1; 8],
        }
    }

    fn session() -> Session {
        let policy = r#"{"name": "p", "rules": [{"effect": "allow", "actions": ["read:*"]}]}"#;
        let config = serde_json::json!({ "policies": [policy], "agent": {"id": "a"} });
        Session::from_json(&config.to_string(), &host()).unwrap()
    }

    #[test]
    fn bad_options_are_reported_with_the_call_and_the_path() {
        let mut s = session();
        let check = |s: &mut Session, options: &str| {
            s.check_json("read:x", options, Timestamp::EPOCH)
                .unwrap_err()
                .message
        };
        assert_eq!(
            check(&mut s, r#"{"context": [1, 2]}"#),
            "check options: context: expected an object, found an array"
        );
        assert_eq!(
            check(&mut s, r#"{"contxt": {}}"#),
            "check options: unknown key 'contxt'; did you mean 'context'?"
        );
        assert_eq!(
            check(&mut s, r#"{"context": "#),
            "check options: not valid JSON: EOF while parsing a value at line 1 column 12"
        );
        assert_eq!(
            s.explain_json(
                "read:x",
                r#"{"chain": [{"id": "r"}, {"name": null}]}"#,
                Timestamp::EPOCH
            )
            .unwrap_err()
            .message,
            "explain options: chain[1]: missing key 'id'"
        );
        assert_eq!(
            s.check_handoff_json("", r#"{"id": ""}"#, "{}", Timestamp::EPOCH)
                .unwrap_err()
                .message,
            "toAgent: id: expected a non-empty string, found \"\""
        );
        assert_eq!(
            s.audit_query_json(r#"{"limit": -1}"#).unwrap_err().message,
            "audit query: limit: expected a whole number of at least 0, found -1"
        );
        assert_eq!(
            issue_agent_token_json(r#"{"id": "a"}"#, r#"{"expiresIn": "1h"}"#, Timestamp::EPOCH)
                .unwrap_err()
                .message,
            "token options: expiresIn: expected a whole number of at least 0, found \"1h\""
        );
        let d = s.check_json("read:x", "{}", Timestamp::EPOCH).unwrap();
        assert!(d.contains(r#""allowed":true"#), "{d}");
    }

    #[test]
    fn a_check_or_handoff_under_an_unknown_chain_is_denied_and_recorded() {
        let mut s = session();
        let d = s
            .check_json("read:x", r#"{"chainUnknown": true}"#, Timestamp::EPOCH)
            .unwrap();
        assert!(
            d.contains(r#""allowed":false"#) && d.contains(r#""rule":"unknownChain""#),
            "{d}"
        );
        let h = s
            .check_handoff_json(
                "",
                r#"{"id": "b"}"#,
                r#"{"chainUnknown": true}"#,
                Timestamp::EPOCH,
            )
            .unwrap();
        assert!(h.contains(r#""rule":"unknownChain""#), "{h}");
        let trail = s.audit_query_json(r#"{"decision": "deny"}"#).unwrap();
        assert_eq!(
            trail.matches(r#""rule":"unknownChain""#).count(),
            2,
            "{trail}"
        );
        assert_eq!(
            s.check_json("read:x", r#"{"chainUnknown": 1}"#, Timestamp::EPOCH)
                .unwrap_err()
                .message,
            "check options: chainUnknown: expected true or false, found 1"
        );
    }

    #[test]
    fn any_context_is_taken_without_a_context_only() {
        let mut s = session();
        let d = s
            .explain_json("read:x", r#"{"anyContext": true}"#, Timestamp::EPOCH)
            .unwrap();
        assert!(d.contains(r#""allowed":true"#), "{d}");
        let e = s
            .check_json(
                "read:x",
                r#"{"anyContext": true, "context": {"a": 1}}"#,
                Timestamp::EPOCH,
            )
            .unwrap_err();
        assert!(e.message.contains("without `context`"), "{}", e.message);
    }

    #[test]
    fn reseeding_redraws_the_default_trace_id_and_the_audit_ids() {
        let mut s = session();
        assert_eq!(s.trace_id(), "mg-0101010101010101");
        s.reseed([0xab; 8]);
        assert_eq!(s.trace_id(), "mg-abababababababab");
        let d = s.check_json("read:x", "{}", Timestamp::EPOCH).unwrap();
        assert!(d.contains("mg-abababababababab"), "{d}");
        assert!(
            s.export_audit()
                .unwrap()
                .contains(r#""id":"abababababababab-1""#)
        );

        let config = r#"{"traceId": "run-7", "agent": {"id": "a"}}"#;
        let mut given = Session::from_json(config, &host()).unwrap();
        given.reseed([0xab; 8]);
        assert_eq!(given.trace_id(), "run-7");
    }

    #[test]
    fn an_agent_spends_rate_limits_only_under_a_policy_that_applies_to_it_and_has_one() {
        let limited = r#"{"name": "l", "appliesTo": {"tags": ["bot"]}, "rules": [
            {"effect": "allow", "actions": ["*"], "conditions": {"rateLimit": {"requestsPerMinute": 2}}}]}"#;
        let plain = r#"{"name": "p", "rules": [{"effect": "allow", "actions": ["read:*"]}]}"#;
        let config = serde_json::json!({ "policies": [limited, plain], "agent": {"id": "a"} });
        let s = Session::from_json(&config.to_string(), &host()).unwrap();
        assert!(!s.rate_limits_json("null").unwrap());
        assert!(
            s.rate_limits_json(r#"{"id": "b", "tags": ["bot"]}"#)
                .unwrap()
        );
        assert!(
            !s.rate_limits_json(r#"{"id": "b", "tags": ["human"]}"#)
                .unwrap()
        );
        assert_eq!(
            s.rate_limits_json(r#"{"id": ""}"#).unwrap_err().message,
            "agent: id: expected a non-empty string, found \"\""
        );
    }

    #[test]
    fn spent_rate_limits_carry_over_to_a_new_session() {
        let limited = r#"{"name": "l", "rules": [{"name": "r", "effect": "allow", "actions": ["*"],
            "conditions": {"rateLimit": {"requestsPerMinute": 1}}}]}"#;
        let config = serde_json::json!({ "policies": [limited], "agent": {"id": "a"} }).to_string();
        let mut first = Session::from_json(&config, &host()).unwrap();
        let now = Timestamp::from_millis(1_000_000).unwrap();
        assert!(
            first
                .check_json("read:x", "{}", now)
                .unwrap()
                .contains(r#""allowed":true"#)
        );
        let spent = first.rate_limits_spent_json(now);
        assert_eq!(
            spent,
            r#"[{"policy":"l","rule":"r","agent":"a","at":[1000000]}]"#
        );

        let mut second = Session::from_json(&config, &host()).unwrap();
        second.restore_rate_limits_json(&spent).unwrap();
        let d = second.check_json("read:x", "{}", now).unwrap();
        assert!(d.contains("rate limit exceeded"), "{d}");
        assert_eq!(
            second
                .restore_rate_limits_json(r#"[{"policy": "l"}]"#)
                .unwrap_err()
                .message,
            "rate-limit state: [0]: missing key 'rule'"
        );
    }

    #[test]
    fn bad_settings_are_reported_with_the_path() {
        let e = Session::from_json(r#"{"verify": {"leewaySeconds": -1}}"#, &host())
            .err()
            .unwrap();
        assert_eq!(
            e.message,
            "MeshGuard options: verify.leewaySeconds: expected a whole number from 0 to 4294967295, found -1"
        );
        let e = Session::from_json(r#"{"mode": "yolo"}"#, &host())
            .err()
            .unwrap();
        assert_eq!(
            e.message,
            "unknown mode 'yolo': expected enforce, audit or bypass"
        );
        let mut s = session();
        assert_eq!(
            s.load_policies_json(r#"{"p": 1}"#).unwrap_err().message,
            "policies: expected an array, found an object"
        );
    }
}
