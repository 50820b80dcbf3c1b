//! Policy test files ("conformance vectors"): policies, agents, and cases with the
//! decision each must reach, plus documents that must fail to load. The format is
//! described in `shared/conformance/README.md`; users keep their own sets in it.
//!
//! [`Suite::run`] drives the native engine. Bindings drive their own API with the
//! parsed cases and check results with [`Expect::verify`] and
//! [`ExpectError::verify`], so every layer is judged by the same code.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::agent::Agent;
use crate::decision::{Decision, Effect, Mode};
use crate::engine::{Engine, EngineOptions, HandoffRequest, Request};
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
    pub cases: Vec<Case>,
    pub invalid: Vec<InvalidDoc>,
}

#[derive(Debug)]
enum PolicyItem {
    Inline(Node),
    Text(String),
}

/// Engine options a file may set.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Options {
    #[serde(default, with = "mode_text")]
    pub mode: Mode,
    pub max_delegation_depth: Option<u32>,
}

mod mode_text {
    use super::Mode;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(m: &Mode, s: S) -> Result<S::Ok, S::Error> {
        m.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Mode, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

impl Options {
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

/// One case, with its agents resolved.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Case {
    pub name: String,
    pub line: u32,
    #[serde(flatten)]
    pub kind: CaseKind,
    pub context: serde_json::Value,
    #[serde(with = "opt_time")]
    pub now: Option<Timestamp>,
    /// The delegators above the acting agent, root first.
    pub chain: Vec<Agent>,
    pub expect: Expect,
}

mod opt_time {
    use crate::time::Timestamp;
    use serde::Serializer;

    pub fn serialize<S: Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.collect_str(t),
            None => s.serialize_none(),
        }
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
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Expect {
    #[serde(with = "effect_text")]
    pub decision: Effect,
    pub allowed: Option<bool>,
    pub policy: Option<String>,
    pub rule: Option<String>,
    pub reason_contains: Option<String>,
}

mod effect_text {
    use super::Effect;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(e: &Effect, s: S) -> Result<S::Ok, S::Error> {
        e.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Effect, D::Error> {
        let text = String::deserialize(d)?;
        text.parse()
            .map_err(|()| serde::de::Error::custom(format!("unknown decision '{text}'")))
    }
}

/// The parts of a decision a case can expect, as any layer reports them.
#[derive(Clone, Debug, Deserialize)]
pub struct Observed {
    pub decision: String,
    pub allowed: bool,
    pub policy: Option<String>,
    pub rule: Option<String>,
    pub reason: String,
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
            if !got.reason.to_lowercase().contains(&part.to_lowercase()) {
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
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExpectError {
    pub path_contains: Option<String>,
    pub message_contains: Option<String>,
    pub line: Option<u32>,
}

/// The parts of a load error an expectation can name.
#[derive(Clone, Debug, Deserialize)]
pub struct ObservedError {
    pub path: String,
    /// The full message, suggestion included.
    pub message: String,
    pub line: u32,
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
            if !got.message.to_lowercase().contains(&m.to_lowercase()) {
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    name: String,
    agent: Option<String>,
    action: Option<String>,
    resource: Option<String>,
    handoff: Option<RawHandoff>,
    #[serde(default)]
    context: serde_json::Value,
    now: Option<String>,
    #[serde(default)]
    chain: Vec<String>,
    expect: Expect,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHandoff {
    from: String,
    to: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawInvalid {
    name: String,
    policy: String,
    #[serde(default)]
    expect_error: ExpectError,
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
                    suite.description = serde_json::from_value(from_node(&e.value)?)
                        .map_err(|err| fail(line, format!("description: {err}")))?;
                }
                "options" => {
                    suite.options = serde_json::from_value(from_node(&e.value)?)
                        .map_err(|err| fail(line, format!("options: {err}")))?;
                }
                "agents" => {
                    let Value::Map(items) = &e.value.value else {
                        return Err(fail(
                            line,
                            "agents: expected a mapping of keys to agents".into(),
                        ));
                    };
                    for item in items {
                        let agent =
                            serde_json::from_value(from_node(&item.value)?).map_err(|err| {
                                fail(item.value.pos.line, format!("agents.{}: {err}", item.key))
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
                    for item in items {
                        let json = from_node(item)?;
                        let line = item.pos.line;
                        if e.key == "cases" {
                            let raw: RawCase = serde_json::from_value(json)
                                .map_err(|err| fail(line, format!("case: {err}")))?;
                            raw_cases.push((line, raw));
                        } else {
                            let raw: RawInvalid = serde_json::from_value(json)
                                .map_err(|err| fail(line, format!("invalid: {err}")))?;
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
                    let hint = crate::policy::diagnostic::suggest(other, FILE_KEYS)
                        .map_or_else(String::new, |s| format!("; did you mean '{s}'?"));
                    return Err(fail(e.key_pos.line, format!("unknown key '{other}'{hint}")));
                }
            }
        }
        for (line, raw) in raw_cases {
            let case = resolve_case(raw, line, &agents).map_err(|m| fail(line, m))?;
            suite.cases.push(case);
        }
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
