//! `examples/ci/`: every workflow parses, every `telrep` command in it is one the real
//! argument parser accepts, and the shell of the GitHub plan job (every step but the ones
//! that install telrep or talk to GitHub's API) runs against the sandbox as the runner
//! would run it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::api::{Env, config_with_inventory, workspace};
use crate::support::root;

const NUMBERS: [&str; 3] = ["+12025550101", "+12025550102", "+12025550103"];

/// Every recipe, by its path under `examples/ci/`.
fn recipes() -> BTreeMap<String, Value> {
    let directory = root().join("examples/ci");
    let mut found = BTreeMap::new();
    let mut pending = vec![directory.clone()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(&next).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|extension| extension == "yml") {
                let text = std::fs::read_to_string(&path).unwrap();
                let value: Value = serde_saphyr::from_str(&text)
                    .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
                let name = path.strip_prefix(&directory).unwrap();
                found.insert(name.display().to_string(), value);
            }
        }
    }
    found
}

/// The shell scripts of a recipe: each GitHub step's `run`, each GitLab job's
/// `before_script` and `script` lines.
fn scripts(recipe: &Value) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(jobs) = recipe["jobs"].as_object() {
        for job in jobs.values() {
            for step in job["steps"].as_array().unwrap() {
                if let Some(run) = step["run"].as_str() {
                    out.push(run.to_owned());
                }
            }
        }
        return out;
    }
    for job in recipe.as_object().unwrap().values() {
        for key in ["before_script", "script"] {
            if let Some(lines) = job[key].as_array() {
                out.extend(lines.iter().map(|line| {
                    let text = line.as_str();
                    // `- exit $(( a > b ? a : b ))` is a mapping to YAML, not a command.
                    text.unwrap_or_else(|| panic!("a script line YAML reads as {line}"))
                        .to_owned()
                }));
            }
        }
    }
    out
}

/// The recipe's variables: GitHub's top-level `env`, GitLab's `variables`.
fn variables(recipe: &Value) -> BTreeMap<String, String> {
    let block = if recipe["env"].is_object() {
        &recipe["env"]
    } else {
        &recipe["variables"]
    };
    block
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, value)| (name.clone(), value.as_str().unwrap().to_owned()))
        .collect()
}

/// Shell words of one command, variables expanded from `variables` (an unquoted one split
/// on spaces, as the shell splits it), up to the first operator or redirection.
fn words(command: &str, variables: &BTreeMap<String, String>) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut started = false;
    let mut quote: Option<char> = None;
    let mut characters = command.chars().peekable();
    while let Some(character) = characters.next() {
        let expand = match (quote, character) {
            (Some('\''), '\'') | (Some('"'), '"') => {
                quote = None;
                None
            }
            (Some('\''), other) => {
                word.push(other);
                None
            }
            (Some(_), '$') => Some(true),
            (None, '$') => Some(false),
            (Some(_), other) => {
                word.push(other);
                None
            }
            (None, '\'' | '"') => {
                quote = Some(character);
                started = true;
                None
            }
            (None, ' ' | '\t') => {
                if started {
                    words.push(std::mem::take(&mut word));
                    started = false;
                }
                None
            }
            (None, '>' | '<' | '|' | ';' | '&' | ')' | '}' | '`') => break,
            (None, other) => {
                word.push(other);
                started = true;
                None
            }
        };
        let Some(quoted) = expand else {
            continue;
        };
        let name: String = std::iter::from_fn(|| {
            characters.next_if(|next| next.is_ascii_alphanumeric() || *next == '_')
        })
        .collect();
        let value = variables
            .get(&name)
            .unwrap_or_else(|| panic!("`${name}` is not a variable of the recipe"));
        started = true;
        if quoted {
            word.push_str(value);
            continue;
        }
        let mut parts = value.split(' ').filter(|part| !part.is_empty());
        if let Some(first) = parts.next() {
            word.push_str(first);
        }
        for part in parts {
            words.push(std::mem::take(&mut word));
            word.push_str(part);
        }
    }
    if started {
        words.push(word);
    }
    words
}

/// Every `telrep` command of a script: a line, or a part of one after `||`, `&&`, `;`,
/// `{`, `|`, `$(` or a backquote, that starts with `telrep ` once a leading `if`, `then`,
/// `else`, `while`, `until` or `!` is set aside.
fn telrep_commands(script: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in script.lines() {
        let mut rest = line.trim();
        loop {
            let mut command = rest;
            while let Some(after) = ["if ", "then ", "else ", "while ", "until ", "! "]
                .iter()
                .find_map(|keyword| command.strip_prefix(keyword))
            {
                command = after.trim_start();
            }
            if let Some(arguments) = command.strip_prefix("telrep ") {
                found.push(format!("telrep {arguments}"));
            }
            let next = ["||", "&&", ";", "{", "|", "$(", "`"]
                .iter()
                .filter_map(|operator| rest.find(operator).map(|at| at + operator.len()))
                .min();
            match next {
                Some(at) => rest = rest[at..].trim_start(),
                None => break,
            }
        }
    }
    found
}

#[test]
fn every_telrep_command_in_the_recipes_parses() {
    let recipes = recipes();
    assert_eq!(
        recipes.keys().collect::<Vec<_>>(),
        [
            "github/apply.yml",
            "github/nightly.yml",
            "github/plan.yml",
            "gitlab-ci.yml"
        ]
    );
    let mut counts = BTreeMap::new();
    for (name, recipe) in &recipes {
        let variables = variables(recipe);
        // One variable pair at the top says which telrep is installed, from source.
        assert!(variables["TELREP_GIT"].starts_with("https://"), "{name}");
        assert_eq!(variables["TELREP_REV"].len(), 40, "{name}");
        let scripts = scripts(recipe);
        assert!(
            scripts.iter().any(|script| script.contains(
                r#"cargo install --locked --git "$TELREP_GIT" --rev "$TELREP_REV" telrep"#
            )),
            "{name}: no install from source"
        );
        let mut count = 0;
        for script in &scripts {
            assert!(
                !script.contains("${{"),
                "{name}: an expression in a script: {script}"
            );
            for command in telrep_commands(script) {
                let arguments = words(&command, &variables);
                telrep::cli::check_arguments(&arguments)
                    .unwrap_or_else(|error| panic!("{name}: `{command}`: {error}"));
                count += 1;
            }
        }
        counts.insert(name.as_str(), count);
    }
    // The scan finds each command: validate, plan and the errors' annotations; apply; plan,
    // report and check twice; GitLab's validate twice, plan three times, apply, then plan,
    // report and check twice.
    assert_eq!(
        counts,
        BTreeMap::from([
            ("github/apply.yml", 1),
            ("github/nightly.yml", 4),
            ("github/plan.yml", 3),
            ("gitlab-ci.yml", 10),
        ])
    );
}

#[test]
fn the_shell_reader_splits_as_the_shell_does() {
    let variables = BTreeMap::from([("MANIFESTS".to_owned(), "a.yaml b/".to_owned())]);
    assert_eq!(
        words(
            r#"telrep plan --format "mark down" $MANIFESTS > plan.md || x"#,
            &variables
        ),
        ["telrep", "plan", "--format", "mark down", "a.yaml", "b/"]
    );
    assert_eq!(
        words(r#"telrep check "$MANIFESTS" 'it''s'"#, &variables),
        ["telrep", "check", "a.yaml b/", "its"]
    );
    assert_eq!(
        telrep_commands("x || { telrep a; exit 1; }\ntelrep b | tee f\n  echo telrep c"),
        ["telrep a; exit 1; }", "telrep b | tee f"]
    );
    assert_eq!(
        telrep_commands("if ! telrep d; then x=$(telrep e); fi\ny=`telrep f`"),
        [
            "telrep d; then x=$(telrep e); fi",
            "telrep e); fi",
            "telrep f`"
        ]
    );
}

/// What one step of the plan job did.
struct Ran {
    code: Option<i32>,
    stdout: String,
    outputs: BTreeMap<String, String>,
}

/// Runs the plan job of `github/plan.yml` in `workspace` as the runner would: each `run`
/// step in order under `bash -e`, with the workflow's and the step's environment (secrets
/// replaced by a test key), `GITHUB_OUTPUT` and `GITHUB_STEP_SUMMARY` files, and telrep on
/// `PATH`, pointed at the sandbox. The install step (telrep is already built) and the
/// steps that use an action (the cache, the checkout, the comment) are left out. A step
/// whose `if:` is false is skipped; a failing step ends the job, as on GitHub.
fn run_plan_job(base: &str, workspace: &Path) -> (BTreeMap<String, Ran>, String) {
    let recipes = recipes();
    let recipe = &recipes["github/plan.yml"];
    let workflow_env = variables(recipe);
    let summary = workspace.join("summary.md");
    std::fs::write(&summary, "").unwrap();
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_telrep"));
    let path = format!(
        "{}:{}",
        binary.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut ran: BTreeMap<String, Ran> = BTreeMap::new();
    let mut outputs_by_id: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut outcomes: BTreeMap<String, &str> = BTreeMap::new();
    let mut job_failed = false;
    for step in recipe["jobs"]["plan"]["steps"].as_array().unwrap() {
        let Some(script) = step["run"].as_str() else {
            continue;
        };
        if script.contains("cargo install") {
            continue;
        }
        let condition = step["if"].as_str().unwrap_or("success()");
        if !holds(condition, job_failed, &outcomes, &outputs_by_id) {
            continue;
        }
        let output_file = workspace.join("github_output");
        std::fs::write(&output_file, "").unwrap();
        let mut command = std::process::Command::new("bash");
        command
            .args(["--noprofile", "--norc", "-e", "-c", script])
            .current_dir(workspace)
            .env_clear()
            .env("PATH", &path)
            .env("HOME", workspace)
            .env("NO_COLOR", "1")
            .env("TELNYX_BASE_URL", base)
            .env("GITHUB_OUTPUT", &output_file)
            .env("GITHUB_STEP_SUMMARY", &summary)
            .envs(&workflow_env)
            .stdin(std::process::Stdio::null());
        if let Some(variables) = step["env"].as_object() {
            for (name, value) in variables {
                let value = value.as_str().unwrap();
                let value = if value == "${{ secrets.TELNYX_API_KEY }}" {
                    "test-key-not-secret"
                } else {
                    value
                };
                assert!(!value.contains("${{"), "unsupported: {value}");
                command.env(name, value);
            }
        }
        let output = command.output().unwrap();
        let outputs: BTreeMap<String, String> = std::fs::read_to_string(&output_file)
            .unwrap()
            .lines()
            .filter_map(|line| line.split_once('='))
            .map(|(key, value)| (key.to_owned(), value.to_owned()))
            .collect();
        let failed = !output.status.success();
        if let Some(id) = step["id"].as_str() {
            outputs_by_id.insert(id.to_owned(), outputs.clone());
            outcomes.insert(id.to_owned(), if failed { "failure" } else { "success" });
        }
        let name = step["name"].as_str().unwrap().to_owned();
        ran.insert(
            name,
            Ran {
                code: output.status.code(),
                stdout: String::from_utf8(output.stdout).unwrap(),
                outputs,
            },
        );
        job_failed |= failed;
    }
    (ran, std::fs::read_to_string(summary).unwrap())
}

/// Whether a step's `if:` holds, as GitHub decides it for the forms the plan job uses:
/// terms joined by `&&`, each `!cancelled()`, `success()`, `steps.ID.outcome == 'V'` or
/// `steps.ID.outputs.KEY == 'V'`; without a status function, `success()` is implied (a
/// failed step skips the steps after it). Any other form fails the test.
fn holds(
    condition: &str,
    job_failed: bool,
    outcomes: &BTreeMap<String, &str>,
    outputs: &BTreeMap<String, BTreeMap<String, String>>,
) -> bool {
    let condition = condition
        .trim()
        .strip_prefix("${{")
        .and_then(|rest| rest.strip_suffix("}}"))
        .unwrap_or(condition)
        .trim();
    let terms: Vec<&str> = condition.split(" && ").map(str::trim).collect();
    let has_status = terms.iter().any(|term| term.ends_with("()"));
    let mut holds = has_status || !job_failed;
    for term in terms {
        holds &= match term {
            "!cancelled()" => true,
            "success()" => !job_failed,
            _ => {
                let (left, right) = term
                    .split_once(" == ")
                    .unwrap_or_else(|| panic!("unsupported condition `{term}`"));
                let right = right.trim_matches('\'');
                let parts: Vec<&str> = left.split('.').collect();
                match parts.as_slice() {
                    ["steps", id, "outcome"] => outcomes.get(*id).copied() == Some(right),
                    ["steps", id, "outputs", key] => {
                        outputs
                            .get(*id)
                            .and_then(|found| found.get(*key))
                            .map(String::as_str)
                            == Some(right)
                    }
                    _ => panic!("unsupported condition `{term}`"),
                }
            }
        };
    }
    holds
}

/// The workspace of a repository holding one manifest under `manifests/`.
fn repository_of(numbers: &[&str]) -> tempfile::TempDir {
    let temp = workspace(numbers, "");
    let manifests = temp.path().join("manifests");
    std::fs::create_dir_all(&manifests).unwrap();
    std::fs::rename(temp.path().join("acme.yaml"), manifests.join("acme.yaml")).unwrap();
    std::fs::rename(temp.path().join("loa"), manifests.join("loa")).unwrap();
    temp
}

/// The plan job run in a repository listing `listed`, against a sandbox whose inventory
/// holds `inventory`: the sandbox, the repository, the steps that ran and the summary.
async fn plan_job(
    inventory: &[&str],
    listed: &[&str],
) -> (Env, tempfile::TempDir, BTreeMap<String, Ran>, String) {
    let env = Env::start(config_with_inventory(inventory)).await;
    let repository = repository_of(listed);
    let (base, directory) = (env.base(), repository.path().to_path_buf());
    let (ran, summary) = tokio::task::spawn_blocking(move || run_plan_job(&base, &directory))
        .await
        .unwrap();
    (env, repository, ran, summary)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_plan_job_plans_into_the_summary_and_annotates_plan_errors() {
    // A plan with changes: validated, planned (exit 2 is a plan), in the summary; the
    // errors step does not run.
    let (env, repository, ran, summary) = plan_job(&NUMBERS, &NUMBERS).await;
    assert_eq!(ran.keys().collect::<Vec<_>>(), ["Plan", "Validate"]);
    assert_eq!(ran["Validate"].code, Some(0));
    assert_eq!(ran["Validate"].stdout, "");
    assert_eq!(ran["Plan"].code, Some(0));
    assert_eq!(
        ran["Plan"].outputs,
        BTreeMap::from([("status".to_owned(), "2".to_owned())])
    );
    assert_eq!(
        summary.lines().next(),
        Some("<!-- telrep plan: manifests/ -->")
    );
    assert!(summary.contains("+12025550103"), "{summary}");
    let plan = std::fs::read_to_string(repository.path().join("plan.md")).unwrap();
    assert_eq!(plan, summary);
    // Planning is free: nothing but reads reached the account.
    let requests = env.requests().await;
    assert!(
        requests.iter().all(|(method, _, _, _)| method == "GET"),
        "{requests:?}"
    );

    // A number outside the inventory: the plan fails, its error is annotated at its line.
    let (_env, _repository, ran, summary) = plan_job(&NUMBERS[..2], &NUMBERS).await;
    assert_eq!(
        ran.keys().collect::<Vec<_>>(),
        ["Annotate the plan's errors", "Plan", "Validate"]
    );
    assert_eq!(ran["Plan"].code, Some(0));
    assert_eq!(ran["Plan"].outputs["status"], "1");
    assert!(
        summary.starts_with("<!-- telrep plan: manifests/ -->\n"),
        "{summary}"
    );
    let annotate = &ran["Annotate the plan's errors"];
    assert_eq!(annotate.code, Some(1));
    assert!(
        annotate.stdout.starts_with(
            "::error file=manifests/acme.yaml,line=44,col=7,title=number_not_in_inventory::`+12025550103` (manifests/acme.yaml:44:7) cannot be added"
        ),
        "{}",
        annotate.stdout
    );
    assert_eq!(annotate.stdout.lines().count(), 1);

    // An invalid manifest: the validation fails with its annotation, the plan still runs
    // (so the comment says why), and the check fails.
    let (env, _repository, ran, summary) = plan_job(&NUMBERS, &["+1202555010"]).await;
    assert_eq!(
        ran.keys().collect::<Vec<_>>(),
        ["Annotate the plan's errors", "Plan", "Validate"]
    );
    assert_eq!(ran["Validate"].code, Some(1));
    assert!(
        ran["Validate"].stdout.starts_with(
            "::error file=manifests/acme.yaml,line=42,col=7,title=invalid_number::`+1202555010` is not a valid phone number"
        ),
        "{}",
        ran["Validate"].stdout
    );
    assert_eq!(ran["Plan"].outputs["status"], "1");
    assert!(
        summary.starts_with("<!-- telrep plan: manifests/ -->\n"),
        "{summary}"
    );
    assert!(summary.contains("+1202555010"), "{summary}");
    assert_eq!(ran["Annotate the plan's errors"].code, Some(1));
    assert!(env.requests().await.is_empty());
}
