//! A governed session: the engine, the default agent, token verification and the
//! audit trail together, and what each decision records. Bindings drive it through
//! [`crate::ffi`], which reads its inputs from JSON and writes its results as JSON.

mod error;
mod options;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use base64::Engine as _;
use serde_json::{Map, Value};

pub use error::{ErrorCode, SessionError};
pub use options::{
    AuditOptions, AuditQuery, AuditSettings, CheckOptions, HandoffOptions, IssueConfig,
    ManualEntry, PolicyText, SessionConfig, VerifyConfig, When,
};

use crate::agent::Agent;
use crate::audit::{AuditConfig, AuditLog, Entry, EntryDraft, Query};
use crate::decision::{Decision, Effect, Mode};
use crate::engine::{Engine, EngineOptions, Handoff, HandoffRequest, Request};
use crate::explain::Explanation;
use crate::identity::{self, IssueOptions, SigningKey, VerifyKey, VerifyOptions};
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
    /// Entries not yet handed to the binding's sink, when a sink is set.
    pending: Option<Vec<Entry>>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn resolve(when: Option<&When>, default: Timestamp) -> Result<Timestamp, SessionError> {
    when.map_or(Ok(default), |w| w.resolve().map_err(SessionError::invalid))
}

fn secret_bytes(
    text: &Option<String>,
    base64url: &Option<String>,
) -> Result<Option<Vec<u8>>, SessionError> {
    match (text, base64url) {
        (Some(_), Some(_)) => Err(SessionError::invalid(
            "give secret or secretBase64url, not both",
        )),
        (Some(t), None) => Ok(Some(t.as_bytes().to_vec())),
        (None, Some(b)) => base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(b.trim_end_matches('='))
            .map(Some)
            .map_err(|e| SessionError::invalid(format!("secretBase64url: {e}"))),
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

fn verify_options(v: &VerifyConfig) -> Result<VerifyOptions, SessionError> {
    let secret = secret_bytes(&v.secret, &v.secret_base64url)?;
    let key = match (secret, &v.public_key) {
        (Some(s), None) => VerifyKey::hs256(&s)?,
        (None, Some(k)) => VerifyKey::parse_public_key(&key_text(k))?,
        _ => {
            return Err(SessionError::invalid(
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

fn parse_effect(text: &str) -> Result<Effect, SessionError> {
    match text {
        "allowed" => Ok(Effect::Allow),
        "denied" => Ok(Effect::Deny),
        other => other.parse().map_err(|()| {
            SessionError::invalid(format!(
                "decision '{other}': expected allow, deny or require_approval"
            ))
        }),
    }
}

/// A check call's inputs, checked and owned.
struct CheckCall {
    opts: CheckOptions,
    setting: Setting,
}

/// A handoff call's inputs, checked and owned.
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
    ) -> Result<Setting, SessionError> {
        Ok(Setting {
            now: resolve(now, host_now)?,
            trace: trace_id.map(Arc::from),
            context: Value::Object(context.take().unwrap_or_default()),
        })
    }
}

impl Session {
    /// A session from its settings. Everything is checked before anything is kept.
    pub fn new(config: SessionConfig, host: &Host) -> Result<Session, SessionError> {
        let mode: Mode = match &config.mode {
            Some(m) => m.parse().map_err(SessionError::invalid)?,
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
                return Err(SessionError::invalid("give agent or agentToken, not both"));
            }
            (Some(a), None) => Some(a),
            (None, Some(token)) => {
                let v = verify.as_ref().ok_or_else(|| {
                    SessionError::invalid("agentToken needs verify: { secret } or { publicKey }")
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

    /// The engine (for callers that need more than the session's calls).
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

    /// The largest options text (context included) one call accepts, in bytes.
    pub fn max_input_bytes(&self) -> usize {
        self.max_input_bytes
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

    /// The audit entries recorded since the last call (none without a sink).
    pub fn take_pending(&mut self) -> Vec<Entry> {
        self.pending
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    }

    /// Replaces every policy, or changes nothing on error; returns the warnings.
    pub fn load_policies(
        &mut self,
        policies: &[PolicyText],
    ) -> Result<Vec<Diagnostic>, SessionError> {
        let (names, texts) = sources(policies);
        let srcs: Vec<Source<'_>> = names
            .iter()
            .zip(&texts)
            .map(|(name, text)| Source { name, text })
            .collect();
        Ok(self.engine.load(&srcs)?.to_vec())
    }

    /// Whether `agent` (`None` for the session's) may spend rate-limit budget
    /// ([`Engine::rate_limits`]).
    pub fn rate_limits(&self, agent: Option<&Agent>) -> Result<bool, SessionError> {
        Ok(self.engine.rate_limits(self.acting(agent)?))
    }

    /// Adds budget spent before (what [`Engine::rate_limits_spent`] gave), or nothing
    /// on error.
    pub fn restore_rate_limits(&self, spent: &[Spent]) -> Result<(), SessionError> {
        self.engine
            .restore_rate_limits(spent)
            .map_err(|e| SessionError::invalid(format!("rate-limit state{e}")))
    }

    fn acting<'a>(&'a self, agent: Option<&'a Agent>) -> Result<&'a Agent, SessionError> {
        agent.or(self.agent.as_ref()).ok_or_else(|| {
            SessionError::invalid(
                "no agent: give `agent` in the options, or an agent or agentToken to the MeshGuard",
            )
        })
    }

    fn check_action(action: &str) -> Result<(), SessionError> {
        if action.is_empty() {
            return Err(SessionError::invalid(
                "action must be a non-empty string, like \"write:refund\"",
            ));
        }
        Ok(())
    }

    /// Checks what a check or explain call brings.
    fn check_call(
        &self,
        action: &str,
        mut opts: CheckOptions,
        host_now: Timestamp,
    ) -> Result<CheckCall, SessionError> {
        Self::check_action(action)?;
        if opts.any_context && opts.context.is_some() {
            return Err(SessionError::invalid(
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
    ) -> Result<Request<'a>, SessionError> {
        let agent = self.acting(call.opts.agent.as_ref())?;
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

    /// Decides a check and records it. `host_now` is the time unless the options
    /// give one.
    pub fn check(
        &mut self,
        action: &str,
        opts: CheckOptions,
        host_now: Timestamp,
    ) -> Result<Decision, SessionError> {
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

    /// Decides a check and says how, without recording it or spending rate limits.
    pub fn explain(
        &self,
        action: &str,
        opts: CheckOptions,
        host_now: Timestamp,
    ) -> Result<(Decision, Explanation), SessionError> {
        let call = self.check_call(action, opts, host_now)?;
        Ok(self.engine.explain(&self.request(action, &call)?))
    }

    /// Checks what a handoff call brings: `from` is `None` for the session's agent.
    fn handoff_call(
        from: Option<Agent>,
        to: Agent,
        mut opts: HandoffOptions,
        host_now: Timestamp,
    ) -> Result<HandoffCall, SessionError> {
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
    ) -> Result<HandoffRequest<'a>, SessionError> {
        Ok(HandoffRequest {
            from: self.acting(call.from.as_ref())?,
            to: &call.to,
            chain: &call.opts.chain,
            chain_unknown: call.opts.chain_unknown,
            context: &call.setting.context,
            now: call.setting.now,
            trace_id: Some(call.setting.trace.as_ref().unwrap_or(&self.trace_id)),
        })
    }

    /// Decides a handoff from `from` (the session's agent when `None`) to `to`, and
    /// records it. The result carries the chain the delegate's checks must bring.
    pub fn check_handoff(
        &mut self,
        from: Option<Agent>,
        to: Agent,
        opts: HandoffOptions,
        host_now: Timestamp,
    ) -> Result<Handoff, SessionError> {
        let call = Self::handoff_call(from, to, opts, host_now)?;
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
        Ok(handoff)
    }

    /// Decides a handoff and says how, without recording it or spending rate limits.
    pub fn explain_handoff(
        &self,
        from: Option<Agent>,
        to: Agent,
        opts: HandoffOptions,
        host_now: Timestamp,
    ) -> Result<(Handoff, Explanation), SessionError> {
        let call = Self::handoff_call(from, to, opts, host_now)?;
        Ok(self.engine.explain_handoff(&self.handoff_request(&call)?))
    }

    /// What a decision records: the check's own metadata, then its context, the ids
    /// of the chain above the agent, and the mode when it is not enforced.
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
            p.push(entry.clone());
        }
    }

    /// Records a manual entry (`auditLog`) and returns it.
    pub fn audit_log(
        &mut self,
        m: ManualEntry,
        host_now: Timestamp,
    ) -> Result<&Entry, SessionError> {
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
            return Err(SessionError::invalid(
                "the audit trail is off (audit: false)",
            ));
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
        if let Some(p) = &mut self.pending {
            p.push(entry.clone());
        }
        Ok(entry)
    }

    /// The audit trail, or an error when it is off.
    pub fn audit(&self) -> Result<&AuditLog, SessionError> {
        self.audit
            .as_ref()
            .ok_or_else(|| SessionError::invalid("the audit trail is off (audit: false)"))
    }

    /// Entries matching a query, newest first.
    pub fn audit_query(&self, q: AuditQuery) -> Result<Vec<&Entry>, SessionError> {
        let action = match &q.action {
            Some(p) => {
                Some(Pattern::new(p).map_err(|e| SessionError::invalid(format!("action: {e}")))?)
            }
            None => None,
        };
        let at = |w: &Option<When>| {
            w.as_ref()
                .map(|w| w.resolve().map_err(SessionError::invalid))
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
        Ok(self.audit()?.query(&query))
    }

    /// Verifies an agent token with the session's `verify` settings.
    pub fn verify_agent_token(&self, token: &str, now: Timestamp) -> Result<Agent, SessionError> {
        let v = self.verify.as_ref().ok_or_else(|| {
            SessionError::invalid(
                "no verify settings: pass verify: { secret } or { publicKey } to the MeshGuard",
            )
        })?;
        Ok(identity::verify_agent_token(token, v, now)?.agent)
    }
}

/// Issues an agent token for `agent` with the key and claims of `cfg`; `host_now` is
/// the issue time unless `cfg` gives one.
pub fn issue_agent_token(
    agent: &Agent,
    cfg: &IssueConfig,
    host_now: Timestamp,
) -> Result<String, SessionError> {
    let secret = secret_bytes(&cfg.secret, &cfg.secret_base64url)?;
    let key = match (secret, &cfg.private_key) {
        (Some(s), None) => SigningKey::hs256(&s)?,
        (None, Some(k)) => SigningKey::parse_private_key(&key_text(k))?,
        _ => {
            return Err(SessionError::invalid(
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
    Ok(identity::issue_agent_token(agent, &opts)?)
}
