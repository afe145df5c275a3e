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
        let sha256 = crate::model::hex(&digest);
        let content_type = if upload.content.starts_with(b"%PDF-") {
            "application/pdf"
        } else {
            "application/octet-stream"
        };
        let now = timestamp(context.now_ms);
        let filename = upload.filename.replace(' ', "");
        let id = self.next_id(
            context.rules.seed,
            &format!("document/{sha256}/{filename}"),
            |world, id| {
                world
                    .documents
                    .iter()
                    .any(|stored| stored.document.id == id)
            },
        );
        let document = Document {
            id,
            record_type: "document".to_owned(),
            filename: Some(filename),
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::tests::{context, invalid};
    use super::super::{Body, Reply, Rules};
    use super::*;

    fn upload(filename: &str, content: &[u8], customer_reference: Option<&str>) -> Upload {
        Upload {
            filename: filename.to_owned(),
            content: content.to_vec(),
            customer_reference: customer_reference.map(str::to_owned),
            parts: Vec::new(),
        }
    }

    #[test]
    fn an_upload_answers_with_its_sha256_and_size() {
        #[track_caller]
        fn case(upload: Upload, expected: Document) {
            let rules = Rules::default();
            let mut world = World::default();
            let outcome = world.create_document(upload, context(&rules));
            let expected = Document {
                id: world.documents[0].document.id.clone(),
                ..expected
            };
            let reply = Ok(Reply {
                status: 200,
                body: Some(Body::Value(json!({ "data": expected }))),
            });
            assert_eq!(outcome, reply);
            assert_eq!(world.get_document(&expected.id), reply);
            assert_eq!(world.documents, [StoredDocument { document: expected }]);
        }
        let document = |filename: &str, content_type: &str, amount: u64, sha256: &str| Document {
            id: String::new(),
            record_type: "document".to_owned(),
            filename: Some(filename.to_owned()),
            content_type: Some(content_type.to_owned()),
            size: Some(DocumentSize {
                amount,
                unit: "bytes".to_owned(),
            }),
            sha256: Some(sha256.to_owned()),
            status: Some("verified".to_owned()),
            av_scan_status: Some("scanned".to_owned()),
            customer_reference: None,
            created_at: "2026-01-01T00:00:00Z".to_owned(),
            updated_at: "2026-01-01T00:00:00Z".to_owned(),
        };
        case(
            upload("loa.pdf", b"%PDF-1.4 test", None),
            document(
                "loa.pdf",
                "application/pdf",
                13,
                "d663640088750cf16276d623c2588d7233f2b84b45f4b2e20832f47b16aa5618",
            ),
        );
        case(
            upload("signed loa.txt", b"plain text", Some("acme")),
            Document {
                customer_reference: Some("acme".to_owned()),
                ..document(
                    "signedloa.txt",
                    "application/octet-stream",
                    10,
                    "c9ecf5e54c7b3f2640ecca21f96d4c3625a2b7935104f41c5ede29935a9e52c9",
                )
            },
        );
    }

    #[test]
    fn empty_and_oversized_uploads_are_422() {
        #[track_caller]
        fn case(content: Vec<u8>, detail: &str) {
            let rules = Rules::default();
            let mut world = World::default();
            let upload = Upload {
                content,
                ..upload("loa.pdf", b"", None)
            };
            assert_eq!(
                world.create_document(upload, context(&rules)),
                Err(Problem {
                    status: 422,
                    errors: vec![invalid("Invalid document", detail, "/file")],
                })
            );
            assert_eq!(world, World::default());
        }
        case(Vec::new(), "the file is empty");
        case(vec![0; 20_000_001], "documents are limited to 20 MB");
    }

    #[test]
    fn listing_filters_by_reference_and_name() {
        #[track_caller]
        fn case(world: &World, query: &str, expected: &[usize]) {
            let data: Vec<&Document> = expected
                .iter()
                .map(|index| &world.documents[*index].document)
                .collect();
            let meta = json!({
                "page_number": 1,
                "page_size": data.len(),
                "total_pages": 1,
                "total_results": data.len(),
            });
            assert_eq!(
                world.list_documents(&Query::parse(query)),
                Ok(Reply {
                    status: 200,
                    body: Some(Body::Value(json!({ "data": data, "meta": meta }))),
                })
            );
        }
        let rules = Rules::default();
        let mut world = World::default();
        for (filename, reference) in [("acme-loa.pdf", Some("acme")), ("beta-loa.pdf", None)] {
            let upload = upload(filename, b"%PDF-1.4", reference);
            world.create_document(upload, context(&rules)).unwrap();
        }
        case(&world, "", &[0, 1]);
        case(&world, "filter[customer_reference][eq]=acme", &[0]);
        case(&world, "filter[customer_reference][eq]=acm", &[]);
        case(&world, "filter[filename][contains]=loa", &[0, 1]);
        case(&world, "filter[filename][contains]=beta", &[1]);
        case(
            &world,
            "filter[filename][contains]=beta&filter[customer_reference][eq]=acme",
            &[],
        );
        assert_eq!(world.get_document("nope"), Err(not_found("Document")));
    }
}
