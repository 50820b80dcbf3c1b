//! The syntax of YAML 1.2, read in one pass with the position of every node: block
//! and flow collections; plain, quoted, literal and folded scalars; anchors,
//! aliases and core-schema tags; comments; streams of documents.
//!
//! Refused, each with an error that says so: explicit keys (`? `), collections and
//! aliases as keys, single-pair mappings inside `[ ]`, `%TAG` directives and tags
//! outside the core schema.

use std::cell::Cell;

use super::build::{Builder, Props};
use super::{Pos, SyntaxError};

const TAB_INDENT: &str = "invalid YAML: a tab cannot indent a line; use spaces";
const EXPLICIT_KEY: &str = "invalid YAML: explicit keys ('? ') are not supported";
const KEY_NOT_SCALAR: &str = "mapping keys must be plain strings";
const ALIAS_KEY: &str = "invalid YAML: an alias cannot be used as a mapping key";

/// Reads every document of `text` into `out`.
pub(super) fn parse(text: &str, out: &mut Builder) -> Result<(), SyntaxError> {
    let ascii = text.is_ascii();
    check_characters(text, ascii)?;
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut parser = Parser {
        text,
        b: text.as_bytes(),
        i: bom,
        line: 1,
        line_start: bom,
        ascii_line: true,
        ascii,
        col_cache: Cell::new((bom, 0)),
        out,
    };
    parser.ascii_line = parser.line_is_ascii();
    parser.stream()
}

/// Where a block node sits.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ctx {
    /// At the start of a document without `---`.
    Bare,
    /// After `---`.
    Doc,
    /// After a mapping key's `:`.
    Value,
    /// After a list entry's `-`.
    Item,
}

#[derive(Clone, Copy)]
enum Chomp {
    Strip,
    Clip,
    Keep,
}

struct Parser<'t, 'b> {
    text: &'t str,
    b: &'t [u8],
    i: usize,
    line: u32,
    line_start: usize,
    /// Whether the current line is ASCII, so that columns are byte offsets.
    ascii_line: bool,
    /// Whether the whole text is.
    ascii: bool,
    /// A byte offset in the current line and its column, to count on from: on a
    /// long line of other text, counting from the line's start at every node would
    /// take time quadratic in its length.
    col_cache: Cell<(usize, usize)>,
    out: &'b mut Builder,
}

fn is_blank(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0)
}

fn is_flow_indicator(c: u8) -> bool {
    matches!(c, b',' | b'[' | b']' | b'{' | b'}')
}

impl Props<'_> {
    fn is_empty(&self) -> bool {
        self.anchor.is_none() && self.tag.is_none()
    }
}

impl<'t> Parser<'t, '_> {
    // --- Position and low-level reading ---

    /// The byte here, or 0 at the end.
    fn peek(&self) -> u8 {
        self.at(0)
    }

    fn at(&self, k: usize) -> u8 {
        self.b.get(self.i + k).copied().unwrap_or(0)
    }

    fn eof(&self) -> bool {
        self.i >= self.b.len()
    }

    fn slice(&self, from: usize, to: usize) -> &'t str {
        self.text.get(from..to).unwrap_or_default()
    }

    /// The 0-based column here, in characters.
    fn col(&self) -> usize {
        if self.ascii_line {
            return self.i - self.line_start;
        }
        let (mut from, mut col) = self.col_cache.get();
        if from < self.line_start || from > self.i {
            (from, col) = (self.line_start, 0);
        }
        let chars = self.b.get(from..self.i).unwrap_or_default();
        col += chars.iter().filter(|b| (**b & 0xc0) != 0x80).count();
        self.col_cache.set((self.i, col));
        col
    }

    /// [`Parser::col`] as a signed indentation, to compare with a parent's (-1 at
    /// the top).
    fn column(&self) -> i32 {
        i32::try_from(self.col()).unwrap_or(i32::MAX)
    }

    fn line_is_ascii(&self) -> bool {
        if self.ascii {
            return true;
        }
        let rest = self.b.get(self.line_start..).unwrap_or_default();
        rest.iter().take_while(|&&c| c != b'\n').all(u8::is_ascii)
    }

    /// Whether this line starts with a tab before it is indented past `parent`: in
    /// the lines of a multi-line scalar or flow collection, YAML forbids that.
    fn tab_indents(&self, parent: i32) -> bool {
        let line = self.b.get(self.line_start..).unwrap_or_default();
        let spaces = line.iter().take_while(|&&c| c == b' ').count();
        line.get(spaces) == Some(&b'\t') && i32::try_from(spaces).unwrap_or(i32::MAX) <= parent
    }

    /// How many spaces indent this line (tabs do not indent).
    fn indentation(&self) -> i32 {
        let line = self.b.get(self.line_start..).unwrap_or_default();
        i32::try_from(line.iter().take_while(|&&c| c == b' ').count()).unwrap_or(i32::MAX)
    }

    fn pos(&self) -> Pos {
        Pos {
            line: self.line,
            column: u32::try_from(self.col() + 1).unwrap_or(u32::MAX),
        }
    }

    fn fail<T>(&self, message: impl Into<String>) -> Result<T, SyntaxError> {
        fail_at(self.pos(), message)
    }

    /// Steps over the line break here.
    fn newline(&mut self) {
        self.i += 1;
        self.line += 1;
        self.line_start = self.i;
        self.ascii_line = self.line_is_ascii();
    }

    fn skip_space(&mut self) {
        while matches!(self.peek(), b' ' | b'\t') {
            self.i += 1;
        }
    }

    /// A `#` that starts a comment: at the start of a line or after whitespace.
    fn at_comment(&self) -> bool {
        self.peek() == b'#'
            && (self.i == self.line_start
                || matches!(self.b.get(self.i.wrapping_sub(1)), Some(b' ' | b'\t')))
    }

    fn skip_comment(&mut self) {
        if self.at_comment() {
            while !matches!(self.peek(), b'\n' | 0) {
                self.i += 1;
            }
        }
    }

    /// Nothing but whitespace and a comment left on this line.
    fn at_line_end(&mut self) -> bool {
        self.skip_space();
        self.skip_comment();
        matches!(self.peek(), b'\n' | 0)
    }

    /// Skips whitespace, comments and line breaks up to the next content, and refuses a
    /// tab in the indentation of that content. Returns whether a line break was crossed.
    fn skip_blank(&mut self) -> Result<bool, SyntaxError> {
        let mut crossed = false;
        while self.at_line_end() && !self.eof() {
            self.newline();
            crossed = true;
        }
        let indent = self.b.get(self.line_start..self.i).unwrap_or_default();
        let at_first_content = || indent.iter().all(|&c| c == b' ' || c == b'\t');
        if indent.contains(&b'\t') && !self.eof() && at_first_content() {
            return self.fail(TAB_INDENT);
        }
        Ok(crossed)
    }

    /// `---` or `...` at the start of a line.
    fn at_doc_marker(&self) -> bool {
        self.i == self.line_start
            && matches!(self.b.get(self.i..self.i + 3), Some(b"---" | b"..."))
            && is_blank(self.at(3))
    }

    /// `-` followed by whitespace or a line break: a block list entry.
    fn at_entry_dash(&self) -> bool {
        self.peek() == b'-' && is_blank(self.at(1))
    }

    /// Only whitespace and a comment may follow a value on its line.
    fn end_of_line(&mut self) -> Result<(), SyntaxError> {
        if self.at_line_end() {
            return Ok(());
        }
        if self.peek() == b':' {
            return self
                .fail("invalid YAML: a mapping cannot start here (is the indentation right?)");
        }
        self.fail("invalid YAML: unexpected text after the value")
    }

    // --- Documents ---

    fn stream(&mut self) -> Result<(), SyntaxError> {
        loop {
            self.skip_blank()?;
            if self.eof() {
                return Ok(());
            }
            let mut directives = false;
            while self.i == self.line_start && self.peek() == b'%' {
                if self.b.get(self.i..).is_some_and(|r| r.starts_with(b"%TAG")) {
                    return self.fail("invalid YAML: %TAG directives are not supported");
                }
                if is_blank(self.at(1)) {
                    return self.fail("invalid YAML: a directive needs a name, like %YAML 1.2");
                }
                while !matches!(self.peek(), b'\n' | 0) {
                    self.i += 1;
                }
                directives = true;
                self.skip_blank()?;
            }
            let marker = self.at_doc_marker();
            if marker && self.peek() == b'.' && !directives {
                self.i += 3;
                self.end_of_line()?;
                continue;
            }
            if directives && !(marker && self.peek() == b'-') {
                return self.fail("invalid YAML: expected '---' after the directives");
            }
            self.out.start_document();
            if marker {
                self.i += 3;
                self.block_node(-1, Ctx::Doc)?;
            } else {
                self.block_node(-1, Ctx::Bare)?;
            }
            self.skip_blank()?;
            if self.at_doc_marker() && self.peek() == b'.' {
                self.i += 3;
                self.end_of_line()?;
            } else if !self.eof() && !self.at_doc_marker() {
                return self.fail(
                    "invalid YAML: unexpected text after the document (is the indentation right?)",
                );
            }
        }
    }

    // --- Block context ---

    /// The node after an indicator (or at the start of a document) whose parent
    /// collection is indented by `parent`. An absent node is an empty plain scalar.
    fn block_node(&mut self, parent: i32, ctx: Ctx) -> Result<(), SyntaxError> {
        // An empty node is placed at the `:` or `---` before it, or after the `-`
        // and what follows it on the line.
        let back = match ctx {
            Ctx::Doc => 3,
            Ctx::Value => 1,
            Ctx::Bare | Ctx::Item => 0,
        };
        let Pos { line, column } = self.pos();
        let mut start = Pos {
            line,
            column: column.saturating_sub(back).max(1),
        };
        self.skip_space();
        let mut props_pos = self.pos();
        let mut props = self.props()?;
        // Nothing more on this line: the node, if any, is on the lines below.
        let below = self.at_line_end();
        if ctx == Ctx::Item {
            start = self.pos();
        }
        // Whether the properties share the node's line.
        let mut props_inline = !below;
        if below {
            self.skip_blank()?;
            let indented = self.column() > parent;
            if props.is_empty() && indented && matches!(self.peek(), b'&' | b'!') {
                props_pos = self.pos();
                props = self.props()?;
                props_inline = !self.at_line_end();
                if !props_inline {
                    self.skip_blank()?;
                }
            }
        }
        let new_line = below || ctx == Ctx::Bare;
        // A node's column is that of its properties when they share its line.
        let column = if props_inline && !props.is_empty() {
            props_pos.column as usize - 1
        } else {
            self.col()
        };
        let c = i32::try_from(column).unwrap_or(i32::MAX);
        if new_line {
            let content = !self.eof()
                && !self.at_doc_marker()
                && (c > parent || (c == parent && ctx == Ctx::Value && self.at_entry_dash()));
            if !content {
                let pos = if props.is_empty() { start } else { props_pos };
                return self.out.scalar(String::new(), true, props, pos);
            }
        }
        let collection_ok = new_line || ctx == Ctx::Item;
        // A collection on the line of its `-` is indented by what precedes it there.
        let tab_indented = !new_line
            && self
                .b
                .get(self.line_start..self.i)
                .is_some_and(|line| line.contains(&b'\t'));
        // A node with properties starts at them.
        let at = if props.is_empty() {
            self.pos()
        } else {
            props_pos
        };
        match self.peek() {
            b'-' if self.at_entry_dash() => {
                if !collection_ok || (props_inline && !props.is_empty()) {
                    return self.fail(
                        "invalid YAML: a list cannot start on this line; start it on the next",
                    );
                }
                if tab_indented {
                    return self.fail(TAB_INDENT);
                }
                self.block_seq(c, at, props)
            }
            b'?' if is_blank(self.at(1)) => self.fail(EXPLICIT_KEY),
            b'|' | b'>' => self.block_scalar(parent, props),
            _ if self.implicit_key_ahead()? => {
                if !collection_ok {
                    return self.fail(
                        "invalid YAML: a mapping cannot start on this line; start it on the next",
                    );
                }
                if tab_indented {
                    return self.fail(TAB_INDENT);
                }
                // Properties on the line of the first key are the key's.
                if props_inline {
                    self.block_map(c, at, Props::default(), props)
                } else {
                    self.block_map(c, at, props, Props::default())
                }
            }
            _ => {
                self.inline_node(parent, at, props, false)?;
                self.end_of_line()
            }
        }
    }

    /// Whether the line from here holds an implicit key: a scalar followed by `: `.
    /// A collection or alias in that place is refused: keys are plain strings.
    fn implicit_key_ahead(&self) -> Result<bool, SyntaxError> {
        let byte = |j: usize| self.b.get(j).copied().unwrap_or(0);
        let skip_quoted = |mut j: usize, q: u8| -> Option<usize> {
            j += 1;
            loop {
                match byte(j) {
                    0 | b'\n' => return None,
                    b'\\' if q == b'"' => j += 2,
                    b'\'' if q == b'\'' && byte(j + 1) == b'\'' => j += 2,
                    c if c == q => return Some(j + 1),
                    _ => j += 1,
                }
            }
        };
        let mut j = self.i;
        let refusal = match byte(j) {
            q @ (b'"' | b'\'') => {
                let Some(end) = skip_quoted(j, q) else {
                    return Ok(false);
                };
                j = end;
                None
            }
            b'*' => {
                j += 1;
                while !is_blank(byte(j)) && !is_flow_indicator(byte(j)) {
                    j += 1;
                }
                Some(ALIAS_KEY)
            }
            b'[' | b'{' => {
                let mut depth = 0usize;
                loop {
                    match byte(j) {
                        0 | b'\n' => return Ok(false),
                        b'[' | b'{' => depth += 1,
                        b']' | b'}' => {
                            depth = depth.saturating_sub(1);
                            if depth == 0 {
                                break;
                            }
                        }
                        q @ (b'"' | b'\'') => match skip_quoted(j, q) {
                            Some(end) => {
                                j = end;
                                continue;
                            }
                            None => return Ok(false),
                        },
                        _ => {}
                    }
                    j += 1;
                }
                j += 1;
                Some(KEY_NOT_SCALAR)
            }
            _ => loop {
                match byte(j) {
                    0 | b'\n' => return Ok(false),
                    b':' if is_blank(byte(j + 1)) => return Ok(true),
                    b' ' | b'\t' if byte(j + 1) == b'#' => return Ok(false),
                    _ => j += 1,
                }
            },
        };
        while matches!(byte(j), b' ' | b'\t') {
            j += 1;
        }
        let key = byte(j) == b':' && is_blank(byte(j + 1));
        match refusal {
            Some(message) if key => self.fail(message),
            _ => Ok(key),
        }
    }

    /// Refuses what cannot start a mapping key here: a collection, an alias, `? `.
    fn refuse_key_start(&self) -> Result<(), SyntaxError> {
        match self.peek() {
            b'[' | b'{' => self.fail(KEY_NOT_SCALAR),
            b'*' => self.fail(ALIAS_KEY),
            b'?' if is_blank(self.at(1)) => self.fail(EXPLICIT_KEY),
            _ => Ok(()),
        }
    }

    /// A block mapping whose keys are indented by `indent`; `key_props` belong to
    /// the first key.
    fn block_map(
        &mut self,
        indent: i32,
        at: Pos,
        props: Props<'t>,
        mut key_props: Props<'t>,
    ) -> Result<(), SyntaxError> {
        self.out.open(true, props, at)?;
        let mut first = true;
        loop {
            // A key with properties starts at them.
            let key_pos = if first && !key_props.is_empty() {
                at
            } else {
                self.pos()
            };
            first = false;
            if key_props.is_empty() {
                key_props = self.props()?;
                self.skip_space();
            }
            self.refuse_key_start()?;
            let key = match self.peek() {
                b'"' | b'\'' => {
                    let line = self.line;
                    let key = self.quoted(indent)?;
                    if self.line != line {
                        return fail_at(
                            key_pos,
                            "invalid YAML: a mapping key must fit on one line",
                        );
                    }
                    key
                }
                b'-' if is_blank(self.at(1)) => {
                    return self.fail("invalid YAML: expected a mapping key, found a list entry");
                }
                _ => self.plain_key()?,
            };
            self.out.key(key, key_pos, key_props)?;
            key_props = Props::default();
            self.skip_space();
            if self.peek() != b':' || !is_blank(self.at(1)) {
                return self.fail("invalid YAML: expected ': ' after the mapping key");
            }
            self.i += 1;
            self.block_node(indent, Ctx::Value)?;
            if !self.next_entry(indent, "mapping entry")? {
                break;
            }
        }
        self.out.close(self.pos())
    }

    /// After an entry of a block collection indented by `indent`: whether the next
    /// line's content sits at that indentation (more is refused).
    fn next_entry(&mut self, indent: i32, what: &str) -> Result<bool, SyntaxError> {
        self.skip_blank()?;
        if self.eof() || self.at_doc_marker() {
            return Ok(false);
        }
        let c = self.column();
        if c > indent {
            return self.fail(format!("invalid YAML: bad indentation of a {what}"));
        }
        Ok(c == indent)
    }

    /// A block list whose `-` are indented by `indent`.
    fn block_seq(&mut self, indent: i32, at: Pos, props: Props<'t>) -> Result<(), SyntaxError> {
        self.out.open(false, props, at)?;
        loop {
            self.i += 1;
            self.block_node(indent, Ctx::Item)?;
            if !self.next_entry(indent, "list entry")? || !self.at_entry_dash() {
                break;
            }
        }
        self.out.close(self.pos())
    }

    /// A literal (`|`) or folded (`>`) scalar, more indented than `parent`.
    fn block_scalar(&mut self, parent: i32, props: Props<'t>) -> Result<(), SyntaxError> {
        let pos = self.pos();
        let literal = self.peek() == b'|';
        self.i += 1;
        let mut chomp = None;
        let mut explicit = None;
        loop {
            match self.peek() {
                b'-' if chomp.is_none() => chomp = Some(Chomp::Strip),
                b'+' if chomp.is_none() => chomp = Some(Chomp::Keep),
                d @ b'1'..=b'9' if explicit.is_none() => explicit = Some(usize::from(d - b'0')),
                _ => break,
            }
            self.i += 1;
        }
        if !is_blank(self.peek()) || !self.at_line_end() {
            return self.fail("invalid YAML: unexpected text after a block scalar indicator");
        }
        if !self.eof() {
            self.newline();
        }
        let least = usize::try_from(parent + 1).unwrap_or(0);
        let indent = match explicit {
            Some(m) => usize::try_from(parent).map_or(m, |p| p + m),
            None => self.detect_indent(least)?,
        };
        // The lines, less the indentation; blank lines are empty.
        let mut lines: Vec<&str> = Vec::new();
        let mut content_lines = 0;
        while !self.eof() && !self.at_doc_marker() {
            let start = self.i;
            let rest = self.b.get(start..).unwrap_or_default();
            let end = rest
                .iter()
                .position(|&c| c == b'\n')
                .map_or(self.b.len(), |k| start + k);
            let spaces = rest.iter().take_while(|&&c| c == b' ').count();
            if spaces < indent && rest.get(spaces) == Some(&b'\t') {
                self.i = start + spaces;
                return self.fail(TAB_INDENT);
            }
            let line = if spaces >= indent {
                self.slice(start + indent, end)
            } else if self.slice(start, end).trim_matches([' ', '\t']).is_empty() {
                ""
            } else {
                break;
            };
            lines.push(line);
            if !line.is_empty() {
                content_lines = lines.len();
            }
            self.i = end;
            if self.eof() {
                // A blank last line without a line break adds no break.
                if line.is_empty() {
                    lines.pop();
                }
            } else {
                self.newline();
            }
        }
        let trailing = lines.len() - content_lines;
        let mut text = String::new();
        let mut pending = 0;
        let mut first = true;
        let mut previous_more_indented = false;
        for line in lines.iter().take(content_lines) {
            if line.is_empty() {
                pending += 1;
                continue;
            }
            let more_indented = line.starts_with([' ', '\t']);
            // Folding turns a single break between two text lines into a space, and
            // drops the first of several; literal scalars keep every break.
            let breaks = if first {
                pending
            } else if literal || previous_more_indented || more_indented {
                pending + 1
            } else if pending == 0 {
                text.push(' ');
                0
            } else {
                pending
            };
            text.extend(std::iter::repeat_n('\n', breaks));
            text.push_str(line);
            pending = 0;
            first = false;
            previous_more_indented = more_indented;
        }
        let chomp = chomp.unwrap_or(Chomp::Clip);
        match (chomp, content_lines > 0) {
            (Chomp::Strip, _) | (Chomp::Clip, false) => {}
            // The end of the text ends the last line too.
            (Chomp::Clip, true) => text.push('\n'),
            (Chomp::Keep, has_content) => {
                let breaks = trailing + usize::from(has_content);
                text.extend(std::iter::repeat_n('\n', breaks));
            }
        }
        self.out.scalar(text, false, props, pos)
    }

    /// The indentation of a block scalar's text: that of its first line with
    /// content, at least `least`; blank lines before it may not be indented more.
    fn detect_indent(&self, least: usize) -> Result<usize, SyntaxError> {
        let (mut spaces, mut most, mut text) = (0, 0, false);
        for &c in self.b.get(self.i..).unwrap_or_default() {
            match c {
                b' ' => spaces += 1,
                b'\n' => {
                    most = most.max(spaces);
                    spaces = 0;
                }
                b'\t' => return self.fail(TAB_INDENT),
                _ => {
                    text = true;
                    break;
                }
            }
        }
        if text && spaces >= least && most > spaces {
            return self.fail("invalid YAML: a blank line before a block scalar's text is indented more than the text");
        }
        Ok(most.max(spaces).max(least))
    }

    // --- Nodes that may sit in either context ---

    /// A flow collection, alias, quoted or plain scalar, starting `at` (its
    /// properties, if any).
    fn inline_node(
        &mut self,
        parent: i32,
        at: Pos,
        props: Props<'t>,
        flow: bool,
    ) -> Result<(), SyntaxError> {
        let pos = self.pos();
        match self.peek() {
            b'[' => self.flow_seq(parent, at, props),
            b'{' => self.flow_map(parent, at, props),
            b'*' => {
                if !props.is_empty() {
                    return self.fail("invalid YAML: an alias cannot have an anchor or a tag");
                }
                self.i += 1;
                let name = self.name()?;
                self.out.alias(name, pos)
            }
            b'"' | b'\'' => {
                let text = self.quoted(parent)?;
                self.out.scalar(text, false, props, at)
            }
            _ => {
                let text = self.plain(parent, flow)?;
                self.out.scalar(text, true, props, at)
            }
        }
    }

    /// Anchors (`&name`) and tags (`!!str`) before a node.
    fn props(&mut self) -> Result<Props<'t>, SyntaxError> {
        let mut props = Props::default();
        loop {
            match self.peek() {
                b'&' => {
                    if props.anchor.is_some() {
                        return self.fail("invalid YAML: a node has two anchors");
                    }
                    self.i += 1;
                    props.anchor = Some(self.name()?);
                }
                b'!' => {
                    if props.tag.is_some() {
                        return self.fail("invalid YAML: a node has two tags");
                    }
                    let (start, pos) = (self.i, self.pos());
                    if self.at(1) == b'<' {
                        while !matches!(self.peek(), b'>' | b'\n' | 0) {
                            self.i += 1;
                        }
                        if self.peek() == b'>' {
                            self.i += 1;
                        }
                    } else {
                        while !is_blank(self.peek()) && !is_flow_indicator(self.peek()) {
                            self.i += 1;
                        }
                    }
                    let tag = self.slice(start, self.i);
                    let suffix = tag.strip_prefix("!!").or_else(|| {
                        tag.strip_prefix("!<tag:yaml.org,2002:")
                            .and_then(|t| t.strip_suffix('>'))
                    });
                    match suffix {
                        Some(s) if !s.is_empty() => props.tag = Some(s),
                        _ => return fail_at(pos, format!("unsupported tag '{tag}'")),
                    }
                }
                _ => return Ok(props),
            }
            self.skip_space();
        }
    }

    /// An anchor or alias name.
    fn name(&mut self) -> Result<&'t str, SyntaxError> {
        let start = self.i;
        while !is_blank(self.peek()) && !is_flow_indicator(self.peek()) {
            self.i += 1;
        }
        if self.i == start {
            return self.fail("invalid YAML: an anchor or alias needs a name");
        }
        Ok(self.slice(start, self.i))
    }

    /// Refuses what cannot start a plain scalar: an indicator, or `-`, `?`, `:`
    /// before whitespace.
    fn check_plain_start(&self, flow: bool) -> Result<(), SyntaxError> {
        let first = self.peek();
        let indicator = matches!(
            first,
            b',' | b'['
                | b']'
                | b'{'
                | b'}'
                | b'#'
                | b'&'
                | b'*'
                | b'!'
                | b'|'
                | b'>'
                | b'\''
                | b'"'
                | b'%'
                | b'@'
                | b'`'
        );
        let bare = matches!(first, b'-' | b'?' | b':')
            && (is_blank(self.at(1)) || (flow && is_flow_indicator(self.at(1))));
        if is_blank(first) {
            self.fail("invalid YAML: expected a value")
        } else if bare && first == b'?' {
            self.fail(EXPLICIT_KEY)
        } else if bare && first == b':' {
            self.fail("invalid YAML: a mapping key is missing before ':'")
        } else if indicator || bare {
            self.fail(format!(
                "invalid YAML: a plain value cannot start with '{}'; quote it",
                char::from(first)
            ))
        } else {
            Ok(())
        }
    }

    /// The rest of a plain scalar's line: up to `: `, ` #`, the line's end or (in
    /// flow context) a flow indicator, without trailing whitespace.
    fn plain_run(&mut self, flow: bool) -> &'t str {
        let start = self.i;
        let mut end = self.i;
        loop {
            match self.peek() {
                0 | b'\n' => break,
                b':' if is_blank(self.at(1)) || (flow && is_flow_indicator(self.at(1))) => break,
                b' ' | b'\t' => {
                    if self.at(1) == b'#' {
                        break;
                    }
                    self.i += 1;
                }
                c if flow && is_flow_indicator(c) => break,
                _ => {
                    self.i += 1;
                    end = self.i;
                }
            }
        }
        self.i = end;
        self.slice(start, end)
    }

    /// A plain mapping key in block context: one line.
    fn plain_key(&mut self) -> Result<String, SyntaxError> {
        self.check_plain_start(false)?;
        Ok(self.plain_run(false).to_owned())
    }

    /// A plain scalar, folded across lines: in block context its continuation lines
    /// are indented more than `parent`.
    fn plain(&mut self, parent: i32, flow: bool) -> Result<String, SyntaxError> {
        self.check_plain_start(flow)?;
        let mut text = self.plain_run(flow).to_owned();
        loop {
            let mark = (
                self.i,
                self.line,
                self.line_start,
                self.ascii_line,
                self.col_cache.get(),
            );
            self.skip_space();
            let (breaks, tab) = self.cross_breaks(parent);
            let more = breaks > 0
                && !self.eof()
                && !self.at_comment()
                && !self.at_doc_marker()
                && if flow {
                    let value_indicator = self.peek() == b':' && is_blank(self.at(1));
                    !(is_flow_indicator(self.peek()) || value_indicator)
                } else {
                    self.indentation() > parent
                };
            if !more {
                let cache;
                (self.i, self.line, self.line_start, self.ascii_line, cache) = mark;
                self.col_cache.set(cache);
                return Ok(text);
            }
            if flow && self.indentation() <= parent {
                return self.fail("invalid YAML: the lines of a flow collection must be indented");
            }
            if tab.is_some() {
                return self.fail(TAB_INDENT);
            }
            fold(&mut text, breaks);
            text.push_str(self.plain_run(flow));
        }
    }

    /// A single- or double-quoted scalar, folded across lines; in block context its
    /// continuation lines are indented more than `parent`.
    fn quoted(&mut self, parent: i32) -> Result<String, SyntaxError> {
        let open = self.pos();
        let quote = self.peek();
        self.i += 1;
        let mut text = String::new();
        // What may stay when the line breaks: trailing whitespace goes.
        let mut keep = 0;
        loop {
            match self.peek() {
                0 => return fail_at(open, "invalid YAML: a quoted value is not closed"),
                b'\'' if quote == b'\'' && self.at(1) == b'\'' => {
                    text.push('\'');
                    self.i += 2;
                    keep = text.len();
                }
                c if c == quote => {
                    self.i += 1;
                    return Ok(text);
                }
                b'\\' if quote == b'"' => {
                    if self.at(1) == b'\n' {
                        self.i += 1;
                        self.fold_quoted(&mut text, open, parent, true)?;
                    } else {
                        self.escape(&mut text)?;
                    }
                    keep = text.len();
                }
                b'\n' => {
                    text.truncate(keep);
                    self.fold_quoted(&mut text, open, parent, false)?;
                    keep = text.len();
                }
                b' ' | b'\t' => {
                    text.push(char::from(self.peek()));
                    self.i += 1;
                }
                _ => {
                    let start = self.i;
                    self.i += 1;
                    while !matches!(self.peek(), b'\'' | b'"' | b'\\' | b'\n' | b' ' | b'\t' | 0) {
                        self.i += 1;
                    }
                    text.push_str(self.slice(start, self.i));
                    keep = text.len();
                }
            }
        }
    }

    /// At a line break inside quotes: one break folds to a space (none after `\`),
    /// each further empty line to a newline; the next line's indentation goes.
    fn fold_quoted(
        &mut self,
        text: &mut String,
        open: Pos,
        parent: i32,
        escaped: bool,
    ) -> Result<(), SyntaxError> {
        let (breaks, tab) = self.cross_breaks(parent);
        if let Some(line) = tab {
            return fail_at(line, TAB_INDENT);
        }
        if self.at_doc_marker() || self.eof() {
            return fail_at(open, "invalid YAML: a quoted value is not closed");
        }
        if self.indentation() <= parent {
            return self.fail("invalid YAML: the lines of a quoted value must be indented");
        }
        if escaped {
            text.extend(std::iter::repeat_n('\n', breaks.saturating_sub(1)));
        } else {
            fold(text, breaks);
        }
        Ok(())
    }

    /// Steps over the line breaks here and the indentation after each. Returns how
    /// many there were, and where the first line a tab indents past `parent`
    /// starts.
    fn cross_breaks(&mut self, parent: i32) -> (usize, Option<Pos>) {
        let (mut breaks, mut tab) = (0, None);
        while self.peek() == b'\n' {
            self.newline();
            breaks += 1;
            if tab.is_none() && self.tab_indents(parent) {
                tab = Some(self.pos());
            }
            self.skip_space();
        }
        (breaks, tab)
    }

    /// A backslash escape inside double quotes.
    fn escape(&mut self, text: &mut String) -> Result<(), SyntaxError> {
        let pos = self.pos();
        let c = self.at(1);
        self.i += 2;
        let ch = match c {
            b'0' => '\0',
            b'a' => '\u{7}',
            b'b' => '\u{8}',
            b't' | b'\t' => '\t',
            b'n' => '\n',
            b'v' => '\u{b}',
            b'f' => '\u{c}',
            b'r' => '\r',
            b'e' => '\u{1b}',
            b' ' => ' ',
            b'"' => '"',
            b'/' => '/',
            b'\\' => '\\',
            b'N' => '\u{85}',
            b'_' => '\u{a0}',
            b'L' => '\u{2028}',
            b'P' => '\u{2029}',
            b'x' | b'u' | b'U' => {
                let digits = match c {
                    b'x' => 2,
                    b'u' => 4,
                    _ => 8,
                };
                let mut code = self.hex(digits, pos)?;
                if (0xd800..0xdc00).contains(&code) && c == b'u' {
                    // A JSON surrogate pair.
                    if self.peek() != b'\\' || self.at(1) != b'u' {
                        return fail_at(pos, "invalid YAML: a lone surrogate in a \\u escape");
                    }
                    self.i += 2;
                    let low = self.hex(4, pos)?;
                    if !(0xdc00..0xe000).contains(&low) {
                        return fail_at(pos, "invalid YAML: a lone surrogate in a \\u escape");
                    }
                    code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
                }
                char::from_u32(code).ok_or_else(|| SyntaxError {
                    pos,
                    message: format!(
                        "invalid YAML: \\{} escape of an invalid character",
                        char::from(c)
                    ),
                })?
            }
            _ => {
                return fail_at(
                    pos,
                    format!("invalid YAML: unknown escape '\\{}'", char::from(c)),
                );
            }
        };
        text.push(ch);
        Ok(())
    }

    fn hex(&mut self, digits: usize, pos: Pos) -> Result<u32, SyntaxError> {
        let mut code = 0u32;
        for _ in 0..digits {
            let d = char::from(self.peek())
                .to_digit(16)
                .ok_or_else(|| SyntaxError {
                    pos,
                    message: format!("invalid YAML: an escape needs {digits} hex digits"),
                })?;
            code = (code << 4) | d;
            self.i += 1;
        }
        Ok(code)
    }

    // --- Flow context ---

    /// Skips whitespace, line breaks and comments inside `[ ]` or `{ }`. In block
    /// context the collection's lines are indented more than `parent`.
    fn skip_flow_blank(&mut self, open: Pos, parent: i32) -> Result<(), SyntaxError> {
        let mut crossed = false;
        while self.at_line_end() && !self.eof() {
            self.newline();
            crossed = true;
            if self.tab_indents(parent) {
                return self.fail(TAB_INDENT);
            }
        }
        if self.eof() || self.at_doc_marker() {
            return fail_at(open, "invalid YAML: a flow collection is not closed");
        }
        if crossed && self.indentation() <= parent {
            return self.fail("invalid YAML: the lines of a flow collection must be indented");
        }
        Ok(())
    }

    fn flow_seq(&mut self, parent: i32, at: Pos, props: Props<'t>) -> Result<(), SyntaxError> {
        let open = self.pos();
        self.out.open(false, props, at)?;
        self.i += 1;
        loop {
            self.skip_flow_blank(open, parent)?;
            if self.peek() == b']' {
                self.i += 1;
                break;
            }
            self.flow_node(parent, open)?;
            self.skip_flow_blank(open, parent)?;
            match self.peek() {
                b',' => self.i += 1,
                b']' => {}
                b':' => {
                    return self.fail(
                        "invalid YAML: single-pair mappings inside [ ] are not supported; write {key: value}",
                    );
                }
                _ => return self.fail("invalid YAML: expected ',' or ']' in a flow list"),
            }
        }
        self.out.close(self.pos())
    }

    fn flow_map(&mut self, parent: i32, at: Pos, props: Props<'t>) -> Result<(), SyntaxError> {
        let open = self.pos();
        self.out.open(true, props, at)?;
        self.i += 1;
        loop {
            self.skip_flow_blank(open, parent)?;
            if self.peek() == b'}' {
                self.i += 1;
                break;
            }
            let key_pos = self.pos();
            let key_props = self.props()?;
            self.skip_space();
            self.refuse_key_start()?;
            let (key, quoted) = match self.peek() {
                b',' | b'}' | b':' => return self.fail("invalid YAML: a mapping key is missing"),
                b'"' | b'\'' => (self.quoted(parent)?, true),
                _ => (self.plain(parent, true)?, false),
            };
            self.out.key(key, key_pos, key_props)?;
            self.skip_flow_blank(open, parent)?;
            // After a quoted key, as in JSON, the value may follow ':' directly.
            if self.peek() == b':'
                && (quoted || is_blank(self.at(1)) || is_flow_indicator(self.at(1)))
            {
                let colon = self.pos();
                self.i += 1;
                if !quoted && !is_blank(self.peek()) && !matches!(self.peek(), b',' | b'}') {
                    return self.fail("invalid YAML: expected a space after ':'");
                }
                self.skip_flow_blank(open, parent)?;
                if matches!(self.peek(), b',' | b'}') {
                    self.out
                        .scalar(String::new(), true, Props::default(), colon)?;
                } else {
                    self.flow_node(parent, open)?;
                }
            } else {
                self.out
                    .scalar(String::new(), true, Props::default(), self.pos())?;
            }
            self.skip_flow_blank(open, parent)?;
            match self.peek() {
                b',' => self.i += 1,
                b'}' => {}
                _ => return self.fail("invalid YAML: expected ',' or '}' in a flow mapping"),
            }
        }
        self.out.close(self.pos())
    }

    fn flow_node(&mut self, parent: i32, open: Pos) -> Result<(), SyntaxError> {
        let pos = self.pos();
        let props = self.props()?;
        if !props.is_empty() {
            self.skip_flow_blank(open, parent)?;
            if matches!(self.peek(), b',' | b']' | b'}') {
                return self.out.scalar(String::new(), true, props, pos);
            }
        }
        match self.peek() {
            b'|' | b'>' => self.fail("invalid YAML: block scalars cannot appear inside [ ] or { }"),
            _ => self.inline_node(parent, pos, props, true),
        }
    }
}

/// Line folding: one line break becomes a space, each one after it a newline.
fn fold(text: &mut String, breaks: usize) {
    if breaks == 1 {
        text.push(' ');
    } else {
        text.extend(std::iter::repeat_n('\n', breaks.saturating_sub(1)));
    }
}

fn fail_at<T>(pos: Pos, message: impl Into<String>) -> Result<T, SyntaxError> {
    Err(SyntaxError {
        pos,
        message: message.into(),
    })
}

/// YAML allows only printable characters (and tabs and line breaks).
fn check_characters(text: &str, ascii: bool) -> Result<(), SyntaxError> {
    let printable = |c: char| {
        matches!(c, '\t' | '\n' | ' '..='~' | '\u{85}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}')
            || c >= '\u{10000}'
    };
    // Without an early exit, so that the common case vectorizes.
    let control = |b: u8| (b < b' ' && b != b'\n' && b != b'\t') || b == 0x7f;
    if ascii && !text.bytes().fold(false, |bad, b| bad | control(b)) {
        return Ok(());
    }
    for (n, line) in text.split('\n').enumerate() {
        if let Some((k, c)) = line.char_indices().find(|&(_, c)| !printable(c)) {
            let column = line.get(..k).unwrap_or_default().chars().count() + 1;
            return fail_at(
                Pos {
                    line: u32::try_from(n + 1).unwrap_or(u32::MAX),
                    column: u32::try_from(column).unwrap_or(u32::MAX),
                },
                format!(
                    "invalid YAML: the character U+{:04X} is not allowed",
                    u32::from(c)
                ),
            );
        }
    }
    Ok(())
}
