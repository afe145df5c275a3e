//! The LOA part of the diff: whether the manifest's LOA differs from the live one, the
//! upload step, and the pinned document a step links.

use super::*;

impl Planner<'_> {
    /// Whether the manifest's LOA differs from the live one. An unknown digest is not a
    /// difference: without the live `sha256` (optional in the API's schema) the size and
    /// name decide; without those, or when the live document cannot be read, no change is
    /// planned (a warning or an error says so) unless `--replace-loa`.
    pub(super) fn loa_changed(&mut self, loa: &Loa, reputation: &LiveReputation) -> bool {
        let Loa::File { path, sha256, size } = loa else {
            return match loa {
                Loa::DocumentId(id) => reputation.loa_document_id.as_deref() != Some(id.as_str()),
                Loa::File { .. } => true,
            };
        };
        let Some(document) = reputation.loa_document_id.as_deref() else {
            return true;
        };
        let live = self.live;
        // `--replace-loa` decides only what cannot be compared: a known digest, size or name
        // still does, so a replaced LOA is not replaced again.
        let comparable =
            live.loa_sha256.is_some() || live.loa_size.is_some() || live.loa_filename.is_some();
        if self.options.replace_loa && (live.loa_missing || !comparable) {
            return true;
        }
        if live.loa_missing {
            let mut problem = Problem::new(
                "loa_unreadable",
                format!(
                    "the live LOA document `{document}` answered 404, so `{}` cannot be compared with it",
                    path.display()
                ),
            );
            problem.help = Some(
                "plan again (a document can be briefly unreadable); to upload and link the file anyway, pass --replace-loa".to_owned(),
            );
            self.problems.push(problem);
            return false;
        }
        if let Some(live_sha256) = &live.loa_sha256 {
            return !live_sha256.eq_ignore_ascii_case(sha256);
        }
        let name = path.file_name().map(|name| name.to_string_lossy());
        let size_differs = live.loa_size.is_some_and(|live_size| live_size != *size);
        let name_differs = match (&live.loa_filename, &name) {
            (Some(live_name), Some(name)) => live_name != name,
            _ => false,
        };
        if live.loa_size.is_some() || live.loa_filename.is_some() {
            return size_differs || name_differs;
        }
        self.warnings.push(Warning {
            rule: "loa_not_comparable".to_owned(),
            message: format!(
                "the live LOA document `{document}` has no sha256, size or name, so `{}` cannot be compared with it; no LOA change is planned (pass --replace-loa to upload and link the file anyway)",
                path.display()
            ),
            phone_number: None,
            confirm_by: None,
        });
        false
    }

    /// Uploads the LOA file when the manifest names one; the document id to link (the
    /// placeholder `{uploaded_document_id}` for a file not yet uploaded).
    pub(super) fn upload(&mut self, loa: &Loa) -> String {
        match loa {
            Loa::DocumentId(id) => {
                self.pinned_document(id);
                id.clone()
            }
            Loa::File { path, sha256, .. } => {
                self.steps.push(Step::new(
                    Action::UploadLoa,
                    "/documents".to_owned(),
                    format!(
                        "upload `{}` (sha256 {}…); no live LOA has its content. It is uploaded just before it is linked: an unlinked document is deleted after 30 minutes",
                        path.display(),
                        sha256.get(..12).unwrap_or(sha256)
                    ),
                ));
                "{uploaded_document_id}".to_owned()
            }
        }
    }

    /// A step links the manifest's `loa.document_id`: observation checks it exists (a free
    /// read) and a missing one is an error now, before apply writes anything.
    pub(super) fn pinned_document(&mut self, id: &str) {
        if self.missing_document(id) {
            let mut problem = Problem::new(
                "document_not_found",
                format!(
                    "`loa.document_id` `{id}` is not a document of this account (`GET /documents/{id}` answered 404)"
                ),
            );
            problem.help = Some(
                "upload the signed LOA and pin the id it gets, or set `loa.file` to the PDF so telrep uploads it (unlinked documents expire after 30 minutes)".to_owned(),
            );
            self.problems.push(problem);
        }
    }

    /// Records that a step links the pinned document `id` (observation then reads it);
    /// whether it is known not to exist.
    pub(super) fn missing_document(&mut self, id: &str) -> bool {
        self.linked_documents.push(id.to_owned());
        self.live.documents.get(id) == Some(&false)
    }
}
