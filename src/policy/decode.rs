//! Turns a document tree into a [`Policy`], collecting every error and warning with
//! its position and path instead of stopping at the first.

use std::sync::Arc;

use super::diagnostic::{Diagnostic, DiagnosticKind, Path, Severity};
use super::{AppliesTo, Delegation, Origin, Policy, RateLimit, Rule};
use crate::agent::TrustTier;
use crate::condition::calendar::{DaySet, TimeRange};
use crate::condition::facts::FieldPath;
use crate::condition::spec::{OPERATORS, Op, Scalar};
use crate::condition::{Condition, FieldKey};
use crate::decision::Effect;
use crate::pattern::Pattern;
use crate::text::suggest;
use crate::yaml::{Entry, Node, Pos, Value};
use crate::zone::{Zone, ZoneProvider};

const PLAIN_KEYS: &[&str] = &[
    "name",
    "version",
    "description",
    "appliesTo",
    "rules",
    "defaultEffect",
    "timezone",
    "delegation",
];
const AGT_KEYS: &[&str] = &["apiVersion", "kind", "metadata", "spec"];
const AGT_API_VERSION: &str = "governance.toolkit/v1";
const METADATA_KEYS: &[&str] = &["name", "version", "description"];
const SPEC_KEYS: &[&str] = &[
    "rules",
    "appliesTo",
    "defaultEffect",
    "delegation",
    "timezone",
];
const APPLIES_TO_KEYS: &[&str] = &["tags", "trustTiers", "agentIds", "orgIds"];
const RULE_KEYS: &[&str] = &["name", "effect", "actions", "conditions", "reason"];
const EFFECTS: &[&str] = &["allow", "deny", "require_approval"];
const CONDITION_KEYS: &[&str] = &[
    "amount_max",
    "amount_min",
    "time_range",
    "days",
    "resource",
    "context",
    "tags",
    "minTrustTier",
    "rateLimit",
];
const RESOURCE_KEYS: &[&str] = &["matches", "startsWith", "contains"];
const RATE_LIMIT_KEYS: &[&str] = &["requestsPerMinute", "requestsPerHour"];
const DELEGATION_KEYS: &[&str] = &["maxDepth", "permissionCeiling"];
const TIER_NAMES: &[&str] = &[
    "untrusted",
    "unverified",
    "anonymous",
    "basic",
    "verified",
    "trusted",
    "privileged",
];

/// Decodes the documents of one source.
pub struct Decoder<'a> {
    source: Arc<str>,
    document: usize,
    zones: &'a dyn ZoneProvider,
    pub errors: Vec<Diagnostic>,
    pub warnings: Vec<Diagnostic>,
}

/// A mapping whose keys have been checked against the known ones.
#[derive(Clone, Copy)]
struct Fields<'n> {
    entries: &'n [Entry],
    pos: Pos,
}

impl<'n> Fields<'n> {
    fn get(&self, key: &str) -> Option<&'n Node> {
        self.entries.iter().find(|e| e.key == key).map(|e| &e.value)
    }
}

/// The items of a value that may be one item or a list of them.
struct Items<'n> {
    nodes: &'n [Node],
    listed: bool,
}

impl<'n> Items<'n> {
    fn iter<'p>(
        &self,
        path: &'p Path<'p>,
    ) -> impl Iterator<Item = (Path<'p>, &'n Node)> + use<'p, 'n> {
        let listed = self.listed;
        self.nodes
            .iter()
            .enumerate()
            .map(move |(i, n)| (if listed { Path::Index(path, i) } else { *path }, n))
    }
}

impl<'a> Decoder<'a> {
    /// A decoder for document `document` of `source`.
    pub fn new(source: Arc<str>, document: usize, zones: &'a dyn ZoneProvider) -> Self {
        Decoder {
            source,
            document,
            zones,
            errors: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// Moves on to the next document of the same source.
    pub fn next_document(&mut self, document: usize) {
        self.document = document;
    }

    fn report(
        &mut self,
        severity: Severity,
        kind: DiagnosticKind,
        pos: Pos,
        path: &Path<'_>,
        message: String,
        suggestion: Option<&str>,
    ) {
        let d = Diagnostic {
            severity,
            kind,
            source: self.source.clone(),
            document: self.document,
            line: pos.line,
            column: pos.column,
            path: path.to_string(),
            message,
            suggestion: suggestion.map(str::to_owned),
        };
        match severity {
            Severity::Error => self.errors.push(d),
            Severity::Warning => self.warnings.push(d),
        }
    }

    fn error(&mut self, kind: DiagnosticKind, pos: Pos, path: &Path<'_>, message: String) {
        self.report(Severity::Error, kind, pos, path, message, None);
    }

    fn wrong_type(&mut self, node: &Node, path: &Path<'_>, expected: &str) {
        let message = format!("expected {expected}, found {}", node.value.kind());
        self.error(DiagnosticKind::WrongType, node.pos, path, message);
    }

    /// A mapping with only `known` keys; unknown keys are reported (with a suggestion).
    fn fields<'n>(
        &mut self,
        node: &'n Node,
        path: &Path<'_>,
        what: &str,
        known: &[&str],
    ) -> Option<Fields<'n>> {
        let Value::Map(entries) = &node.value else {
            self.wrong_type(node, path, "a mapping");
            return None;
        };
        for e in entries {
            if !known.contains(&e.key.as_str()) {
                let message = format!("unknown {what} '{}'", e.key);
                let hint = suggest(&e.key, known);
                self.report(
                    Severity::Error,
                    DiagnosticKind::UnknownKey,
                    e.key_pos,
                    &path.key(&e.key),
                    message,
                    hint,
                );
            }
        }
        Some(Fields {
            entries,
            pos: node.pos,
        })
    }

    fn required<'n>(&mut self, f: &Fields<'n>, key: &str, path: &Path<'_>) -> Option<&'n Node> {
        let node = f.get(key);
        if node.is_none() {
            self.error(
                DiagnosticKind::MissingKey,
                f.pos,
                path,
                format!("missing required key '{key}'"),
            );
        }
        node
    }

    fn string<'n>(&mut self, node: &'n Node, path: &Path<'_>) -> Option<&'n str> {
        match &node.value {
            Value::String(s) => Some(s),
            _ => {
                self.wrong_type(node, path, "a string");
                None
            }
        }
    }

    fn non_empty_string<'n>(&mut self, node: &'n Node, path: &Path<'_>) -> Option<&'n str> {
        let s = self.string(node, path)?;
        if s.is_empty() {
            self.error(
                DiagnosticKind::InvalidValue,
                node.pos,
                path,
                "may not be empty".into(),
            );
            return None;
        }
        Some(s)
    }

    fn number(&mut self, node: &Node, path: &Path<'_>) -> Option<f64> {
        match &node.value {
            Value::Number(n, _) if n.is_finite() => Some(*n),
            Value::Number(..) => {
                self.error(
                    DiagnosticKind::InvalidValue,
                    node.pos,
                    path,
                    "expected a finite number".into(),
                );
                None
            }
            _ => {
                self.wrong_type(node, path, "a number");
                None
            }
        }
    }

    /// A whole number in `min..=u32::MAX`.
    fn count(&mut self, node: &Node, path: &Path<'_>, min: u32) -> Option<u32> {
        let n = self.number(node, path)?;
        if n.fract() != 0.0 || n < f64::from(min) || n > f64::from(u32::MAX) {
            let message = format!("expected a whole number of at least {min}, found {n}");
            self.error(DiagnosticKind::InvalidValue, node.pos, path, message);
            return None;
        }
        Some(n as u32)
    }

    fn items<'n>(
        &mut self,
        node: &'n Node,
        path: &Path<'_>,
        what: &str,
        allow_empty: bool,
    ) -> Option<Items<'n>> {
        let items = match &node.value {
            Value::Seq(nodes) => Items {
                nodes,
                listed: true,
            },
            Value::Map(_) | Value::Null => {
                self.wrong_type(node, path, &format!("{what} or a list of them"));
                return None;
            }
            _ => Items {
                nodes: std::slice::from_ref(node),
                listed: false,
            },
        };
        if items.nodes.is_empty() && !allow_empty {
            self.error(
                DiagnosticKind::InvalidValue,
                node.pos,
                path,
                format!("expected at least one {what}, found an empty list"),
            );
            return None;
        }
        Some(items)
    }

    fn strings<'n>(&mut self, node: &'n Node, path: &Path<'_>, what: &str) -> Option<Vec<&'n str>> {
        let items = self.items(node, path, what, false)?;
        let mut out = Vec::with_capacity(items.nodes.len());
        let mut ok = true;
        for (p, n) in items.iter(path) {
            match self.non_empty_string(n, &p) {
                Some(s) => out.push(s),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    fn patterns(
        &mut self,
        node: &Node,
        path: &Path<'_>,
        allow_empty: bool,
    ) -> Option<Vec<Pattern>> {
        let items = self.items(node, path, "pattern", allow_empty)?;
        let mut out = Vec::with_capacity(items.nodes.len());
        let mut ok = true;
        for (p, n) in items.iter(path) {
            let Some(text) = self.string(n, &p) else {
                ok = false;
                continue;
            };
            match Pattern::new(text) {
                Ok(pattern) => out.push(pattern),
                Err(e) => {
                    self.error(DiagnosticKind::InvalidValue, n.pos, &p, e.to_string());
                    ok = false;
                }
            }
        }
        ok.then_some(out)
    }

    fn scalar(&mut self, node: &Node, path: &Path<'_>) -> Option<Scalar> {
        match &node.value {
            Value::Bool(b) => Some(Scalar::Bool(*b)),
            Value::Number(n, _) if n.is_finite() => Some(Scalar::Number(*n)),
            Value::String(s) => Some(Scalar::Str(s.as_str().into())),
            Value::Null => {
                let message =
                    "null matches nothing (a null field is unknown); use `exists: false`".into();
                self.error(DiagnosticKind::InvalidValue, node.pos, path, message);
                None
            }
            _ => {
                self.wrong_type(node, path, "a string, number or boolean");
                None
            }
        }
    }

    fn scalars(&mut self, node: &Node, path: &Path<'_>) -> Option<Vec<Scalar>> {
        let items = self.items(node, path, "value", false)?;
        let mut out = Vec::with_capacity(items.nodes.len());
        let mut ok = true;
        for (p, n) in items.iter(path) {
            match self.scalar(n, &p) {
                Some(s) => out.push(s),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    fn tier(&mut self, node: &Node, path: &Path<'_>) -> Option<TrustTier> {
        let text = self.string(node, path)?;
        match text.parse() {
            Ok(t) => Some(t),
            Err(e) => {
                let hint = suggest(text, TIER_NAMES);
                self.report(
                    Severity::Error,
                    DiagnosticKind::InvalidValue,
                    node.pos,
                    path,
                    e.to_string(),
                    hint,
                );
                None
            }
        }
    }

    /// Decodes one document into a policy; `None` if it had errors (all reported).
    pub fn policy(&mut self, doc: &Node) -> Option<Policy> {
        let errors_before = self.errors.len();
        let root = Path::Root;
        let Value::Map(top) = &doc.value else {
            self.wrong_type(doc, &root, "a policy (a mapping with name and rules)");
            return None;
        };
        let agt = top.iter().any(|e| AGT_KEYS.contains(&e.key.as_str()));
        let (meta_path, spec_path) = (root.key("metadata"), root.key("spec"));
        let (head, head_path, body, body_path) = if agt {
            let f = self.fields(doc, &root, "key", AGT_KEYS)?;
            self.agt_header(&f, &root);
            let meta = self.required(&f, "metadata", &root);
            let spec = self.required(&f, "spec", &root);
            let meta =
                meta.and_then(|m| self.fields(m, &meta_path, "metadata key", METADATA_KEYS))?;
            let spec = spec.and_then(|s| self.fields(s, &spec_path, "spec key", SPEC_KEYS))?;
            (meta, meta_path, spec, spec_path)
        } else {
            let f = self.fields(doc, &root, "key", PLAIN_KEYS)?;
            (f, root, f, root)
        };
        let policy = self.policy_body(head, &head_path, body, &body_path, doc.pos);
        if self.errors.len() > errors_before {
            return None;
        }
        if let Some(p) = &policy {
            self.warn_about(p, &body, &body_path);
        }
        policy
    }

    fn agt_header(&mut self, f: &Fields<'_>, root: &Path<'_>) {
        let checks = [("apiVersion", AGT_API_VERSION), ("kind", "Policy")];
        for (key, want) in checks {
            let path = root.key(key);
            if let Some(node) = self.required(f, key, root) {
                if let Some(got) = self.string(node, &path) {
                    if got != want {
                        self.error(
                            DiagnosticKind::InvalidValue,
                            node.pos,
                            &path,
                            format!("expected '{want}', found '{got}'"),
                        );
                    }
                }
            }
        }
    }

    /// The policy proper; `head` holds name/version/description, `body` the rest
    /// (the same mapping in the plain form, `metadata` and `spec` in the AGT form).
    fn policy_body(
        &mut self,
        head: Fields<'_>,
        head_path: &Path<'_>,
        body: Fields<'_>,
        body_path: &Path<'_>,
        pos: Pos,
    ) -> Option<Policy> {
        let name_path = head_path.key("name");
        let name = self
            .required(&head, "name", head_path)
            .and_then(|n| self.non_empty_string(n, &name_path));
        let version = head.get("version").and_then(|n| match &n.value {
            Value::String(s) => Some(s.clone()),
            Value::Number(_, text) => Some(text.to_string()),
            _ => {
                self.wrong_type(n, &head_path.key("version"), "a string");
                None
            }
        });
        let description = head.get("description").and_then(|n| {
            self.string(n, &head_path.key("description"))
                .map(str::to_owned)
        });
        let applies_to = body
            .get("appliesTo")
            .map(|n| self.applies_to(n, &body_path.key("appliesTo")))
            .unwrap_or_default();
        let default_effect = match body.get("defaultEffect") {
            None => Effect::Deny,
            Some(n) => self.default_effect(n, &body_path.key("defaultEffect")),
        };
        let timezone = match body.get("timezone") {
            None => Zone::default(),
            Some(n) => {
                let path = body_path.key("timezone");
                self.string(n, &path)
                    .and_then(|text| match Zone::parse(text, self.zones) {
                        Ok(z) => Some(z),
                        Err(message) => {
                            self.error(DiagnosticKind::InvalidValue, n.pos, &path, message);
                            None
                        }
                    })
                    .unwrap_or_default()
            }
        };
        let delegation = body
            .get("delegation")
            .map(|n| self.delegation(n, &body_path.key("delegation")))
            .unwrap_or_default();
        let rules_path = body_path.key("rules");
        let rules_node = self.required(&body, "rules", body_path);
        let name: Arc<str> = Arc::from(name?);
        let rules = self.rules(rules_node?, &rules_path, &name)?;
        Some(Policy {
            name,
            version,
            description,
            applies_to,
            rules,
            default_effect,
            timezone,
            delegation,
            origin: Origin {
                source: self.source.clone(),
                document: self.document,
                line: pos.line,
            },
        })
    }

    fn default_effect(&mut self, node: &Node, path: &Path<'_>) -> Effect {
        match self.string(node, path) {
            Some("allow") => Effect::Allow,
            Some("deny") => Effect::Deny,
            Some(other) => {
                let message = format!("unknown default effect '{other}': expected allow or deny");
                let hint = suggest(other, &["allow", "deny"]);
                self.report(
                    Severity::Error,
                    DiagnosticKind::InvalidValue,
                    node.pos,
                    path,
                    message,
                    hint,
                );
                Effect::Deny
            }
            None => Effect::Deny,
        }
    }

    fn applies_to(&mut self, node: &Node, path: &Path<'_>) -> AppliesTo {
        if node.value == Value::Null {
            return AppliesTo::default();
        }
        let Some(f) = self.fields(node, path, "appliesTo key", APPLIES_TO_KEYS) else {
            return AppliesTo::default();
        };
        let mut names = |key: &str| -> Option<Vec<Box<str>>> {
            let n = f.get(key)?;
            let path = path.key(key);
            match &n.value {
                Value::Seq(items) if items.is_empty() => Some(Vec::new()),
                _ => Some(
                    self.strings(n, &path, "name")?
                        .into_iter()
                        .map(Box::from)
                        .collect(),
                ),
            }
        };
        let tags = names("tags");
        let agent_ids = names("agentIds");
        let org_ids = names("orgIds");
        let trust_tiers = f.get("trustTiers").and_then(|n| {
            let path = path.key("trustTiers");
            if matches!(&n.value, Value::Seq(items) if items.is_empty()) {
                return Some(Vec::new());
            }
            let items = self.items(n, &path, "trust tier", false)?;
            let tiers: Vec<Option<TrustTier>> =
                items.iter(&path).map(|(p, n)| self.tier(n, &p)).collect();
            tiers.into_iter().collect()
        });
        AppliesTo {
            tags,
            trust_tiers,
            agent_ids,
            org_ids,
        }
    }

    fn delegation(&mut self, node: &Node, path: &Path<'_>) -> Delegation {
        let Some(f) = self.fields(node, path, "delegation key", DELEGATION_KEYS) else {
            return Delegation::default();
        };
        Delegation {
            max_depth: f
                .get("maxDepth")
                .and_then(|n| self.count(n, &path.key("maxDepth"), 0)),
            permission_ceiling: f
                .get("permissionCeiling")
                .and_then(|n| self.patterns(n, &path.key("permissionCeiling"), true)),
        }
    }

    fn rules(&mut self, node: &Node, path: &Path<'_>, policy: &str) -> Option<Vec<Rule>> {
        let Value::Seq(items) = &node.value else {
            self.wrong_type(node, path, "a list of rules");
            return None;
        };
        if items.is_empty() {
            self.error(
                DiagnosticKind::InvalidValue,
                node.pos,
                path,
                "a policy needs at least one rule".into(),
            );
            return None;
        }
        let mut rules: Vec<Rule> = Vec::with_capacity(items.len());
        let mut names: rustc_hash::FxHashMap<Arc<str>, usize> = rustc_hash::FxHashMap::default();
        for (i, item) in items.iter().enumerate() {
            if let Some(rule) = self.rule(item, &path.index(i), i, policy) {
                if let Some(first) = names.insert(rule.name.clone(), i) {
                    let message = format!(
                        "rule name '{}' is already used by rules[{first}]",
                        rule.name
                    );
                    self.error(
                        DiagnosticKind::Duplicate,
                        item.pos,
                        &path.index(i).key("name"),
                        message,
                    );
                }
                rules.push(rule);
            }
        }
        (rules.len() == items.len()).then_some(rules)
    }

    fn rule(&mut self, node: &Node, path: &Path<'_>, index: usize, policy: &str) -> Option<Rule> {
        let f = self.fields(node, path, "rule key", RULE_KEYS)?;
        let effect_path = path.key("effect");
        let effect = self.required(&f, "effect", path).and_then(|n| {
            let text = self.string(n, &effect_path)?;
            let effect = text.parse::<Effect>().ok();
            if effect.is_none() {
                let message =
                    format!("unknown effect '{text}': expected allow, deny or require_approval");
                let hint = suggest(text, EFFECTS);
                self.report(
                    Severity::Error,
                    DiagnosticKind::InvalidValue,
                    n.pos,
                    &effect_path,
                    message,
                    hint,
                );
            }
            effect
        });
        let actions_path = path.key("actions");
        let actions = self
            .required(&f, "actions", path)
            .and_then(|n| self.patterns(n, &actions_path, false));
        let name = match f.get("name") {
            Some(n) => self.non_empty_string(n, &path.key("name")).map(Arc::from),
            None => Some(Arc::from(format!("rule-{}", index + 1))),
        };
        let reason = f
            .get("reason")
            .and_then(|n| self.string(n, &path.key("reason")).map(Arc::<str>::from));
        let (conditions, rate_limit) = match f.get("conditions") {
            None => (Some(Vec::new()), None),
            Some(n) if n.value == Value::Null => (Some(Vec::new()), None),
            Some(n) => self.conditions(n, &path.key("conditions")),
        };
        let (effect, name) = (effect?, name?);
        if rate_limit.is_some() && effect == Effect::Deny {
            let message = "rateLimit applies to allow and require_approval rules; a deny rule has no budget to spend".into();
            self.error(
                DiagnosticKind::InvalidValue,
                node.pos,
                &path.key("conditions").key("rateLimit"),
                message,
            );
            return None;
        }
        let reason = reason.unwrap_or_else(|| {
            let verb = match effect {
                Effect::Allow => "allowed",
                Effect::Deny => "denied",
                Effect::RequireApproval => "approval required",
            };
            Arc::from(format!("{verb} by rule {name} of policy {policy}"))
        });
        Some(Rule {
            name,
            effect,
            actions: actions?,
            conditions: conditions?,
            rate_limit,
            reason,
            line: node.pos.line,
        })
    }

    fn conditions(
        &mut self,
        node: &Node,
        path: &Path<'_>,
    ) -> (Option<Vec<Condition>>, Option<RateLimit>) {
        let Some(f) = self.fields(node, path, "condition", CONDITION_KEYS) else {
            return (None, None);
        };
        let errors_before = self.errors.len();
        let mut out = Vec::new();
        let mut rate_limit = None;
        for e in f.entries {
            let p = path.key(&e.key);
            let n = &e.value;
            match e.key.as_str() {
                "amount_max" | "amount_min" => {
                    if let Some(bound) = self.number(n, &p) {
                        let (key, op) = if e.key == "amount_max" {
                            (FieldKey::AmountMax, Op::Lte(bound))
                        } else {
                            (FieldKey::AmountMin, Op::Gte(bound))
                        };
                        if let Some(path) = FieldPath::parse("amount") {
                            out.push(Condition::Field {
                                key,
                                path,
                                ops: vec![op],
                            });
                        }
                    }
                }
                "time_range" => {
                    if let Some(text) = self.string(n, &p) {
                        match TimeRange::parse(text) {
                            Ok(r) => out.push(Condition::TimeRange(r)),
                            Err(m) => self.error(DiagnosticKind::InvalidValue, n.pos, &p, m),
                        }
                    }
                }
                "days" => {
                    if let Some(days) = self.days(n, &p) {
                        out.push(Condition::Days(days));
                    }
                }
                "resource" => {
                    if let Some(ops) = self.resource(n, &p) {
                        out.push(Condition::Resource(ops));
                    }
                }
                "context" => self.context(n, &p, &mut out),
                "tags" => {
                    if let Some(tags) = self.strings(n, &p, "tag") {
                        out.push(Condition::Tags(tags.into_iter().map(Box::from).collect()));
                    }
                }
                "minTrustTier" => {
                    if let Some(t) = self.tier(n, &p) {
                        out.push(Condition::MinTrustTier(t));
                    }
                }
                "rateLimit" => rate_limit = self.rate_limit(n, &p),
                _ => {} // reported by `fields`
            }
        }
        let ok = self.errors.len() == errors_before;
        (ok.then_some(out), rate_limit)
    }

    fn days(&mut self, node: &Node, path: &Path<'_>) -> Option<DaySet> {
        let items = self.strings(node, path, "day")?;
        let mut set = DaySet::default();
        let mut ok = true;
        for text in items {
            match DaySet::parse_item(text) {
                Ok(d) => set = set.union(d),
                Err(m) => {
                    self.error(DiagnosticKind::InvalidValue, node.pos, path, m);
                    ok = false;
                }
            }
        }
        ok.then_some(set)
    }

    fn resource(&mut self, node: &Node, path: &Path<'_>) -> Option<Vec<Op>> {
        let f = self.fields(node, path, "resource operator", RESOURCE_KEYS)?;
        if f.entries.is_empty() {
            let message = "an empty resource condition constrains nothing; give matches, startsWith or contains".into();
            self.error(DiagnosticKind::InvalidValue, node.pos, path, message);
            return None;
        }
        let mut ops = Vec::new();
        for e in f.entries {
            let p = path.key(&e.key);
            let op = match e.key.as_str() {
                "matches" => self.patterns(&e.value, &p, false).map(Op::Matches),
                "startsWith" => self
                    .strings(&e.value, &p, "prefix")
                    .map(|v| Op::StartsWith(v.into_iter().map(Box::from).collect())),
                "contains" => self
                    .strings(&e.value, &p, "text")
                    .map(|v| Op::Contains(v.into_iter().map(|s| Scalar::Str(s.into())).collect())),
                _ => continue,
            };
            ops.push(op?);
        }
        Some(ops)
    }

    fn context(&mut self, node: &Node, path: &Path<'_>, out: &mut Vec<Condition>) {
        let Value::Map(entries) = &node.value else {
            self.wrong_type(node, path, "a mapping of context paths to expected values");
            return;
        };
        if entries.is_empty() {
            self.error(
                DiagnosticKind::InvalidValue,
                node.pos,
                path,
                "an empty context condition constrains nothing".into(),
            );
        }
        for e in entries {
            let p = path.key(&e.key);
            let Some(field) = FieldPath::parse(&e.key) else {
                let message = format!(
                    "invalid context path '{}': expected dotted names like customer.tier",
                    e.key
                );
                self.error(DiagnosticKind::InvalidValue, e.key_pos, &p, message);
                continue;
            };
            if let Some(ops) = self.spec(&e.value, &p) {
                out.push(Condition::Field {
                    key: FieldKey::Context,
                    path: field,
                    ops,
                });
            }
        }
    }

    /// A context spec: a scalar (equality), a list (membership) or a map of operators.
    fn spec(&mut self, node: &Node, path: &Path<'_>) -> Option<Vec<Op>> {
        match &node.value {
            Value::Seq(_) => self.scalars(node, path).map(|l| vec![Op::In(l)]),
            Value::Map(_) => {
                let f = self.fields(node, path, "operator", OPERATORS)?;
                if f.entries.is_empty() {
                    self.error(
                        DiagnosticKind::InvalidValue,
                        node.pos,
                        path,
                        "expected at least one operator".into(),
                    );
                    return None;
                }
                let mut ops = Vec::new();
                let mut ok = true;
                for e in f.entries {
                    match self.operator(&e.key, &e.value, &path.key(&e.key)) {
                        Some(op) => ops.push(op),
                        None => ok = false,
                    }
                }
                ok.then_some(ops)
            }
            _ => self.scalar(node, path).map(|s| vec![Op::Equals(s)]),
        }
    }

    fn operator(&mut self, name: &str, n: &Node, p: &Path<'_>) -> Option<Op> {
        Some(match name {
            "equals" => Op::Equals(self.scalar(n, p)?),
            "not_equals" => Op::NotEquals(self.scalar(n, p)?),
            "in" => Op::In(self.scalars(n, p)?),
            "not_in" => Op::NotIn(self.scalars(n, p)?),
            "lt" => Op::Lt(self.number(n, p)?),
            "lte" => Op::Lte(self.number(n, p)?),
            "gt" => Op::Gt(self.number(n, p)?),
            "gte" => Op::Gte(self.number(n, p)?),
            "matches" => Op::Matches(self.patterns(n, p, false)?),
            "not_matches" => Op::NotMatches(self.patterns(n, p, false)?),
            "starts_with" => Op::StartsWith(
                self.strings(n, p, "prefix")?
                    .into_iter()
                    .map(Box::from)
                    .collect(),
            ),
            "contains" => Op::Contains(self.scalars(n, p)?),
            "exists" => match n.value {
                Value::Bool(b) => Op::Exists(b),
                _ => {
                    self.wrong_type(n, p, "true or false");
                    return None;
                }
            },
            _ => return None, // reported by `fields`
        })
    }

    fn rate_limit(&mut self, node: &Node, path: &Path<'_>) -> Option<RateLimit> {
        let f = self.fields(node, path, "rateLimit key", RATE_LIMIT_KEYS)?;
        let per_minute = f
            .get("requestsPerMinute")
            .and_then(|n| self.count(n, &path.key("requestsPerMinute"), 1));
        let per_hour = f
            .get("requestsPerHour")
            .and_then(|n| self.count(n, &path.key("requestsPerHour"), 1));
        if per_minute.is_none() && per_hour.is_none() {
            if f.entries.is_empty() {
                self.error(
                    DiagnosticKind::MissingKey,
                    node.pos,
                    path,
                    "give requestsPerMinute, requestsPerHour or both".into(),
                );
            }
            return None;
        }
        Some(RateLimit {
            per_minute,
            per_hour,
        })
    }

    /// Warnings for a policy that decoded cleanly.
    fn warn_about(&mut self, policy: &Policy, body: &Fields<'_>, body_path: &Path<'_>) {
        let a = &policy.applies_to;
        let empty = [
            ("tags", a.tags.as_ref().is_some_and(Vec::is_empty)),
            (
                "trustTiers",
                a.trust_tiers.as_ref().is_some_and(Vec::is_empty),
            ),
            ("agentIds", a.agent_ids.as_ref().is_some_and(Vec::is_empty)),
            ("orgIds", a.org_ids.as_ref().is_some_and(Vec::is_empty)),
        ];
        let applies_path = body_path.key("appliesTo");
        let pos = body.get("appliesTo").map_or(body.pos, |n| n.pos);
        for (key, is_empty) in empty {
            if is_empty {
                let message = format!(
                    "appliesTo.{key} is an empty list, so policy {} applies to no agent",
                    policy.name
                );
                self.report(
                    Severity::Warning,
                    DiagnosticKind::AppliesToNobody,
                    pos,
                    &applies_path.key(key),
                    message,
                    None,
                );
            }
        }
        self.warn_unreachable(policy, &body_path.key("rules"));
    }

    /// Warns about rules that an earlier unconditional rule of the same policy always
    /// matches first, because it covers every one of their patterns.
    fn warn_unreachable(&mut self, policy: &Policy, rules_path: &Path<'_>) {
        let mut exact: rustc_hash::FxHashMap<&str, &str> = rustc_hash::FxHashMap::default();
        let mut globs: Vec<(&Pattern, &str)> = Vec::new();
        for (i, rule) in policy.rules.iter().enumerate() {
            let covered_by = |q: &Pattern| {
                exact
                    .get(q.as_str())
                    .copied()
                    .or_else(|| globs.iter().find(|(p, _)| p.covers(q)).map(|(_, r)| *r))
            };
            let mut coverers = rule.actions.iter().map(covered_by);
            if let Some(Some(first)) = coverers.next() {
                if coverers.all(|c| c.is_some()) {
                    let message = format!(
                        "rule {} can never match: the unconditional rule {first} before it matches all its actions",
                        rule.name
                    );
                    let pos = Pos {
                        line: rule.line,
                        column: 1,
                    };
                    self.report(
                        Severity::Warning,
                        DiagnosticKind::UnreachableRule,
                        pos,
                        &rules_path.index(i),
                        message,
                        None,
                    );
                }
            }
            if rule.conditions.is_empty() && rule.rate_limit.is_none() {
                for p in &rule.actions {
                    if p.is_exact() {
                        exact.entry(p.as_str()).or_insert(&rule.name);
                    } else {
                        globs.push((p, &rule.name));
                    }
                }
            }
        }
    }
}
