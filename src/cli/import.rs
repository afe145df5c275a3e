//! `telrep import`: a manifest written from the live account, for teams that did the
//! guide's curl steps by hand. Free calls only; the manifest pins the enterprise by id and
//! the LOA by document id, keeps `prune: false`, and plans clean against the same account.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::ExitCode;
use super::args::ImportArgs;
use super::error::CliError;
use super::report::print_error;
use crate::model::E164;
use crate::telnyx::wire::Enterprise;
use crate::telnyx::{ApiError, Client};

/// More numbers than this go to `numbers/<name>.txt`, so the manifest stays reviewable.
const INLINE_NUMBERS: usize = 50;

/// The keys of the enterprise's nested blocks, as the manifest's validation knows them;
/// every other enterprise key holds one value.
fn nested_keys(key: &str) -> &'static [&'static str] {
    use crate::manifest::{ADDRESS_FIELDS, BILLING_CONTACT_FIELDS, ORGANIZATION_CONTACT_FIELDS};
    match key {
        "organization_contact" => ORGANIZATION_CONTACT_FIELDS,
        "billing_contact" => BILLING_CONTACT_FIELDS,
        "organization_physical_address" | "billing_address" => ADDRESS_FIELDS,
        _ => &[],
    }
}

/// Why an import stopped; each says what to do.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ImportError {
    /// The account has no enterprise.
    #[error(
        "the account at `{host}` has no enterprise to import; nothing was written: write a manifest by hand (see `examples/`) and apply it"
    )]
    NoEnterprise {
        /// The API's host.
        host: String,
    },
    /// Several enterprises and none named.
    #[error(
        "the account has {} enterprises; nothing was written: name one with `--enterprise ID` or `--enterprise LEGAL_NAME`: {}",
        listed.len(),
        list(listed)
    )]
    Several {
        /// Legal name and id of each.
        listed: Vec<(String, String)>,
    },
    /// `--enterprise` matched none.
    #[error(
        "no enterprise has the id or legal name `{wanted}`; nothing was written: the account has {}",
        list(listed)
    )]
    NotFound {
        /// `--enterprise`.
        wanted: String,
        /// Legal name and id of each.
        listed: Vec<(String, String)>,
    },
    /// Reputation is enabled but no LOA is linked: the manifest could not name one.
    #[error(
        "`{legal_name}` has Number Reputation enabled without a linked LOA, which a manifest must name; nothing was written: link the signed LOA first, or write the manifest by hand with `loa.file`"
    )]
    NoLoa {
        /// The enterprise.
        legal_name: String,
    },
    /// Several enterprises have the legal name `--enterprise` gave.
    #[error(
        "{} enterprises have the legal name `{wanted}`; nothing was written: name one by id with `--enterprise ID`: {}",
        listed.len(),
        list(listed)
    )]
    SameName {
        /// `--enterprise`.
        wanted: String,
        /// Legal name and id of each.
        listed: Vec<(String, String)>,
    },
    /// A file is there and `--force` was not given.
    #[error(
        "`{}` exists; nothing was written: pass `--force` to overwrite it, or choose another `--out`",
        path.display()
    )]
    Exists {
        /// The file.
        path: PathBuf,
    },
    /// Writing failed.
    #[error("cannot write `{}`", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The system's reason.
        #[source]
        source: std::io::Error,
    },
    /// A free read failed.
    #[error(
        "cannot read the account at `{host}`; nothing was written: check the network, the key, and `--api-url`, then try again"
    )]
    Read {
        /// The API's host.
        host: String,
        /// The API's reason.
        #[source]
        source: ApiError,
    },
    /// The written manifest does not validate (a live value the manifest refuses).
    #[error(
        "the imported manifest `{}` does not validate (see above): the live enterprise holds a value the manifest refuses; correct it in the file, then run `telrep plan` on it",
        path.display()
    )]
    Invalid {
        /// The manifest.
        path: PathBuf,
    },
}

fn list(listed: &[(String, String)]) -> String {
    listed
        .iter()
        .map(|(legal_name, id)| format!("`{legal_name}` ({id})"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What the free reads found of one enterprise.
#[derive(Debug, Clone, PartialEq)]
struct Imported {
    enterprise: Enterprise,
    /// `None`: Number Reputation is not enabled (or its terms are not agreed).
    reputation: Option<ImportedReputation>,
}

#[derive(Debug, Clone, PartialEq)]
struct ImportedReputation {
    loa_document_id: String,
    check_frequency: String,
    /// Sorted; without the numbers Telnyx removed.
    numbers: Vec<E164>,
    /// The live ownership proof's documents, when one was submitted.
    proof: Option<Vec<String>>,
}

/// Writes the manifest (and its numbers file); exit 1 when the account cannot be read, the
/// enterprise is ambiguous or missing, a file exists without `--force`, or the written
/// manifest does not validate.
pub fn run(args: &ImportArgs) -> ExitCode {
    let result = super::connect::runtime().and_then(|runtime| {
        runtime.block_on(async {
            let state = crate::sandbox::state_file_in(&args.out);
            let (client, sandbox) =
                super::connect::connect_with_state(&args.connection, Some(state)).await?;
            let result = read(&client, args.enterprise.as_deref()).await;
            if let Some(sandbox) = sandbox {
                sandbox.shutdown().await;
            }
            result.map_err(CliError::from)
        })
    });
    let imported = match result {
        Ok(imported) => imported,
        Err(error) => {
            print_error(&error);
            return ExitCode::Failure;
        }
    };
    match write(args, &imported) {
        Ok(line) => {
            let _ = writeln!(std::io::stdout(), "{line}");
            ExitCode::Success
        }
        Err(error) => {
            print_error(&CliError::from(error));
            ExitCode::Failure
        }
    }
}

/// The free reads: the terms, every enterprise, then the chosen one's settings, numbers and
/// ownership proof.
async fn read(client: &Client, wanted: Option<&str>) -> Result<Imported, ImportError> {
    let host = client.host();
    let failed = |source| ImportError::Read {
        host: host.clone(),
        source,
    };
    let terms = client.tos_status().await.map_err(failed)?;
    let enterprises = client.list_enterprises(None).await.map_err(failed)?;
    let enterprise = choose(enterprises, wanted, &host)?;
    // Until the terms are agreed every reputation call answers 403: nothing is monitored.
    let settings = if terms.agreement_required {
        None
    } else {
        client
            .get_reputation(&enterprise.id)
            .await
            .map_err(failed)?
    };
    let Some(settings) = settings.filter(|settings| settings.status != "deleted") else {
        return Ok(Imported {
            enterprise,
            reputation: None,
        });
    };
    let mut numbers = client
        .list_monitored(&enterprise.id)
        .await
        .map_err(failed)?
        .numbers;
    numbers.sort_unstable();
    // A rejected proof covers nothing, and a plan refuses to declare it: left out.
    let proof = match settings.external_verification_status.as_deref() {
        Some("pending" | "approved") => client
            .get_external_verification(&enterprise.id)
            .await
            .map_err(failed)?
            .map(|proof| proof.document_ids)
            .filter(|ids| !ids.is_empty()),
        _ => None,
    };
    let Some(loa_document_id) = settings.loa_document_id else {
        return Err(ImportError::NoLoa {
            legal_name: enterprise.legal_name,
        });
    };
    Ok(Imported {
        enterprise,
        reputation: Some(ImportedReputation {
            loa_document_id,
            check_frequency: settings.check_frequency,
            numbers,
            proof,
        }),
    })
}

/// The only enterprise, or the one `wanted` names by id or exact legal name.
fn choose(
    enterprises: Vec<Enterprise>,
    wanted: Option<&str>,
    host: &str,
) -> Result<Enterprise, ImportError> {
    let listed: Vec<(String, String)> = enterprises
        .iter()
        .map(|enterprise| (enterprise.legal_name.clone(), enterprise.id.clone()))
        .collect();
    if enterprises.is_empty() {
        return Err(ImportError::NoEnterprise {
            host: host.to_owned(),
        });
    }
    match wanted {
        Some(wanted) => {
            let mut found: Vec<Enterprise> = enterprises
                .into_iter()
                .filter(|enterprise| {
                    enterprise.id.eq_ignore_ascii_case(wanted) || enterprise.legal_name == wanted
                })
                .collect();
            match found.len() {
                0 => Err(ImportError::NotFound {
                    wanted: wanted.to_owned(),
                    listed,
                }),
                1 => Ok(found.remove(0)),
                _ => Err(ImportError::SameName {
                    wanted: wanted.to_owned(),
                    listed: found
                        .iter()
                        .map(|enterprise| (enterprise.legal_name.clone(), enterprise.id.clone()))
                        .collect(),
                }),
            }
        }
        None => {
            let mut enterprises = enterprises.into_iter();
            match (enterprises.next(), enterprises.next()) {
                (None, _) => Err(ImportError::NoEnterprise {
                    host: host.to_owned(),
                }),
                (Some(only), None) => Ok(only),
                (Some(_), Some(_)) => Err(ImportError::Several { listed }),
            }
        }
    }
}

/// Writes the files (refusing to overwrite without `--force`) and validates the manifest;
/// the line saying what was written.
fn write(args: &ImportArgs, imported: &Imported) -> Result<String, ImportError> {
    let name = file_name(&imported.enterprise.legal_name);
    let manifest = args.out.join(format!("{name}.yaml"));
    let numbers = imported
        .reputation
        .as_ref()
        .map_or(&[][..], |reputation| &reputation.numbers[..]);
    let numbers_file = (numbers.len() > INLINE_NUMBERS).then(|| format!("numbers/{name}.txt"));
    let now = jiff::Timestamp::now()
        .round(jiff::Unit::Second)
        .unwrap_or_else(|_| jiff::Timestamp::now());
    let manifest_header = header(args.schema.as_deref(), &imported.enterprise, now);
    // The numbers file first: a manifest is never left naming a file that was not written.
    let mut files = Vec::new();
    if let Some(relative) = &numbers_file {
        let header = header(None, &imported.enterprise, now);
        files.push((args.out.join(relative), numbers_text(&header, numbers)));
    }
    files.push((
        manifest.clone(),
        manifest_text(&manifest_header, imported, numbers_file.as_deref()),
    ));
    // The manifest is named first (it is written last); a dangling symlink is a file that
    // exists too: it is not followed.
    if !args.force
        && let Some((path, _)) = files
            .iter()
            .rev()
            .find(|(path, _)| path.symlink_metadata().is_ok())
    {
        return Err(ImportError::Exists { path: path.clone() });
    }
    for (path, text) in &files {
        write_file(path, text, args.force)?;
    }
    if let Err(diagnostics) =
        crate::manifest::load(&manifest, crate::manifest::LoadOptions::default())
    {
        let mut stderr = anstream::stderr().lock();
        for diagnostic in &diagnostics {
            let _ = writeln!(stderr, "{}", super::render_diagnostic(diagnostic, true));
        }
        return Err(ImportError::Invalid { path: manifest });
    }
    let where_numbers = match &numbers_file {
        Some(relative) => format!(" in `{}`", args.out.join(relative).display()),
        None => String::new(),
    };
    Ok(format!(
        "wrote `{}`: the enterprise `{}` ({}) with {} monitored number{}{where_numbers}; `telrep plan` on it shows no changes",
        manifest.display(),
        imported.enterprise.legal_name,
        imported.enterprise.id,
        numbers.len(),
        if numbers.len() == 1 { "" } else { "s" },
    ))
}

/// Writes `text`; without `force` the file is created, never replaced, so one that
/// appeared since the check is not overwritten either.
fn write_file(path: &Path, text: &str, force: bool) -> Result<(), ImportError> {
    let failed = |source| ImportError::Write {
        path: path.to_path_buf(),
        source,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(failed)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    let mut file = options.open(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::AlreadyExists {
            ImportError::Exists {
                path: path.to_path_buf(),
            }
        } else {
            failed(source)
        }
    })?;
    file.write_all(text.as_bytes()).map_err(failed)
}

/// The legal name as a file name: lowercase, `-` for each run of other characters.
fn file_name(legal_name: &str) -> String {
    let mut name = String::new();
    for character in legal_name.chars() {
        if character.is_ascii_alphanumeric() {
            name.push(character.to_ascii_lowercase());
        } else if !name.is_empty() && !name.ends_with('-') {
            name.push('-');
        }
    }
    let name = name.trim_end_matches('-');
    if name.is_empty() {
        "enterprise".to_owned()
    } else {
        name.to_owned()
    }
}

/// The comment lines both files start with: the schema line first when asked for, then
/// when and from which enterprise the file was imported.
fn header(schema: Option<&str>, enterprise: &Enterprise, now: jiff::Timestamp) -> String {
    let mut out = String::new();
    if let Some(schema) = schema {
        out.push_str(&format!("# yaml-language-server: $schema={schema}\n"));
    }
    out.push_str(&format!(
        "# Imported by `telrep import` at {now} from the enterprise {} ({}).\n",
        one_line(&enterprise.legal_name),
        one_line(&enterprise.id)
    ));
    out
}

/// A comment holds one line: a line break in live text would end it (any control or
/// line-separating character becomes a space).
fn one_line(text: &str) -> String {
    text.chars()
        .map(|character| {
            if character.is_control() || (character.is_whitespace() && character != ' ') {
                ' '
            } else {
                character
            }
        })
        .collect()
}

/// The manifest: `version`, the enterprise pinned by id with every field the manifest
/// knows, and the reputation settings with `prune: false`.
fn manifest_text(header: &str, imported: &Imported, numbers_file: Option<&str>) -> String {
    let mut out = String::from(header);
    out.push_str("version: 1\nenterprise:\n");
    out.push_str(&format!("  id: {}\n", quoted(&imported.enterprise.id)));
    let fields = serde_json::to_value(&imported.enterprise).unwrap_or(Value::Null);
    // The keys the manifest's validation knows, in its order; `id` is written first, apart.
    for key in crate::manifest::ENTERPRISE_FIELDS
        .iter()
        .filter(|key| **key != "id")
    {
        let nested = nested_keys(key);
        let Some(value) = fields.get(key).filter(|value| !value.is_null()) else {
            continue;
        };
        if nested.is_empty() {
            out.push_str(&format!("  {key}: {}\n", value_text(value)));
            continue;
        }
        out.push_str(&format!("  {key}:\n"));
        for inner in nested {
            if let Some(value) = value.get(inner).filter(|value| !value.is_null()) {
                out.push_str(&format!("    {inner}: {}\n", value_text(value)));
            }
        }
    }
    out.push_str("reputation:\n");
    let Some(reputation) = &imported.reputation else {
        out.push_str("  enabled: false\n");
        return out;
    };
    out.push_str("  enabled: true\n");
    out.push_str("  loa:\n");
    out.push_str(&format!(
        "    document_id: {}\n",
        quoted(&reputation.loa_document_id)
    ));
    out.push_str(&format!(
        "  check_frequency: {}\n",
        scalar(&reputation.check_frequency)
    ));
    if let Some(ids) = &reputation.proof {
        out.push_str("  external_verification:\n    document_ids:\n");
        for id in ids {
            out.push_str(&format!("      - {}\n", quoted(id)));
        }
    }
    if reputation.numbers.is_empty() {
        out.push_str("  numbers: []\n");
    } else {
        out.push_str("  numbers:\n");
        match numbers_file {
            Some(relative) => out.push_str(&format!("    - file: {}\n", scalar(relative))),
            None => {
                for number in &reputation.numbers {
                    out.push_str(&format!("    - \"{number}\"\n"));
                }
            }
        }
    }
    out.push_str("  prune: false\n");
    out
}

fn numbers_text(header: &str, numbers: &[E164]) -> String {
    let mut out = String::with_capacity(header.len() + numbers.len() * 13);
    out.push_str(header);
    for number in numbers {
        out.push_str(&number.to_string());
        out.push('\n');
    }
    out
}

fn value_text(value: &Value) -> String {
    match value {
        Value::String(text) => scalar(text),
        other => other.to_string(),
    }
}

/// Ids are always quoted: whether a random id starts with a digit would otherwise decide.
fn quoted(text: &str) -> String {
    // A JSON string is a YAML double-quoted scalar once the characters YAML does not allow
    // as they are (DEL, the C1 controls, U+FFFE and U+FFFF) and those a YAML 1.1 reader
    // takes for line breaks (U+0085, U+2028, U+2029) are escaped too.
    let json = serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_owned());
    let mut out = String::with_capacity(json.len());
    for character in json.chars() {
        let code = u32::from(character);
        if (0x7f..=0x9f).contains(&code) || matches!(code, 0x2028 | 0x2029 | 0xfffe | 0xffff) {
            out.push_str(&format!("\\u{code:04X}"));
        } else {
            out.push(character);
        }
    }
    out
}

/// A YAML scalar for `text`: plain when it cannot be read as anything but this string,
/// else double-quoted (a JSON string is a valid YAML double-quoted scalar).
fn scalar(text: &str) -> String {
    const RESERVED: &[&str] = &[
        "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~",
    ];
    let plain = text
        .chars()
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic())
        && text.chars().all(|character| {
            character.is_ascii_alphanumeric() || " ._@/,()&'-".contains(character)
        })
        && !text.ends_with(' ')
        && !RESERVED.contains(&text.to_ascii_lowercase().as_str());
    if plain { text.to_owned() } else { quoted(text) }
}

#[cfg(test)]
mod tests;
