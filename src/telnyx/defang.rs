//! Text from a server is shown to people, so it must not be able to forge telrep's output:
//! a control character (a newline, ESC starting a terminal sequence, BEL) or a bidi
//! override (U+202E turns text around) in an API string would let a hostile or broken
//! server print lines that look like telrep's own. Every response body passes `defang`
//! before it is decoded, so such characters arrive as visible `\uXXXX` text instead.
//!
//! It works on the JSON text itself: an escape such as `\n` or `\u001b` inside a string
//! becomes `\\n` or `\\u001b` (which decodes to the six visible characters), and a raw
//! bidi control becomes `\\u202e`. Everything else is left byte for byte, so bodies
//! without such characters are not copied at all.

use std::borrow::Cow;

/// Whether a character must never reach a terminal or a rendered comment as itself.
pub fn is_forging(character: char) -> bool {
    let code = u32::from(character);
    code < 0x20
        || (0x7f..=0x9f).contains(&code)
        || matches!(
            code,
            0x061c | 0x200e | 0x200f | 0x202a..=0x202e | 0x2066..=0x2069
        )
}

/// Whether `defang` returns `body` as it is: the cheap test that spares clean pages a copy,
/// and what tests compare against serde_json alone.
pub fn leaves_alone(body: &[u8]) -> bool {
    // Escapes start with `\`; the raw characters concerned are DEL (0x7f, which JSON
    // allows raw inside a string) or start with these UTF-8 bytes (U+0080..U+009F: 0xc2;
    // U+061C: 0xd8; U+200E..U+2069: 0xe2).
    // Folded a block at a time without stopping early, so the compiler can compare a
    // whole vector register at once: a page of 250 numbers is over 100 kB of clean text.
    !body.chunks(256).any(|block| {
        block.iter().fold(false, |found, byte| {
            found | matches!(byte, b'\\' | 0x7f | 0xc2 | 0xd8 | 0xe2)
        })
    })
}

/// The body with every forging character inside its strings made visible.
pub fn defang(body: &[u8]) -> Cow<'_, [u8]> {
    if leaves_alone(body) {
        return Cow::Borrowed(body);
    }
    // A body that is not UTF-8 is still defanged: serde_json checks the UTF-8 of the
    // strings it keeps, not of the values it skips, so such a body can decode, and its
    // escapes must not. Bytes that are not UTF-8 are copied as they are.
    let mut pieces = body.utf8_chunks().flat_map(|chunk| {
        chunk
            .valid()
            .chars()
            .map(Piece::Char)
            .chain((!chunk.invalid().is_empty()).then_some(Piece::Bytes(chunk.invalid())))
    });
    let mut out = Vec::with_capacity(body.len() + 16);
    while let Some(piece) = pieces.next() {
        let character = match piece {
            Piece::Bytes(bytes) => {
                out.extend_from_slice(bytes);
                continue;
            }
            Piece::Char(character) => character,
        };
        if character == '\\' {
            match pieces.next() {
                Some(Piece::Char(escape @ ('n' | 'r' | 't' | 'b' | 'f'))) => {
                    out.extend_from_slice(b"\\\\");
                    push(&mut out, escape);
                }
                Some(Piece::Char('u')) => {
                    let hex: Vec<Piece<'_>> = pieces.by_ref().take(4).collect();
                    let text: String = hex
                        .iter()
                        .map_while(|piece| match piece {
                            Piece::Char(character) => Some(*character),
                            Piece::Bytes(_) => None,
                        })
                        .collect();
                    // Only a well-formed escape is made text: doubling the backslash of
                    // a malformed one (`\\u+01b`) would make invalid JSON valid.
                    let forging = text.len() == 4
                        && text.bytes().all(|byte| byte.is_ascii_hexdigit())
                        && u32::from_str_radix(&text, 16)
                            .ok()
                            .and_then(char::from_u32)
                            .is_some_and(is_forging);
                    out.extend_from_slice(if forging { b"\\\\u" } else { b"\\u" });
                    for piece in hex {
                        piece.write(&mut out);
                    }
                }
                Some(other) => {
                    out.push(b'\\');
                    other.write(&mut out);
                }
                None => out.push(b'\\'),
            }
        } else if is_forging(character) && u32::from(character) >= 0x20 {
            // Raw C0 controls are left for the decoder: newlines and tabs are whitespace
            // between tokens, and any of them inside a string is invalid JSON, refused
            // whether or not the body held something else to defang. Raw DEL, C1 and bidi
            // controls are valid inside a JSON string, so they are made visible.
            out.extend_from_slice(format!("\\\\u{:04x}", u32::from(character)).as_bytes());
        } else {
            push(&mut out, character);
        }
    }
    Cow::Owned(out)
}

/// A character of a body, or a run of its bytes that are not UTF-8.
enum Piece<'a> {
    Char(char),
    Bytes(&'a [u8]),
}

impl Piece<'_> {
    fn write(&self, out: &mut Vec<u8>) {
        match self {
            Self::Char(character) => push(out, *character),
            Self::Bytes(bytes) => out.extend_from_slice(bytes),
        }
    }
}

fn push(out: &mut Vec<u8>, character: char) {
    out.extend_from_slice(character.encode_utf8(&mut [0; 4]).as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    struct Detail {
        detail: String,
    }

    #[track_caller]
    fn case(body: &str, expected_text: &str) {
        let defanged = defang(body.as_bytes());
        let value: serde_json::Value = serde_json::from_slice(&defanged).unwrap();
        assert_eq!(value["detail"], expected_text, "{body}");
    }

    #[test]
    fn issue_9_forging_characters_become_visible() {
        case(r#"{"detail": "plain text"}"#, "plain text");
        case(
            r#"{"detail": "quote \" slash \/ backslash \\ ok"}"#,
            "quote \" slash / backslash \\ ok",
        );
        case(r#"{"detail": "two\nlines"}"#, "two\\nlines");
        case(r#"{"detail": "\u001b[2Jcleared"}"#, "\\u001b[2Jcleared");
        case(r#"{"detail": "bell\u0007"}"#, "bell\\u0007");
        case(
            "{\"detail\": \"evil\u{202e}txt.pdf\"}",
            "evil\\u202etxt.pdf",
        );
        case(r#"{"detail": "escaped \u202E too"}"#, "escaped \\u202E too");
        case(r#"{"detail": "caf\u00e9 stays"}"#, "café stays");
        case("{\"detail\": \"c1\u{85}control\"}", "c1\\u0085control");
        // Found by fuzzing: JSON allows a raw DEL inside a string.
        case("{\"detail\": \"del\u{7f}raw\"}", "del\\u007fraw");
        // Found by fuzzing: a raw NUL inside a string is invalid JSON, refused as it is
        // whether or not the body holds anything to defang (here a DEL).
        let refused = "{\"detail\": \"del\u{7f}\u{0}nul\"}";
        let defanged = defang(refused.as_bytes());
        assert_eq!(
            &*defanged,
            "{\"detail\": \"del\\\\u007f\u{0}nul\"}".as_bytes()
        );
        assert!(serde_json::from_slice::<serde_json::Value>(&defanged).is_err());
        // Found by fuzzing: a body that is not UTF-8 in a value serde_json skips still
        // decodes, so its escapes are defanged too; its other bytes are kept.
        let skipped = b"{\"detail\": \"\\u001b[2J\", \"x\": \"\x92\"}";
        let defanged = defang(skipped);
        assert_eq!(
            &*defanged,
            b"{\"detail\": \"\\\\u001b[2J\", \"x\": \"\x92\"}"
        );
        let decoded: Detail = serde_json::from_slice(&defanged).unwrap();
        assert_eq!(decoded.detail, "\\u001b[2J");
        // A malformed escape stays malformed.
        assert_eq!(
            &*defang(br#"{"detail": "\u+01b"}"#),
            br#"{"detail": "\u+01b"}"#
        );
        case(
            "{\n  \"detail\": \"pretty JSON keeps its whitespace\"\n}",
            "pretty JSON keeps its whitespace",
        );
        // A backslash escaped as `\\` followed by `n` is text, and stays text.
        case(r#"{"detail": "C:\\new"}"#, "C:\\new");
    }

    #[test]
    fn clean_bodies_are_not_copied() {
        let body = br#"{"data": {"id": "x"}}"#;
        assert!(matches!(defang(body), Cow::Borrowed(_)));
    }
}
