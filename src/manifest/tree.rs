//! The manifest as a YAML tree in which every node and key keeps its place.
//!
//! serde stops at the first error, but validation must report every problem of a file at
//! once. So the YAML is first read into this loose tree (only YAML syntax and the budget can
//! fail here; duplicate keys are kept, in order), and `validate` walks it collecting
//! diagnostics.

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{Spanned, Tagged};

use super::rule;

/// Where a node or key is: 1-based line and character column, and its byte extent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Place {
    /// 1-based line.
    pub line: usize,
    /// 1-based character column.
    pub column: usize,
    /// Byte offset in the file, when known.
    pub offset: Option<usize>,
    /// Length in bytes, when known.
    pub length: usize,
}

impl Place {
    fn of<T>(spanned: &Spanned<T>) -> Self {
        let location = spanned.referenced;
        let span = location.span();
        Self {
            line: usize::try_from(location.line()).unwrap_or(0),
            column: usize::try_from(location.column()).unwrap_or(0),
            offset: span
                .byte_offset()
                .and_then(|offset| usize::try_from(offset).ok()),
            length: span
                .byte_len()
                .and_then(|length| usize::try_from(length).ok())
                .unwrap_or(0),
        }
    }
}

/// A mapping key and where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    /// The key's text.
    pub name: String,
    /// Where it is.
    pub place: Place,
    /// Its YAML tag (`!!str`, `!foo`), resolved, when it has one.
    pub tag: Option<String>,
}

/// A YAML node and where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The node's content.
    pub value: Value,
    /// Where it is.
    pub place: Place,
    /// Its YAML tag, resolved (`tag:yaml.org,2002:binary`, `!foo`), when it has one: a
    /// manifest has none, and `validate` refuses them, since a tag changes what a value
    /// is (`!!binary` decodes base64 the reviewer cannot read) or is silently ignored.
    pub tag: Option<String>,
}

/// A YAML node's content, as YAML 1.2's core schema resolved it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `~`, `null` or nothing.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer, e.g. an unquoted `+12025551234`.
    Int(i128),
    /// A float, e.g. an unquoted `1.5`.
    Float(f64),
    /// A string.
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in file order.
    Map(Vec<(Key, Node)>),
}

impl Value {
    /// How messages name this kind of value: "found a list".
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Null => "nothing (null)",
            Self::Bool(_) => "a boolean",
            Self::Int(_) | Self::Float(_) => "a number",
            Self::Str(_) => "a string",
            Self::Seq(_) => "a list",
            Self::Map(_) => "a mapping",
        }
    }
}

struct SpannedNode(Spanned<Tagged<Node>>);
struct SpannedKey(Spanned<Tagged<String>>);

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = deserializer.deserialize_any(ValueVisitor)?;
        Ok(Self {
            value,
            place: Place::default(),
            tag: None,
        })
    }
}

impl<'de> Deserialize<'de> for SpannedNode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Spanned::<Tagged<Node>>::deserialize(deserializer).map(Self)
    }
}

impl<'de> Deserialize<'de> for SpannedKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Spanned::<Tagged<String>>::deserialize(deserializer).map(Self)
    }
}

impl SpannedNode {
    fn into_node(self) -> Node {
        let place = Place::of(&self.0);
        let Tagged(node, tag) = self.0.value;
        Node {
            value: node.value,
            place,
            tag,
        }
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("any YAML value")
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_bool<E>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Value, E> {
        Ok(Value::Int(value.into()))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Value, E> {
        Ok(Value::Int(value.into()))
    }

    fn visit_i128<E>(self, value: i128) -> Result<Value, E> {
        Ok(Value::Int(value))
    }

    fn visit_u128<E: serde::de::Error>(self, value: u128) -> Result<Value, E> {
        i128::try_from(value)
            .map(Value::Int)
            .map_err(|_| E::custom("integer too large"))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Value, E> {
        Ok(Value::Float(value))
    }

    fn visit_str<E>(self, value: &str) -> Result<Value, E> {
        Ok(Value::Str(value.to_owned()))
    }

    fn visit_string<E>(self, value: String) -> Result<Value, E> {
        Ok(Value::Str(value))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = access.next_element::<SpannedNode>()? {
            items.push(item.into_node());
        }
        Ok(Value::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut entries = Vec::new();
        while let Some((key, value)) = access.next_entry::<SpannedKey, SpannedNode>()? {
            let place = Place::of(&key.0);
            let Tagged(name, tag) = key.0.value;
            entries.push((Key { name, place, tag }, value.into_node()));
        }
        Ok(Value::Map(entries))
    }
}

/// Why the text is not a YAML tree telrep can walk.
#[derive(Debug)]
pub struct SyntaxError {
    /// The rule id: `invalid_yaml`, `yaml_too_complex` or `duplicate_key`.
    pub rule: &'static str,
    /// What went wrong, without the position.
    pub message: String,
    /// Where, when the parser knows.
    pub place: Option<Place>,
}

/// The most YAML nodes (scalars, lists and mappings) a manifest may have: a manifest has a
/// few hundred, and long number lists belong in numbers files.
pub const MAX_NODES: usize = 250_000;

/// Stack for the parser thread: ample for 64 levels of nesting in any build profile.
const PARSER_STACK: usize = 64 * 1024 * 1024;

/// Parses one YAML document under a tight budget: no alias bombs (at most 100 aliases),
/// no nesting deeper than 64, duplicate keys refused.
pub fn parse(text: &str) -> Result<Node, SyntaxError> {
    // Each nesting level costs the recursive deserialiser tens of kilobytes of stack in a
    // debug build; a dedicated thread with a large stack keeps the depth budget (64), not
    // the caller's stack, the limit.
    let parsed = std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("telrep-yaml".to_owned())
            .stack_size(PARSER_STACK)
            .spawn_scoped(scope, || parse_here(text))
            .map(|handle| handle.join())
    });
    match parsed {
        Ok(Ok(result)) => result,
        Ok(Err(_)) | Err(_) => Err(SyntaxError {
            rule: rule::INVALID_YAML,
            message: "the YAML parser failed on this input; please report it".to_owned(),
            place: None,
        }),
    }
}

fn parse_here(text: &str) -> Result<Node, SyntaxError> {
    // Duplicate keys are passed through and reported by `validate`, which can name the
    // first occurrence and go on to report the file's other problems.
    let options = serde_saphyr::options! {
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::PassThrough,
        budget: serde_saphyr::budget! {
            max_depth: 64,
            flow_nesting_limit: 64,
            max_aliases: 100,
            max_anchors: 100,
            max_documents: 1,
            max_recorded_anchor_events: 10_000,
            max_nodes: MAX_NODES,
        },
    };
    match serde_saphyr::from_str_with_options::<SpannedNode>(text, options) {
        Ok(root) => Ok(root.into_node()),
        Err(error) => {
            let (rule, message) = describe(error.without_snippet());
            let place = error.location().map(|location| Place {
                line: usize::try_from(location.line()).unwrap_or(0),
                column: usize::try_from(location.column()).unwrap_or(0),
                offset: None,
                length: 0,
            });
            Err(SyntaxError {
                rule,
                message,
                place,
            })
        }
    }
}

/// The rule and the parser's message, with the budget's refusals said in the manifest's
/// terms.
fn describe(error: &serde_saphyr::Error) -> (&'static str, String) {
    use serde_saphyr::budget::BudgetBreach;
    use serde_saphyr::{Error, MessageFormatter};
    const DEPTH: &str = "the YAML nests deeper than 64 levels; a manifest needs about 5";
    const ALIASES: &str = "the YAML uses too many aliases or anchors (at most 100, each expanded at most 10,000 \
         events); write the values out instead";
    let mut error = error;
    while let Error::AliasError { error: inner, .. } | Error::WithSnippet { error: inner, .. } =
        error
    {
        error = inner;
    }
    let complex = |message: &str| (rule::YAML_TOO_COMPLEX, message.to_owned());
    match error {
        Error::Budget { breach, .. } => match breach {
            BudgetBreach::Depth { .. } => complex(DEPTH),
            BudgetBreach::Aliases { .. }
            | BudgetBreach::Anchors { .. }
            | BudgetBreach::RecordedAnchorEvents { .. }
            | BudgetBreach::RecordedAnchorBytes { .. } => complex(ALIASES),
            BudgetBreach::Nodes { .. } => complex(
                "the YAML has more than 250,000 nodes (values, lists and mappings); a manifest has \
                 a few hundred: move long number lists into numbers files (`- file: PATH`)",
            ),
            BudgetBreach::Documents { .. } => (
                rule::INVALID_YAML,
                "the file holds more than one YAML document; a manifest is one document".to_owned(),
            ),
            _ => complex(
                "the YAML is over one of the parser's limits on size and complexity; a manifest is \
                 a few kilobytes: move long number lists into numbers files (`- file: PATH`)",
            ),
        },
        Error::AliasReplayLimitExceeded { .. }
        | Error::AliasExpansionLimitExceeded { .. }
        | Error::AliasReplayStackDepthExceeded { .. }
        | Error::AliasReplayCounterOverflow { .. } => complex(ALIASES),
        Error::DuplicateMappingKey { .. } => (
            rule::DUPLICATE_KEY,
            serde_saphyr::UserMessageFormatter
                .format_message(error)
                .into_owned(),
        ),
        other => {
            let message = serde_saphyr::UserMessageFormatter.format_message(other);
            if message == "recursion limit exceeded" {
                complex(DEPTH)
            } else {
                (rule::INVALID_YAML, message.into_owned())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_places_of_keys_and_values() {
        let root = parse("a: \"x\"\nb:\n  - 1\n  - {c: ~}\n").unwrap();
        let Value::Map(entries) = &root.value else {
            panic!("expected a map, got {root:?}");
        };
        let summary: Vec<_> = entries
            .iter()
            .map(|(key, node)| {
                (
                    key.name.clone(),
                    key.place.line,
                    key.place.column,
                    node.place.line,
                    node.place.column,
                    node.value.kind(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("a".to_owned(), 1, 1, 1, 4, "a string"),
                ("b".to_owned(), 2, 1, 3, 3, "a list"),
            ]
        );
    }

    #[test]
    fn refuses_alias_bombs_and_deep_nesting() {
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for index in 1..12 {
            bomb.push_str(&format!(
                "{}: &{} [*{}, *{}, *{}, *{}, *{}, *{}, *{}, *{}, *{}, *{}]\n",
                index,
                index,
                index - 1,
                index - 1,
                index - 1,
                index - 1,
                index - 1,
                index - 1,
                index - 1,
                index - 1,
                index - 1,
                index - 1
            ));
        }
        let bomb = bomb.replacen("a: &a", "0: &0", 1);
        let error = parse(&bomb).unwrap_err();
        assert_eq!(
            error.message,
            "the YAML uses too many aliases or anchors (at most 100, each expanded at most \
             10,000 events); write the values out instead"
        );
        let deep = format!("a: {}1{}", "[".repeat(70), "]".repeat(70));
        let error = parse(&deep).unwrap_err();
        assert_eq!(
            error.message,
            "the YAML nests deeper than 64 levels; a manifest needs about 5"
        );
        let block = (0..70).fold(String::new(), |text, depth| {
            format!("{text}{}- \n", "  ".repeat(depth))
        });
        let error = parse(&block).unwrap_err();
        assert_eq!(
            error.message,
            "the YAML nests deeper than 64 levels; a manifest needs about 5"
        );
        let allowed = format!("a: {}1{}", "[".repeat(63), "]".repeat(63));
        assert!(parse(&allowed).is_ok());
    }

    /// The node cap is a sentence that names the limit, not `Nodes { nodes: 250001 }`.
    #[test]
    fn issue_9_node_cap_is_a_sentence() {
        let many = "- 1\n".repeat(MAX_NODES);
        let error = parse(&many).unwrap_err();
        assert_eq!(error.rule, rule::YAML_TOO_COMPLEX);
        assert_eq!(
            error.message,
            "the YAML has more than 250,000 nodes (values, lists and mappings); a manifest has a \
             few hundred: move long number lists into numbers files (`- file: PATH`)"
        );
    }
}
