//! Values that are not what a reviewer reads: YAML tags (`!!binary` turns base64 into
//! text nobody reviewed, `!foo` and `%TAG` tags would be silently ignored), control
//! characters (a NUL, CR, LF, ESC or BEL from a YAML escape) and bidi controls (which
//! make text display in another order than it is). Every string and key of the tree is
//! checked, each problem at its place.

use super::Walker;
use crate::manifest::diagnostic::{is_bidi_control, shown};
use crate::manifest::rule;
use crate::manifest::tree::{Node, Place, Value};

impl Walker<'_> {
    /// Checks `node` and everything below it; `field` is the key that holds it.
    pub(super) fn hidden_content(&mut self, node: &Node, field: &str) {
        if let Some(tag) = &node.tag {
            self.tagged(node, field, tag);
        }
        match &node.value {
            Value::Str(text) => self.characters(node.place, field, text),
            Value::Seq(items) => {
                for item in items {
                    self.hidden_content(item, field);
                }
            }
            Value::Map(entries) => {
                for (key, value) in entries {
                    if let Some(tag) = &key.tag {
                        self.error(
                            rule::YAML_TAG,
                            key.place,
                            format!(
                                "the key `{}` has the YAML tag `{}`",
                                shown(&key.name),
                                short(tag)
                            ),
                            Some(format!(
                                "remove `{}`: a manifest uses no YAML tags",
                                short(tag)
                            )),
                        );
                    }
                    self.characters(key.place, "a key", &key.name);
                    self.hidden_content(value, &key.name);
                }
            }
            Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_) => {}
        }
    }

    fn tagged(&mut self, node: &Node, field: &str, tag: &str) {
        let field = shown(field);
        let tag = short(tag);
        let (message, help) = match (tag.as_str(), &node.value) {
            ("!!binary", Value::Str(decoded)) => (
                format!(
                    "`{field}` is `!!binary`: base64 that decodes to `{}`, which is not what a \
                     reviewer reads",
                    shown(decoded)
                ),
                format!("write the text itself: `\"{}\"`", shown(decoded)),
            ),
            ("!!str", _) => {
                let literal = self.literal(node);
                (
                    format!(
                        "`{field}` is a tagged string `!!str {}`; a manifest uses no YAML tags",
                        shown(&literal)
                    ),
                    format!(
                        "remove `!!str`: write `{0}` for a boolean or a number, `\"{0}\"` for text",
                        shown(&literal)
                    ),
                )
            }
            _ if !tag.starts_with('!') => (
                format!(
                    "`{field}` has the YAML tag `{tag}` (from a `%TAG` directive), which telrep \
                     would ignore"
                ),
                "remove the tag and its `%TAG` directive: a manifest uses no YAML tags".to_owned(),
            ),
            _ => (
                format!("`{field}` has the YAML tag `{tag}`, which telrep would ignore"),
                format!("remove `{tag}`: a manifest uses no YAML tags"),
            ),
        };
        self.error(rule::YAML_TAG, node.place, message, Some(help));
    }

    /// Reports the first control character or bidi control of `text`.
    fn characters(&mut self, place: Place, field: &str, text: &str) {
        let Some((index, character)) = text
            .chars()
            .enumerate()
            .find(|(_, character)| character.is_control() || is_bidi_control(*character))
        else {
            return;
        };
        let code = format!("U+{:04X}", u32::from(character));
        let position = index + 1;
        let field = shown(field);
        let (rule, message, help) = if character.is_control() {
            (
                rule::CONTROL_CHARACTER,
                format!(
                    "`{field}` holds the control character {code}{} at character {position}: \
                     `{}`",
                    control_name(character),
                    shown(text)
                ),
                format!(
                    "remove it: `{field}` is one line of text, so a multi-line string (`|`, `>`, \
                     a line break) or an escape like `\\0`, `\\r`, `\\n`, `\\e` or `\\a` is never \
                     valid here"
                ),
            )
        } else {
            (
                rule::BIDI_CONTROL,
                format!(
                    "`{field}` holds the bidi control {code} at character {position}, which makes \
                     the text display in another order than it is: `{}`",
                    shown(text)
                ),
                "remove it: write the text without direction controls".to_owned(),
            )
        };
        self.error(rule, place, message, Some(help));
    }
}

/// `tag:yaml.org,2002:binary` as it is written, `!!binary`; other tags as resolved.
fn short(tag: &str) -> String {
    tag.strip_prefix("tag:yaml.org,2002:")
        .map_or_else(|| shown(tag), |name| format!("!!{}", shown(name)))
}

/// " (ESC)" for the control characters YAML escapes name; "" for the others.
fn control_name(character: char) -> &'static str {
    match character {
        '\0' => " (NUL)",
        '\u{7}' => " (BEL)",
        '\u{8}' => " (BS)",
        '\t' => " (TAB)",
        '\n' => " (LF)",
        '\r' => " (CR)",
        '\u{1b}' => " (ESC)",
        '\u{7f}' => " (DEL)",
        _ => "",
    }
}
