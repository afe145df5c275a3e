//! `POST /enterprises/{id}/reputation/loa`: the enterprise's Letter of Authorization
//! rendered for signature, a real one-page PDF naming the enterprise (free; it works before
//! Number Reputation is enabled). The PDF is written by hand: one page, one standard font,
//! a cross-reference table with exact offsets, so any PDF reader opens it.

use serde_json::Value;

use super::{Problem, not_found, problem};
use crate::sandbox::state::World;

impl World {
    /// The PDF's bytes; 404 for an unknown enterprise, 400 for a body that is not an object
    /// of `agent` and `signature`. The terms are not needed: the LOA belongs to the
    /// enterprise and comes before enabling (an assumption; docs/api.md says so).
    pub fn render_loa(&self, id: &str, body: &Value) -> Result<Vec<u8>, Problem> {
        let enterprise = self.enterprise(id).ok_or_else(|| not_found("Enterprise"))?;
        let allowed = match body {
            Value::Null => true,
            Value::Object(object) => object
                .keys()
                .all(|key| matches!(key.as_str(), "agent" | "signature")),
            _ => false,
        };
        if !allowed {
            return Err(problem(
                400,
                "10015",
                "Invalid request body",
                "the body is an object with optional `agent` and `signature`",
            ));
        }
        let lines = [
            "Letter of Authorization - Number Reputation".to_owned(),
            String::new(),
            format!("Enterprise: {}", enterprise.legal_name),
            format!("Enterprise id: {}", enterprise.id),
            String::new(),
            "The enterprise authorizes Telnyx to monitor the reputation of its".to_owned(),
            "phone numbers with the call-screening ecosystem.".to_owned(),
            String::new(),
            "Signature: ______________________   Date: ____________".to_owned(),
        ];
        Ok(pdf(&lines))
    }
}

/// A one-page PDF (US Letter, Helvetica 12 pt) showing `lines` from the top.
pub(super) fn pdf(lines: &[String]) -> Vec<u8> {
    let mut text = String::from("BT /F1 12 Tf 72 720 Td 16 TL\n");
    for line in lines {
        text.push_str(&format!("({}) Tj T*\n", escape(line)));
    }
    text.push_str("ET\n");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>".to_owned(),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
        format!("<< /Length {} >>\nstream\n{text}endstream", text.len()),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::with_capacity(objects.len());
    for (index, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", index + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// A PDF literal string's text: backslash and parentheses escaped, anything outside
/// printable ASCII shown as `?` (the standard font's encoding has no sure mapping for it).
fn escape(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    for character in line.chars() {
        match character {
            '\\' | '(' | ')' => {
                out.push('\\');
                out.push(character);
            }
            ' '..='~' => out.push(character),
            _ => out.push('?'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::Rules;
    use super::super::tests::agreed_with_acme;
    use super::*;

    #[test]
    fn the_pdf_names_the_enterprise_and_its_offsets_are_exact() {
        let mut world = World::default();
        let (id, _) = agreed_with_acme(&mut world, &Rules::default());
        let bytes = world.render_loa(&id, &json!({})).unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.starts_with("%PDF-1.4\n") && text.ends_with("%%EOF\n"));
        assert!(text.contains("(Enterprise: Acme Corp) Tj"), "{text}");
        // Every xref entry points at its object, and startxref at the table.
        let xref: usize = text
            .rsplit("startxref\n")
            .next()
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(text[xref..].starts_with("xref\n0 6\n"));
        let entries: Vec<usize> = text[xref..]
            .lines()
            .skip(3)
            .take(5)
            .map(|line| line[..10].parse().unwrap())
            .collect();
        for (index, offset) in entries.iter().enumerate() {
            assert!(
                text[*offset..].starts_with(&format!("{} 0 obj\n", index + 1)),
                "object {}",
                index + 1
            );
        }
        let (_, rest) = text.split_once(">>\nstream\n").unwrap();
        let (stream, _) = rest.split_once("endstream").unwrap();
        assert!(text.contains(&format!("<< /Length {} >>", stream.len())));
    }

    #[test]
    fn refusals() {
        let mut world = World::default();
        let (id, _) = agreed_with_acme(&mut world, &Rules::default());
        assert_eq!(
            world.render_loa("missing", &json!({})).unwrap_err().status,
            404
        );
        assert_eq!(
            world
                .render_loa(&id, &json!({"agnet": {}}))
                .unwrap_err()
                .status,
            400
        );
        assert_eq!(world.render_loa(&id, &json!([])).unwrap_err().status, 400);
        // Before the terms are agreed too: the LOA comes first.
        world.agreements.clear();
        assert!(world.render_loa(&id, &json!({})).is_ok());
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape(r"Acme (US) \ Café"), r"Acme \(US\) \\ Caf?");
    }
}
