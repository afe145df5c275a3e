//! Documents (the LOA): upload with its `sha256` and size, lookup and listing
//! (docs/api.md). Only the record is kept, never the content. Uses the shared builders of
//! `rules` and the wire types.

use super::{
    Context, Outcome, Problem, Query, at_pointer, data, entry, not_found, paginate, timestamp,
};
use crate::sandbox::state::{StoredDocument, World};
use crate::telnyx::wire::{Document, DocumentSize};
/// A document as uploaded, from either JSON or multipart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    /// The name given.
    pub filename: String,
    /// The bytes.
    pub content: Vec<u8>,
    /// Free text of the uploader's.
    pub customer_reference: Option<String>,
    /// The JSON keys or multipart part names it came with (for the request log).
    pub parts: Vec<String>,
}

impl World {
    /// `POST /documents`: 200 with the document's `sha256` and `size`; 422 on bad input.
    pub fn create_document(&mut self, upload: Upload, context: Context<'_>) -> Outcome {
        const LIMIT: usize = 20_000_000;
        if upload.content.is_empty() {
            return Err(Problem {
                status: 422,
                errors: vec![at_pointer(
                    entry("10015", "Invalid document", "the file is empty"),
                    "/file",
                )],
            });
        }
        if upload.content.len() > LIMIT {
            return Err(Problem {
                status: 422,
                errors: vec![at_pointer(
                    entry(
                        "10015",
                        "Invalid document",
                        "documents are limited to 20 MB",
                    ),
                    "/file",
                )],
            });
        }
        use sha2::Digest as _;
        let digest = sha2::Sha256::digest(&upload.content);
        let sha256: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
        let content_type = if upload.content.starts_with(b"%PDF-") {
            "application/pdf"
        } else {
            "application/octet-stream"
        };
        let now = timestamp(context.now_ms);
        let document = Document {
            id: self.next_id(context.rules.seed),
            record_type: "document".to_owned(),
            filename: Some(upload.filename.replace(' ', "")),
            content_type: Some(content_type.to_owned()),
            size: Some(DocumentSize {
                amount: u64::try_from(upload.content.len()).unwrap_or(0),
                unit: "bytes".to_owned(),
            }),
            sha256: Some(sha256),
            status: Some("verified".to_owned()),
            av_scan_status: Some("scanned".to_owned()),
            customer_reference: upload.customer_reference,
            created_at: now.clone(),
            updated_at: now,
        };
        self.documents.push(StoredDocument {
            document: document.clone(),
        });
        data(200, &document)
    }

    /// `GET /documents/{id}`.
    pub fn get_document(&self, id: &str) -> Outcome {
        match self
            .documents
            .iter()
            .find(|stored| stored.document.id == id)
        {
            Some(stored) => data(200, &stored.document),
            None => Err(not_found("Document")),
        }
    }

    /// `GET /documents` with `filter[customer_reference][eq]` and `filter[filename][contains]`.
    pub fn list_documents(&self, query: &Query) -> Outcome {
        let reference = query.get("filter[customer_reference][eq]");
        let filename = query.get("filter[filename][contains]");
        let documents: Vec<&Document> = self
            .documents
            .iter()
            .map(|stored| &stored.document)
            .filter(|document| {
                reference
                    .is_none_or(|wanted| document.customer_reference.as_deref() == Some(wanted))
            })
            .filter(|document| {
                filename.is_none_or(|part| {
                    document
                        .filename
                        .as_deref()
                        .is_some_and(|name| name.contains(part))
                })
            })
            .collect();
        paginate(&documents, query, 20)
    }
}
