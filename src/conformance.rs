//! Policy test files ("conformance vectors"): policies, agents, and cases with the
//! decision each must reach, plus documents that must fail to load. The format is
//! described in `docs/testing-policies.md`; users keep their own sets in it.
//!
//! [`Suite::run`] drives the native engine. Bindings drive their own API with the
//! parsed cases and check results with [`Expect::verify`] and
//! [`ExpectError::verify`], so every layer is judged by the same code.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::agent::Agent;
use crate::decision::{Decision, Effect, Mode};
use crate::engine::{Engine, EngineOptions, HandoffRequest, Request};
use crate::json::{self, JsonError, Obj};
use crate::policy::{Diagnostic, Input, LoadError, PolicySet, Source};
use crate::time::Timestamp;
use crate::yaml::{self, Limits, Node, Value};
use crate::zone::ZoneProvider;

/// A parsed test file.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Suite {
    pub file: String,
    pub description: Option<String>,
    pub options: Options,
    /// Each policy as a text (inline mappings rendered as JSON).
    pub policies: Vec<String>,
    #[serde(skip)]
    policy_nodes: Vec<PolicyItem>,
    /// The file's `agents`, by key.
    pub agents: BTreeMap<String, Agent>,
    pub cases: Vec<Case>,
    pub invalid: Vec<InvalidDoc>,
}

#[derive(Debug)]
enum PolicyItem {
    Inline(Node),
    Text(String),
}

/// Engine options a file may set.
#[derive(Clone, Copy, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Options {
    pub mode: Mode,
    pub max_delegation_depth: Option<u32>,
}

impl Options {
    /// `{mode, maxDelegationDepth}`.
    pub fn from_json(value: serde_json::Value) -> Result<Options, JsonError> {
        let mut o = Obj::new(value, &["mode", "maxDelegationDepth"])?;
        Ok(Options {
            mode: o
                .get("mode", |v| json::string(v)?.parse().map_err(JsonError::new))?
                .unwrap_or_default(),
            max_delegation_depth: o.u32("maxDelegationDepth")?,
        })
    }

    /// The engine options these stand for.
    pub fn engine(&self) -> EngineOptions {
        let defaults = EngineOptions::default();
        EngineOptions {
            mode: self.mode,
            max_delegation_depth: self
                .max_delegation_depth
                .unwrap_or(defaults.max_delegation_depth),
        }
    }
}

/// One case, with its agents resolved. Serializes as `{name, line, check: {agent,
/// action, resource} | handoff: {from, to}, context, now, chain, expect}`.
#[derive(Debug)]
pub struct Case {
    pub name: String,
    pub line: u32,
    pub kind: CaseKind,
    pub context: serde_json::Value,
    pub now: Option<Timestamp>,
    /// The delegators above the acting agent, root first.
    pub chain: Vec<Agent>,
    pub expect: Expect,
}

impl Serialize for Case {
    // Written out: a flattened enum would pull in serde's buffering serializer.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;

        #[derive(Serialize)]
        struct Check<'a> {
            agent: &'a Agent,
            action: &'a str,
            resource: &'a Option<String>,
        }
        #[derive(Serialize)]
        struct Handoff<'a> {
            from: &'a Agent,
            to: &'a Agent,
        }
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("name", &self.name)?;
        m.serialize_entry("line", &self.line)?;
        match &self.kind {
            CaseKind::Check {
                agent,
                action,
                resource,
            } => m.serialize_entry(
                "check",
                &Check {
                    agent,
                    action,
                    resource,
                },
            )?,
            CaseKind::Handoff { from, to } => {
                m.serialize_entry("handoff", &Handoff { from, to })?
            }
        }
        m.serialize_entry("context", &self.context)?;
        m.serialize_entry("now", &self.now.map(|t| t.to_string()))?;
        m.serialize_entry("chain", &self.chain)?;
        m.serialize_entry("expect", &self.expect)?;
        m.end()
    }
}

/// A check or a handoff.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum CaseKind {
    Check {
        agent: Agent,
        action: String,
        resource: Option<String>,
    },
    Handoff {
        from: Agent,
        to: Agent,
    },
}

/// What a case must decide.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Expect {
    pub decision: Effect,
    pub allowed: Option<bool>,
    pub policy: Option<String>,
    pub rule: Option<String>,
    pub reason_contains: Option<String>,
}

impl Expect {
    /// `{decision, allowed, policy, rule, reasonContains}`; `decision` is required.
    pub fn from_json(value: serde_json::Value) -> Result<Expect, JsonError> {
        let mut o = Obj::new(
            value,
            &["decision", "allowed", "policy", "rule", "reasonContains"],
        )?;
        Ok(Expect {
            decision: o.need("decision", "allow, deny or require_approval", |v| {
                let text = json::string(v)?;
                text.parse()
                    .map_err(|()| JsonError::new(format!("unknown decision '{text}'")))
            })?,
            allowed: o.bool("allowed")?,
            policy: o.str("policy")?,
            rule: o.str("rule")?,
            reason_contains: o.str("reasonContains")?,
        })
    }
}

/// The parts of a decision a case can expect, as any layer reports them.
#[derive(Clone, Debug)]
pub struct Observed {
    pub decision: String,
    pub allowed: bool,
    pub policy: Option<String>,
    pub rule: Option<String>,
    pub reason: String,
}

impl Observed {
    /// `{decision, allowed, policy, rule, reason}` as JSON text (what bindings report).
    pub fn parse(text: &str) -> Result<Observed, JsonError> {
        let mut o = Obj::new(
            json::parse(text)?,
            &["decision", "allowed", "policy", "rule", "reason"],
        )?;
        Ok(Observed {
            decision: o.need_str("decision")?,
            allowed: o.need("allowed", "true or false", json::boolean)?,
            policy: o.str("policy")?,
            rule: o.str("rule")?,
            reason: o.need_str("reason")?,
        })
    }
}

impl From<&Decision> for Observed {
    fn from(d: &Decision) -> Observed {
        Observed {
            decision: d.decision.as_str().to_owned(),
            allowed: d.allowed,
            policy: d.policy.as_deref().map(str::to_owned),
            rule: d.rule.as_deref().map(str::to_owned),
            reason: d.reason.to_string(),
        }
    }
}

impl Expect {
    /// `Err` describes every expectation the observed decision misses.
    pub fn verify(&self, got: &Observed) -> Result<(), String> {
        let mut misses = Vec::new();
        if got.decision != self.decision.as_str() {
            misses.push(format!(
                "decision {} (expected {})",
                got.decision, self.decision
            ));
        }
        if let Some(allowed) = self.allowed {
            if got.allowed != allowed {
                misses.push(format!("allowed {} (expected {allowed})", got.allowed));
            }
        }
        let mut named = |what: &str, want: &Option<String>, have: &Option<String>| {
            if let Some(want) = want {
                if have.as_deref() != Some(want) {
                    misses.push(format!(
                        "{what} {} (expected {want})",
                        have.as_deref().unwrap_or("none")
                    ));
                }
            }
        };
        named("policy", &self.policy, &got.policy);
        named("rule", &self.rule, &got.rule);
        if let Some(part) = &self.reason_contains {
            if !contains_ignoring_case(&got.reason, part) {
                misses.push(format!(
                    "reason {:?} (expected it to contain {part:?})",
                    got.reason
                ));
            }
        }
        if misses.is_empty() {
            Ok(())
        } else {
            Err(format!("got {}; reason: {}", misses.join(", "), got.reason))
        }
    }
}

/// A document that must fail to load.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InvalidDoc {
    pub name: String,
    pub line: u32,
    pub policy: String,
    pub expect_error: ExpectError,
}

/// What the load error of an invalid document must say.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExpectError {
    pub path_contains: Option<String>,
    pub message_contains: Option<String>,
    pub line: Option<u32>,
}

impl ExpectError {
    /// `{pathContains, messageContains, line}`.
    pub fn from_json(value: serde_json::Value) -> Result<ExpectError, JsonError> {
        let mut o = Obj::new(value, &["pathContains", "messageContains", "line"])?;
        Ok(ExpectError {
            path_contains: o.str("pathContains")?,
            message_contains: o.str("messageContains")?,
            line: o.u32("line")?,
        })
    }
}

/// The parts of a load error an expectation can name.
#[derive(Clone, Debug)]
pub struct ObservedError {
    pub path: String,
    /// The full message, suggestion included.
    pub message: String,
    pub line: u32,
}

impl ObservedError {
    /// `{path, message, line}` as JSON text (what bindings report).
    pub fn parse(text: &str) -> Result<ObservedError, JsonError> {
        let mut o = Obj::new(json::parse(text)?, &["path", "message", "line"])?;
        Ok(ObservedError {
            path: o.need_str("path")?,
            message: o.need_str("message")?,
            line: o.need("line", "a whole number of at least 0", json::u32)?,
        })
    }
}

impl From<&Diagnostic> for ObservedError {
    fn from(d: &Diagnostic) -> ObservedError {
        ObservedError {
            path: d.path.clone(),
            message: d.to_string(),
            line: d.line,
        }
    }
}

impl ExpectError {
    /// `Err` describes how the first load error misses the expectation.
    pub fn verify(&self, got: &ObservedError) -> Result<(), String> {
        let mut misses = Vec::new();
        if let Some(p) = &self.path_contains {
            if !got.path.contains(p.as_str()) {
                misses.push(format!("path {:?} lacks {p:?}", got.path));
            }
        }
        if let Some(m) = &self.message_contains {
            if !contains_ignoring_case(&got.message, m) {
                misses.push(format!("message lacks {m:?}"));
            }
        }
        if let Some(line) = self.line {
            if got.line != line {
                misses.push(format!("line {} (expected {line})", got.line));
            }
        }
        if misses.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{}; the error was: {}",
                misses.join(", "),
                got.message
            ))
        }
    }
}

/// Whether `text` contains `part`, ignoring ASCII case (expectations name words of
/// English messages; no Unicode case tables are needed for that).
fn contains_ignoring_case(text: &str, part: &str) -> bool {
    part.is_empty()
        || text
            .as_bytes()
            .windows(part.len())
            .any(|w| w.eq_ignore_ascii_case(part.as_bytes()))
}

/// A test file that cannot be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SuiteError {
    pub file: String,
    pub line: u32,
    pub message: String,
}

impl fmt::Display for SuiteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

impl std::error::Error for SuiteError {}

/// The outcome of one case or invalid document.
#[derive(Clone, Debug, Serialize)]
pub struct CaseResult {
    pub name: String,
    pub line: u32,
    /// `None` when the case passed.
    pub failure: Option<String>,
}

/// The outcome of a whole file.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub file: String,
    pub results: Vec<CaseResult>,
}

impl Report {
    /// The results that failed.
    pub fn failures(&self) -> impl Iterator<Item = &CaseResult> {
        self.results.iter().filter(|r| r.failure.is_some())
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let failed = self.failures().count();
        writeln!(
            f,
            "{}: {} passed, {failed} failed",
            self.file,
            self.results.len() - failed
        )?;
        for r in self.failures() {
            writeln!(
                f,
                "  FAIL {} (line {}): {}",
                r.name,
                r.line,
                r.failure.as_deref().unwrap_or("")
            )?;
        }
        Ok(())
    }
}

/// A case as written, its agents still keys.
struct RawCase {
    name: String,
    agent: Option<String>,
    action: Option<String>,
    resource: Option<String>,
    handoff: Option<RawHandoff>,
    context: serde_json::Value,
    now: Option<String>,
    chain: Vec<String>,
    expect: Expect,
}

impl RawCase {
    fn from_json(value: serde_json::Value) -> Result<RawCase, JsonError> {
        let mut o = Obj::new(
            value,
            &[
                "name", "agent", "action", "resource", "handoff", "context", "now", "chain",
                "expect",
            ],
        )?;
        Ok(RawCase {
            name: o.need_str("name")?,
            agent: o.str("agent")?,
            action: o.str("action")?,
            resource: o.str("resource")?,
            handoff: o.get("handoff", RawHandoff::from_json)?,
            context: o.value("context").unwrap_or_default(),
            now: o.str("now")?,
            chain: o.strings("chain")?,
            expect: o.need("expect", "an object", Expect::from_json)?,
        })
    }
}

struct RawHandoff {
    from: String,
    to: String,
}

impl RawHandoff {
    fn from_json(value: serde_json::Value) -> Result<RawHandoff, JsonError> {
        let mut o = Obj::new(value, &["from", "to"])?;
        Ok(RawHandoff {
            from: o.need_str("from")?,
            to: o.need_str("to")?,
        })
    }
}

struct RawInvalid {
    name: String,
    policy: String,
    expect_error: ExpectError,
}

impl RawInvalid {
    fn from_json(value: serde_json::Value) -> Result<RawInvalid, JsonError> {
        let mut o = Obj::new(value, &["name", "policy", "expectError"])?;
        Ok(RawInvalid {
            name: o.need_str("name")?,
            policy: o.need_str("policy")?,
            expect_error: o
                .get("expectError", ExpectError::from_json)?
                .unwrap_or_default(),
        })
    }
}

const FILE_KEYS: &[&str] = &[
    "description",
    "options",
    "policies",
    "agents",
    "cases",
    "invalid",
];

impl Suite {
    /// Reads a test file.
    pub fn parse(file: &str, text: &str) -> Result<Suite, SuiteError> {
        let fail = |line: u32, message: String| SuiteError {
            file: file.to_owned(),
            line,
            message,
        };
        let mut docs =
            yaml::read_stream(text, Limits::default()).map_err(|e| fail(e.pos.line, e.message))?;
        if docs.len() != 1 {
            return Err(fail(1, "expected exactly one YAML document".into()));
        }
        let doc = docs.remove(0);
        let Value::Map(entries) = doc.value else {
            return Err(fail(doc.pos.line, "expected a mapping at the top".into()));
        };
        let mut suite = Suite {
            file: file.to_owned(),
            description: None,
            options: Options::default(),
            policies: Vec::new(),
            policy_nodes: Vec::new(),
            agents: BTreeMap::new(),
            cases: Vec::new(),
            invalid: Vec::new(),
        };
        let mut agents: BTreeMap<String, Agent> = BTreeMap::new();
        let mut raw_cases = Vec::new();
        for e in entries {
            let line = e.value.pos.line;
            let from_node = |node: &Node| -> Result<serde_json::Value, SuiteError> {
                to_json(node).map_err(|m| fail(node.pos.line, m))
            };
            match e.key.as_str() {
                "description" => {
                    let value = from_node(&e.value)?;
                    suite.description = match value {
                        serde_json::Value::Null => None,
                        v => Some(
                            json::string(v)
                                .map_err(|err| fail(line, err.in_key("description").to_string()))?,
                        ),
                    };
                }
                "options" => {
                    suite.options = Options::from_json(from_node(&e.value)?)
                        .map_err(|err| fail(line, err.in_key("options").to_string()))?;
                }
                "agents" => {
                    let Value::Map(items) = &e.value.value else {
                        return Err(fail(
                            line,
                            "agents: expected a mapping of keys to agents".into(),
                        ));
                    };
                    for item in items {
                        let agent = Agent::from_json(from_node(&item.value)?).map_err(|err| {
                            let err = err.in_key(&item.key).in_key("agents");
                            fail(item.value.pos.line, err.to_string())
                        })?;
                        agents.insert(item.key.clone(), agent);
                    }
                }
                "policies" => {
                    let Value::Seq(items) = e.value.value else {
                        return Err(fail(line, "policies: expected a list".into()));
                    };
                    for item in items {
                        match item.value {
                            Value::String(text) => {
                                suite.policies.push(text.clone());
                                suite.policy_nodes.push(PolicyItem::Text(text));
                            }
                            _ => {
                                suite.policies.push(from_node(&item)?.to_string());
                                suite.policy_nodes.push(PolicyItem::Inline(item));
                            }
                        }
                    }
                }
                "cases" | "invalid" => {
                    let Value::Seq(items) = &e.value.value else {
                        return Err(fail(line, format!("{}: expected a list", e.key)));
                    };
                    for (i, item) in items.iter().enumerate() {
                        let json = from_node(item)?;
                        let line = item.pos.line;
                        let at =
                            |err: JsonError| fail(line, err.in_index(i).in_key(&e.key).to_string());
                        if e.key == "cases" {
                            let raw = RawCase::from_json(json).map_err(at)?;
                            raw_cases.push((line, raw));
                        } else {
                            let raw = RawInvalid::from_json(json).map_err(at)?;
                            suite.invalid.push(InvalidDoc {
                                name: raw.name,
                                line,
                                policy: raw.policy,
                                expect_error: raw.expect_error,
                            });
                        }
                    }
                }
                other => {
                    let hint = crate::text::suggest(other, FILE_KEYS)
                        .map_or_else(String::new, |s| format!("; did you mean '{s}'?"));
                    return Err(fail(e.key_pos.line, format!("unknown key '{other}'{hint}")));
                }
            }
        }
        for (line, raw) in raw_cases {
            let case = resolve_case(raw, line, &agents).map_err(|m| fail(line, m))?;
            suite.cases.push(case);
        }
        suite.agents = agents;
        Ok(suite)
    }

    /// An engine with this file's options and policies.
    pub fn engine(&self, zones: std::sync::Arc<dyn ZoneProvider>) -> Result<Engine, LoadError> {
        let names: Vec<String> = (0..self.policy_nodes.len())
            .map(|i| format!("{}: policies[{i}]", self.file))
            .collect();
        let inputs: Vec<Input<'_>> = self
            .policy_nodes
            .iter()
            .zip(&names)
            .map(|(item, name)| match item {
                PolicyItem::Inline(node) => Input::Parsed {
                    name: &self.file,
                    docs: std::slice::from_ref(node),
                },
                PolicyItem::Text(text) => Input::Text(Source { name, text }),
            })
            .collect();
        let mut engine = Engine::new(self.options.engine()).with_zones(zones);
        let set = PolicySet::parse_inputs(&inputs, engine.zones())?;
        engine.replace(set);
        Ok(engine)
    }

    /// Runs every case in order against one engine, then every invalid document.
    /// Cases without `now` are evaluated at `default_now`.
    pub fn run(&self, zones: std::sync::Arc<dyn ZoneProvider>, default_now: Timestamp) -> Report {
        let mut results = Vec::new();
        match self.engine(zones) {
            Err(e) => results.push(CaseResult {
                name: "policies load".into(),
                line: 1,
                failure: Some(e.to_string()),
            }),
            Ok(engine) => {
                for case in &self.cases {
                    let decision = case.decide(&engine, default_now);
                    results.push(CaseResult {
                        name: case.name.clone(),
                        line: case.line,
                        failure: case.expect.verify(&Observed::from(&decision)).err(),
                    });
                }
                for doc in &self.invalid {
                    let name = format!("{}: invalid '{}'", self.file, doc.name);
                    let outcome = PolicySet::parse(
                        &[Source {
                            name: &name,
                            text: &doc.policy,
                        }],
                        engine.zones(),
                    );
                    let failure = match outcome {
                        Ok(_) => Some("the document loaded, but it must be refused".into()),
                        Err(e) => match e.first() {
                            Some(first) => {
                                doc.expect_error.verify(&ObservedError::from(first)).err()
                            }
                            None => Some("the load failed without an error".into()),
                        },
                    };
                    results.push(CaseResult {
                        name: doc.name.clone(),
                        line: doc.line,
                        failure,
                    });
                }
            }
        }
        Report {
            file: self.file.clone(),
            results,
        }
    }
}

impl Case {
    /// Runs the case against `engine`.
    pub fn decide(&self, engine: &Engine, default_now: Timestamp) -> Decision {
        let now = self.now.unwrap_or(default_now);
        match &self.kind {
            CaseKind::Check {
                agent,
                action,
                resource,
            } => {
                let mut req = Request::new(agent, action, now)
                    .context(&self.context)
                    .chain(&self.chain);
                if let Some(r) = resource {
                    req = req.resource(r);
                }
                engine.check(&req)
            }
            CaseKind::Handoff { from, to } => {
                let req = HandoffRequest {
                    from,
                    to,
                    chain: &self.chain,
                    chain_unknown: false,
                    context: &self.context,
                    now,
                    trace_id: None,
                };
                engine.check_handoff(&req).decision
            }
        }
    }
}

fn resolve_case(raw: RawCase, line: u32, agents: &BTreeMap<String, Agent>) -> Result<Case, String> {
    let agent = |key: &str| {
        agents
            .get(key)
            .cloned()
            .ok_or_else(|| format!("case '{}': unknown agent key '{key}'", raw.name))
    };
    let kind = match (&raw.agent, &raw.action, &raw.handoff) {
        (Some(a), Some(action), None) => CaseKind::Check {
            agent: agent(a)?,
            action: action.clone(),
            resource: raw.resource.clone(),
        },
        (None, None, Some(h)) if raw.resource.is_none() => CaseKind::Handoff {
            from: agent(&h.from)?,
            to: agent(&h.to)?,
        },
        _ => {
            return Err(format!(
                "case '{}': give either agent and action (and optionally resource), or handoff",
                raw.name
            ));
        }
    };
    let now = match &raw.now {
        Some(text) => {
            Some(Timestamp::parse_rfc3339(text).map_err(|e| format!("case '{}': {e}", raw.name))?)
        }
        None => None,
    };
    let chain = raw
        .chain
        .iter()
        .map(|k| agent(k))
        .collect::<Result<_, _>>()?;
    Ok(Case {
        name: raw.name,
        line,
        kind,
        context: raw.context,
        now,
        chain,
        expect: raw.expect,
    })
}

/// A document node as JSON (for handing parts of a test file to serde).
fn to_json(node: &Node) -> Result<serde_json::Value, String> {
    use serde_json::Value as J;
    Ok(match &node.value {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Number(n, _) => {
            if n.fract() == 0.0 && n.abs() < 9.0e15 {
                J::from(*n as i64)
            } else {
                serde_json::Number::from_f64(*n)
                    .map(J::Number)
                    .ok_or_else(|| format!("line {}: {n} has no JSON form", node.pos.line))?
            }
        }
        Value::String(s) => J::String(s.clone()),
        Value::Seq(items) => J::Array(items.iter().map(to_json).collect::<Result<_, _>>()?),
        Value::Map(entries) => J::Object(
            entries
                .iter()
                .map(|e| Ok((e.key.clone(), to_json(&e.value)?)))
                .collect::<Result<_, String>>()?,
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "policies:\n  - {name: p, rules: [{name: r, effect: allow, actions: [\"read:*\"]}]}\nagents:\n  a: {id: a1, trustTier: verified}\n";

    fn parse_err(body: &str) -> String {
        Suite::parse("t.yaml", &format!("{HEAD}{body}"))
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn a_file_reads_into_cases_with_agents_resolved() {
        let text = format!(
            "{HEAD}options: {{mode: audit, maxDelegationDepth: 2}}\ncases:\n  - name: c\n    agent: a\n    action: read:x\n    context: {{n: 1}}\n    now: 2026-11-26T10:00:00Z\n    expect: {{decision: allow, rule: r, reasonContains: ALLOW}}\ninvalid:\n  - name: i\n    policy: \"name: x\"\n"
        );
        let suite = Suite::parse("t.yaml", &text).unwrap();
        assert_eq!(suite.options.mode, Mode::Audit);
        assert_eq!(suite.options.max_delegation_depth, Some(2));
        let case = &suite.cases[0];
        assert!(matches!(&case.kind, CaseKind::Check { agent, .. } if &*agent.id == "a1"));
        assert_eq!(case.context, serde_json::json!({"n": 1}));
        assert_eq!(suite.invalid[0].expect_error.line, None);
        let report = suite.run(crate::zone::default_provider(), Timestamp::EPOCH);
        assert_eq!(report.failures().count(), 0, "{report}");
    }

    #[test]
    fn a_suite_serializes_for_the_bindings() {
        let text = format!(
            "{HEAD}cases:\n  - name: c\n    agent: a\n    action: read:x\n    now: 2026-11-26T10:00:00.5Z\n    expect: {{decision: allow}}\n  - name: h\n    handoff: {{from: a, to: a}}\n    chain: [a]\n    context: {{k: [1, x]}}\n    expect: {{decision: deny, reasonContains: cycle}}\n"
        );
        let suite = Suite::parse("t.yaml", &text).unwrap();
        let agent =
            serde_json::json!({"id": "a1", "name": "a1", "trustTier": "verified", "tags": []});
        let expect = |decision: &str, reason: Option<&str>| serde_json::json!({"decision": decision, "allowed": null, "policy": null, "rule": null, "reasonContains": reason});
        assert_eq!(
            serde_json::to_value(&suite.cases).unwrap(),
            serde_json::json!([
                {"name": "c", "line": 6, "check": {"agent": agent, "action": "read:x", "resource": null},
                 "context": null, "now": "2026-11-26T10:00:00.500Z", "chain": [], "expect": expect("allow", None)},
                {"name": "h", "line": 11, "handoff": {"from": agent, "to": agent},
                 "context": {"k": [1, "x"]}, "now": null, "chain": [agent], "expect": expect("deny", Some("cycle"))}
            ])
        );
        assert_eq!(
            serde_json::to_value(&suite.agents).unwrap(),
            serde_json::json!({"a": agent})
        );
        let text = serde_json::to_string(&suite.cases[0]).unwrap();
        assert!(
            text.starts_with(r#"{"name":"c","line":6,"check":{"agent":{"id":"a1""#),
            "{text}"
        );
    }

    #[test]
    fn bad_parts_of_a_file_are_named_by_path() {
        assert_eq!(
            parse_err("agents2: {}\n"),
            "t.yaml:5: unknown key 'agents2'; did you mean 'agents'?"
        );
        assert_eq!(
            Suite::parse("t.yaml", "agents:\n  b: {id: b, trustTier: root}\n")
                .unwrap_err()
                .message,
            "agents.b.trustTier: unknown trust tier 'root': expected one of untrusted, basic, verified, trusted, privileged"
        );
        assert_eq!(
            parse_err("options: {mode: yolo}\n"),
            "t.yaml:5: options.mode: unknown mode 'yolo': expected enforce, audit or bypass"
        );
        assert_eq!(
            parse_err(
                "cases:\n  - {name: ok, agent: a, action: x, expect: {decision: allow}}\n  - {name: c, agent: a, action: x, expect: {decision: maybe}}\n"
            ),
            "t.yaml:7: cases[1].expect.decision: unknown decision 'maybe'"
        );
        assert_eq!(
            parse_err("cases:\n  - {name: c, agent: a, action: x}\n"),
            "t.yaml:6: cases[0].expect: missing (expected an object)"
        );
        assert_eq!(
            parse_err("cases:\n  - {name: c, handoff: {from: a}, expect: {decision: deny}}\n"),
            "t.yaml:6: cases[0].handoff.to: missing (expected a string)"
        );
        assert_eq!(
            parse_err("invalid:\n  - {name: i, policy: x, expectError: {line: -1}}\n"),
            "t.yaml:6: invalid[0].expectError.line: expected a whole number of at least 0, found -1"
        );
        assert_eq!(
            parse_err("cases:\n  - {name: c, agent: b, action: x, expect: {decision: deny}}\n"),
            "t.yaml:6: case 'c': unknown agent key 'b'"
        );
    }

    #[test]
    fn observed_results_are_read_strictly() {
        let o =
            Observed::parse(r#"{"decision":"deny","allowed":false,"policy":null,"reason":"no"}"#)
                .unwrap();
        assert_eq!(
            (o.decision.as_str(), o.allowed, o.policy),
            ("deny", false, None)
        );
        assert_eq!(
            Observed::parse(r#"{"decision":"deny","reason":"no"}"#)
                .unwrap_err()
                .to_string(),
            "allowed: missing (expected true or false)"
        );
        let e = ObservedError::parse(r#"{"path":"rules","message":"m","line":"3"}"#).unwrap_err();
        assert_eq!(
            e.to_string(),
            "line: expected a whole number of at least 0, found \"3\""
        );
    }

    #[test]
    fn expectations_ignore_ascii_case() {
        assert!(contains_ignoring_case("Amount exceeds LIMIT", "limit"));
        assert!(contains_ignoring_case("abc", ""));
        assert!(!contains_ignoring_case("ab", "abc"));
        let expect = ExpectError {
            path_contains: None,
            message_contains: Some("UNKNOWN key".into()),
            line: Some(2),
        };
        let got = ObservedError {
            path: String::new(),
            message: "an unknown key".into(),
            line: 2,
        };
        assert_eq!(expect.verify(&got), Ok(()));
    }
}
