//! Building the node tree from what the parser reads: anchors and aliases, duplicate
//! keys, and the bounds on nesting and alias expansion.

use rustc_hash::{FxHashMap, FxHashSet};

use super::{Entry, Limits, Node, Pos, SyntaxError, Value, scalar};

/// An anchor and a tag (the suffix of a `!!` core-schema tag) given to a node.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Props<'a> {
    pub anchor: Option<&'a str>,
    pub tag: Option<&'a str>,
}

/// How much a subtree holds, for the bounds on what aliases may copy.
#[derive(Clone, Copy, Default)]
struct Size {
    nodes: usize,
    /// Bytes of text: scalars and keys.
    bytes: usize,
}

impl Size {
    fn add(&mut self, other: Size) {
        self.nodes = self.nodes.saturating_add(other.nodes);
        self.bytes = self.bytes.saturating_add(other.bytes);
    }
}

/// A list or mapping under construction.
struct Frame {
    pos: Pos,
    anchor: Option<String>,
    /// What this subtree holds so far, the frame itself included.
    size: Size,
    kind: FrameKind,
}

enum FrameKind {
    Seq(Vec<Node>),
    Map {
        entries: Vec<Entry>,
        pending_key: Option<(String, Pos)>,
        /// Keys seen, once the mapping is too large for a linear scan.
        seen: Option<FxHashSet<String>>,
    },
}

pub(super) struct Builder {
    limits: Limits,
    stack: Vec<Frame>,
    /// The anchors of the current document, with the size of what each names.
    anchors: FxHashMap<String, (Node, Size)>,
    /// What aliases have copied so far.
    copied: Size,
    pub docs: Vec<Node>,
}

fn fail(pos: Pos, message: impl Into<String>) -> SyntaxError {
    SyntaxError {
        pos,
        message: message.into(),
    }
}

impl Builder {
    pub fn new(limits: Limits) -> Builder {
        Builder {
            limits,
            stack: Vec::new(),
            anchors: FxHashMap::default(),
            copied: Size::default(),
            docs: Vec::new(),
        }
    }

    /// Anchors name nodes of their own document only.
    pub fn start_document(&mut self) {
        self.anchors.clear();
    }

    pub fn scalar(
        &mut self,
        text: String,
        plain: bool,
        props: Props<'_>,
        pos: Pos,
    ) -> Result<(), SyntaxError> {
        let bytes = text.len();
        let value = scalar::resolve(text, plain, props.tag).map_err(|m| fail(pos, m))?;
        self.finish(Node { value, pos }, props.anchor, Size { nodes: 1, bytes })
    }

    /// A mapping key: any scalar, kept as its text.
    pub fn key(&mut self, text: String, pos: Pos, props: Props<'_>) -> Result<(), SyntaxError> {
        const LINEAR_SCAN_MAX: usize = 16;
        if props.tag.is_some_and(|t| t != "str") {
            return Err(fail(pos, "mapping keys must be plain strings"));
        }
        let Some(Frame {
            kind:
                FrameKind::Map {
                    entries,
                    pending_key: pending @ None,
                    seen,
                },
            size,
            ..
        }) = self.stack.last_mut()
        else {
            return Err(fail(pos, "a mapping key outside a mapping"));
        };
        size.add(Size {
            nodes: 0,
            bytes: text.len(),
        });
        if seen.is_none() && entries.len() >= LINEAR_SCAN_MAX {
            *seen = Some(entries.iter().map(|e| e.key.clone()).collect());
        }
        let duplicate = match seen {
            Some(set) => !set.insert(text.clone()),
            None => entries.iter().any(|e| e.key == text),
        };
        if duplicate {
            return Err(fail(pos, format!("duplicate key '{text}'")));
        }
        *pending = Some((text, pos));
        Ok(())
    }

    /// Opens a list (`map` false) or a mapping.
    pub fn open(&mut self, map: bool, props: Props<'_>, pos: Pos) -> Result<(), SyntaxError> {
        let core = if map { "map" } else { "seq" };
        if props.tag.is_some_and(|t| t != core) {
            return Err(fail(pos, "unsupported tag on a collection"));
        }
        if self.stack.len() >= self.limits.max_depth {
            return Err(fail(
                pos,
                format!("nesting deeper than {} levels", self.limits.max_depth),
            ));
        }
        let kind = if map {
            FrameKind::Map {
                entries: Vec::new(),
                pending_key: None,
                seen: None,
            }
        } else {
            FrameKind::Seq(Vec::new())
        };
        self.stack.push(Frame {
            pos,
            anchor: props.anchor.map(str::to_owned),
            size: Size { nodes: 1, bytes: 0 },
            kind,
        });
        Ok(())
    }

    /// Closes the innermost list or mapping.
    pub fn close(&mut self, pos: Pos) -> Result<(), SyntaxError> {
        let Some(frame) = self.stack.pop() else {
            return Err(fail(pos, "unbalanced end of a collection"));
        };
        let value = match frame.kind {
            FrameKind::Seq(items) => Value::Seq(items),
            FrameKind::Map { entries, .. } => Value::Map(entries),
        };
        let node = Node {
            value,
            pos: frame.pos,
        };
        self.finish(node, frame.anchor.as_deref(), frame.size)
    }

    /// A copy of the node `name` anchors, within the budget of alias expansion: in
    /// all, aliases may copy `max_alias_nodes` nodes and as many bytes of text as
    /// the document itself may hold.
    pub fn alias(&mut self, name: &str, pos: Pos) -> Result<(), SyntaxError> {
        let Some((node, size)) = self.anchors.get(name) else {
            return Err(fail(pos, format!("alias to an unknown anchor '{name}'")));
        };
        let size = *size;
        self.copied.add(size);
        if self.copied.nodes > self.limits.max_alias_nodes {
            return Err(fail(
                pos,
                format!(
                    "aliases expand to more than {} nodes",
                    self.limits.max_alias_nodes
                ),
            ));
        }
        if self.copied.bytes > self.limits.max_bytes {
            return Err(fail(
                pos,
                format!(
                    "aliases expand to more than {} bytes of text",
                    self.limits.max_bytes
                ),
            ));
        }
        let node = Node {
            pos,
            ..node.clone()
        };
        self.finish(node, None, size)
    }

    /// Places a completed node in its parent (or as a document) and records its anchor.
    fn finish(&mut self, node: Node, anchor: Option<&str>, size: Size) -> Result<(), SyntaxError> {
        if let Some(name) = anchor {
            self.anchors.insert(name.to_owned(), (node.clone(), size));
        }
        let Some(parent) = self.stack.last_mut() else {
            self.docs.push(node);
            return Ok(());
        };
        parent.size.add(size);
        match &mut parent.kind {
            FrameKind::Seq(items) => items.push(node),
            FrameKind::Map {
                entries,
                pending_key,
                ..
            } => match pending_key.take() {
                Some((key, key_pos)) => entries.push(Entry {
                    key,
                    key_pos,
                    value: node,
                }),
                None => return Err(fail(node.pos, "mapping keys must be plain strings")),
            },
        }
        Ok(())
    }
}
