//! Policy test files ("conformance vectors"): policies, agents, and cases with the
//! decision each must reach, plus documents that must fail to load. The format is
//! described in `docs/testing-policies.md`; users keep their own sets in it.
//!
//! [`Suite::run`] drives the native engine. Bindings drive their own API with the
//! parsed cases and check results with [`Expect::verify`] and
//! [`ExpectError::verify`], so every layer is judged by the same code.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::agent::Agent;
use crate::decision::{Decision, Effect, Mode};
use crate::engine::{Engine, EngineOptions, HandoffRequest, Request};
use crate::policy::{Diagnostic, LoadError, PolicySet, Source, decode, guard};
use crate::time::Timestamp;
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
    /// The file's `agents`, by key.
    pub agents: BTreeMap<String, Agent>,
    pub cases: Vec<Case>,
    pub invalid: Vec<InvalidDoc>,
}

/// Engine options a file may set.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Options {
    #[serde(default, deserialize_with = "from_text")]
    pub mode: Mode,
    pub max_delegation_depth: Option<u32>,
}

/// A value read with its `FromStr`, whose error is the message.
fn from_text<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: std::str::FromStr,
    T::Err: fmt::Display,
{
    struct V<T>(std::marker::PhantomData<T>);
    impl<T: std::str::FromStr> Visitor<'_> for V<T>
    where
        T::Err: fmt::Display,
    {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
            v.parse().map_err(E::custom)
        }
    }
    d.deserialize_str(V(std::marker::PhantomData))
}

/// A decision as expectations name it.
fn decision<'de, D: Deserializer<'de>>(d: D) -> Result<Effect, D::Error> {
    from_text::<D, ExpectedDecision>(d).map(|ExpectedDecision(e)| e)
}

/// An effect, named as a decision in messages.
struct ExpectedDecision(Effect);

impl std::str::FromStr for ExpectedDecision {
    type Err = String;
    fn from_str(text: &str) -> Result<ExpectedDecision, String> {
        text.parse()
            .map(ExpectedDecision)
            .map_err(|()| format!("unknown decision '{text}'"))
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
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Expect {
    #[serde(deserialize_with = "decision")]
    pub decision: Effect,
    pub allowed: Option<bool>,
    pub policy: Option<String>,
    pub rule: Option<String>,
    pub reason_contains: Option<String>,
}

/// The parts of a decision a case can expect, as any layer reports them.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Observed {
    pub decision: String,
    pub allowed: bool,
    pub policy: Option<String>,
    pub rule: Option<String>,
    pub reason: String,
}

impl Observed {
    /// `{decision, allowed, policy, rule, reason}` as JSON text (what bindings report).
    pub fn parse(text: &str) -> Result<Observed, serde_json::Error> {
        serde_json::from_str(text)
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
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExpectError {
    pub path_contains: Option<String>,
    pub message_contains: Option<String>,
    pub line: Option<u32>,
}

/// The parts of a load error an expectation can name.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObservedError {
    pub path: String,
    /// The full message, suggestion included.
    pub message: String,
    pub line: u32,
}

impl ObservedError {
    /// `{path, message, line}` as JSON text (what bindings report).
    pub fn parse(text: &str) -> Result<ObservedError, serde_json::Error> {
        serde_json::from_str(text)
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

/// A test file as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    description: Option<String>,
    #[serde(default)]
    options: Options,
    #[serde(default)]
    policies: Vec<Json>,
    #[serde(default)]
    agents: Agents,
    #[serde(default)]
    cases: Vec<RawCase>,
    #[serde(default)]
    invalid: Vec<RawInvalid>,
}

/// A case as written, its agents still keys.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    name: Named,
    agent: Option<String>,
    action: Option<String>,
    resource: Option<String>,
    handoff: Option<RawHandoff>,
    #[serde(default)]
    context: Json,
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
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawInvalid {
    name: Named,
    policy: String,
    #[serde(default)]
    expect_error: ExpectError,
}

/// A case's name and the address it was read from (its line, later).
struct Named {
    text: String,
    at: Option<usize>,
}

impl<'de> Deserialize<'de> for Named {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Named;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Named, E> {
                Ok(Named {
                    text: v.to_owned(),
                    at: Some(v.as_ptr() as usize),
                })
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Named, E> {
                Ok(Named {
                    text: v.to_owned(),
                    at: None,
                })
            }
        }
        d.deserialize_str(V)
    }
}

/// `agents`: keys to agents, each key once.
#[derive(Default)]
struct Agents(Vec<(String, serde_json::Value)>);

impl<'de> Deserialize<'de> for Agents {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Json::deserialize(d)?.0 {
            serde_json::Value::Object(map) => Ok(Agents(map.into_iter().collect())),
            serde_json::Value::Null => Ok(Agents::default()),
            _ => Err(de::Error::custom("expected a mapping of keys to agents")),
        }
    }
}

/// Any value, as JSON; a mapping that repeats a key is refused.
#[derive(Default)]
struct Json(serde_json::Value);

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde_json::Value as J;
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Json;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any value")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Json, E> {
                Ok(Json(J::Null))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Json, E> {
                Ok(Json(J::Bool(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Json, E> {
                Ok(Json(J::from(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Json, E> {
                Ok(Json(J::from(v)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Json, E> {
                serde_json::Number::from_f64(v)
                    .map(|n| Json(J::Number(n)))
                    .ok_or_else(|| E::custom(format!("{v} has no JSON form")))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Json, E> {
                Ok(Json(J::String(v.to_owned())))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
                let mut out = Vec::new();
                while let Some(Json(v)) = seq.next_element()? {
                    out.push(v);
                }
                Ok(Json(J::Array(out)))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
                let mut out = serde_json::Map::new();
                while let Some(key) = map.next_key::<String>()? {
                    if out.contains_key(&key) {
                        return Err(de::Error::custom(format!("duplicate key '{key}'")));
                    }
                    let Json(v) = map.next_value()?;
                    out.insert(key, v);
                }
                Ok(Json(J::Object(out)))
            }
        }
        d.deserialize_any(V)
    }
}

impl Suite {
    /// Reads a test file.
    pub fn parse(file: &str, text: &str) -> Result<Suite, SuiteError> {
        let fail = |line: u32, message: String| SuiteError {
            file: file.to_owned(),
            line,
            message,
        };
        guard::check(text, guard::Limits::default()).map_err(|r| fail(r.line, r.message))?;
        let raw: RawFile = yaml_serde::from_str(text).map_err(|e| {
            let mut d = decode::describe(&e, text);
            if d.kind == crate::policy::DiagnosticKind::UnknownKey {
                // The message names the key.
                d.path = d.path.rsplit_once('.').map_or("", |(p, _)| p).to_owned();
            }
            let mut message = match d.path.as_str() {
                "" => d.message,
                path => format!("{path}: {}", d.message),
            };
            if let Some(s) = d.suggestion {
                message.push_str(&format!("; did you mean '{s}'?"));
            }
            fail(d.line, message)
        })?;
        let line_of = |at: Option<usize>| decode::line_of(text, at);
        let mut agents = BTreeMap::new();
        for (key, value) in raw.agents.0 {
            let agent =
                Agent::from_json(value).map_err(|e| fail(1, format!("agents.{key}: {e}")))?;
            agents.insert(key, agent);
        }
        let mut suite = Suite {
            file: file.to_owned(),
            description: raw.description,
            options: raw.options,
            policies: Vec::new(),
            agents: BTreeMap::new(),
            cases: Vec::new(),
            invalid: Vec::new(),
        };
        for Json(policy) in raw.policies {
            suite.policies.push(match policy {
                serde_json::Value::String(text) => text,
                inline => inline.to_string(),
            });
        }
        for raw in raw.cases {
            let line = line_of(raw.name.at);
            let case = resolve_case(raw, line, &agents).map_err(|m| fail(line, m))?;
            suite.cases.push(case);
        }
        for raw in raw.invalid {
            suite.invalid.push(InvalidDoc {
                line: line_of(raw.name.at),
                name: raw.name.text,
                policy: raw.policy,
                expect_error: raw.expect_error,
            });
        }
        suite.agents = agents;
        Ok(suite)
    }

    /// An engine with this file's options and policies.
    pub fn engine(&self, zones: std::sync::Arc<dyn ZoneProvider>) -> Result<Engine, LoadError> {
        let names: Vec<String> = (0..self.policies.len())
            .map(|i| format!("{}: policies[{i}]", self.file))
            .collect();
        let sources: Vec<Source<'_>> = self
            .policies
            .iter()
            .zip(&names)
            .map(|(text, name)| Source { name, text })
            .collect();
        let mut engine = Engine::new(self.options.engine()).with_zones(zones);
        let set = PolicySet::parse(&sources, engine.zones())?;
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
    let name = raw.name.text;
    let agent = |key: &str| {
        agents
            .get(key)
            .cloned()
            .ok_or_else(|| format!("case '{}': unknown agent key '{key}'", name))
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
                name
            ));
        }
    };
    let now = match &raw.now {
        Some(text) => {
            Some(Timestamp::parse_rfc3339(text).map_err(|e| format!("case '{}': {e}", name))?)
        }
        None => None,
    };
    let chain = raw
        .chain
        .iter()
        .map(|k| agent(k))
        .collect::<Result<_, _>>()?;
    Ok(Case {
        name,
        line,
        kind,
        context: raw.context.0,
        now,
        chain,
        expect: raw.expect,
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
            "agents.b: trustTier: unknown trust tier 'root': expected one of untrusted, basic, verified, trusted, privileged"
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
            "t.yaml:6: cases[0]: missing required key 'expect'"
        );
        assert_eq!(
            parse_err("cases:\n  - {name: c, handoff: {from: a}, expect: {decision: deny}}\n"),
            "t.yaml:6: cases[0].handoff: missing required key 'to'"
        );
        assert_eq!(
            parse_err("invalid:\n  - {name: i, policy: x, expectError: {line: -1}}\n"),
            "t.yaml:6: invalid[0].expectError.line: invalid type: integer '-1', expected u32"
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
            "missing field `allowed` at line 1 column 33"
        );
        let e = ObservedError::parse(r#"{"path":"rules","message":"m","line":"3"}"#).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid type: string \"3\", expected u32 at line 1 column 40"
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
