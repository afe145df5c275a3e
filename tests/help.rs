//! `--help` of telrep and of every subcommand `telrep --help` lists, whole: the wording is
//! the interface people read first, so any change to it shows here.

use crate::support::{root, run};

#[test]
fn top_level() {
    insta::assert_snapshot!(run(&root(), &["--help"]), @"
    exit: 0
    ----- stdout -----
    Keep a Telnyx Number Reputation setup in version control.

    A YAML manifest declares an enterprise, its Letter of Authorization, its refresh frequency and its
    monitored numbers; telrep checks it, plans the API calls that would make the account match, and
    applies them.

    Usage: telrep [OPTIONS] <COMMAND>

    Commands:
      validate     Check manifests and their numbers files offline (no API key, no network)
      plan         Show the API calls that would make the account match the manifests (free calls only)
      apply        Make the API calls of the plan, wait for vetting, and prove the account matches
      schema       Print the manifest's JSON Schema (for editors and other tools)
      sandbox      Run a local simulator of the Telnyx API (no account, no cost)
      report       Show every monitored number's reputation, worst first, with the policy applied (free)
      check        Fail (exit 2) when a managed number breaks the manifest's policy (free; for CI)
      refresh      Refresh managed numbers' reputation now (billed: shows the bill and asks first)
      remediate    Submit flagged managed numbers for re-evaluation (billed: shows the bill and asks
                   first)
      import       Write a manifest from the live account, for a setup made by hand (free)
      loa          The Letter of Authorization Telnyx renders for the enterprise, to sign (free)
      ownership    Answer Telnyx's ownership checks of numbers hosted with another carrier (free)
      completions  Print a shell completion script
      man          Print telrep's manual page (roff, for `man -l -`)
      help         Print this message or the help of the given subcommand(s)

    Options:
          --color <COLOR>
              When to use colour: `auto` colours a terminal unless NO_COLOR is set

              Possible values:
              - auto:   Colour on a terminal when NO_COLOR is unset
              - always: Always colour
              - never:  Never colour
              
              [default: auto]

      -v, --verbose
              Log every API call (method, path, status, attempt, latency) to stderr

      -h, --help
              Print help (see a summary with '-h')

      -V, --version
              Print version
    ----- stderr -----
    ");
}

#[test]
fn validate() {
    insta::assert_snapshot!(run(&root(), &["validate", "--help"]), @"
    exit: 0
    ----- stdout -----
    Check manifests and their numbers files offline (no API key, no network)

    Usage: telrep validate [OPTIONS] <PATH>...

    Arguments:
      <PATH>...
              Manifest files, or directories searched recursively for manifests (`*.yaml` and `*.yml`
              files with `enterprise` or `reputation` at the top)

    Options:
          --color <COLOR>
              When to use colour: `auto` colours a terminal unless NO_COLOR is set

              Possible values:
              - auto:   Colour on a terminal when NO_COLOR is unset
              - always: Always colour
              - never:  Never colour
              
              [default: auto]

          --format <FORMAT>
              `text` renders problems like a compiler on stderr; `json` prints one object on stdout

              Possible values:
              - text:   For people
              - json:   For programs
              - github: GitHub Actions workflow commands: each problem an annotation on its line
              - gitlab: A GitLab Code Quality report (JSON): each problem an issue in the merge request
              - sarif:  A SARIF 2.1.0 log, for code scanning (columns in Unicode scalar values)
              
              [default: text]

          --allow-outside-paths
              Let `file:` entries and `loa.file` point outside the manifest's directory

      -v, --verbose
              Log every API call (method, path, status, attempt, latency) to stderr

          --exclude <GLOB>
              Skip what matches this glob below a directory argument, matched against the path relative
              to it (`**` crosses directories; repeatable; never applies to a file named explicitly)

      -h, --help
              Print help (see a summary with '-h')

    Examples:
      telrep validate acme.yaml
      telrep validate --format json manifests/

    Exit codes: 0 every manifest valid; 1 otherwise
    ----- stderr -----
    ");
}

#[test]
fn plan() {
    insta::assert_snapshot!(run(&root(), &["plan", "--help"]), @"
    exit: 0
    ----- stdout -----
    Show the API calls that would make the account match the manifests (free calls only)

    Usage: telrep plan [OPTIONS] <PATH>...

    Arguments:
      <PATH>...
              Manifest files, or directories searched recursively for manifests (`*.yaml` and `*.yml`
              files with `enterprise` or `reputation` at the top)

    Options:
          --color <COLOR>
              When to use colour: `auto` colours a terminal unless NO_COLOR is set

              Possible values:
              - auto:   Colour on a terminal when NO_COLOR is unset
              - always: Always colour
              - never:  Never colour
              
              [default: auto]

          --format <FORMAT>
              `text` for people, `json` for programs, `markdown` for a pull-request comment

              Possible values:
              - text:     For people
              - json:     For programs
              - markdown: For a pull-request comment
              - diff:     The live account against the manifest, in manifest form, as a unified diff
              - github:   GitHub Actions workflow commands for the plans' errors and warnings
              - gitlab:   A GitLab Code Quality report (JSON) of the plans' errors and warnings
              - sarif:    A SARIF 2.1.0 log of the plans' errors and warnings, for code scanning
              
              [default: text]

          --out <FILE>
              Save the plan (steps, manifest digest, live fingerprint) for `apply --plan`

      -v, --verbose
              Log every API call (method, path, status, attempt, latency) to stderr

          --detailed-exitcode
              Exit 2 when there are changes, 0 when there are none (Terraform's convention)

          --allow-disable
              Accept plans that disable reputation (alone, or to replace an approved LOA)

          --allow-mass-removal
              Accept plans that remove more than max(10, 25 %) of the monitored numbers, or all

          --replace-loa
              Upload and link `loa.file` even when the live LOA cannot be compared with it (its document
              has no sha256, size or name, or cannot be read)

          --full
              List every number instead of the first and last few

          --show-sensitive
              Show personal data (FEIN, contacts, addresses) instead of short hashes

          --prices <FILE>
              Prices to estimate with (JSON or YAML: `monitoring_per_month`, `per_check`, in USD)

          --sandbox
              Use a local sandbox (state in `.telrep/sandbox.json` beside the manifest) instead of
              Telnyx: no account, no cost

          --api-url <URL>
              API base URL [default: TELNYX_BASE_URL, else https://api.telnyx.com/v2]

          --api-key-file <FILE>
              Read the API key from this file instead of TELNYX_API_KEY: a regular file of at most 4 KiB
              holding the key on one line

          --concurrency <N>
              Requests in flight at once: pages of a listing, and apply's number batches and removals
              
              [default: 8]

          --max-retries <N>
              Retries of a failed call [default: 5 for apply, refresh and remediate, within a minute of
              waiting in all; 2 for the other commands, as the official client]

          --allow-outside-paths
              Let `file:` entries and `loa.file` point outside the manifest's directory

          --exclude <GLOB>
              Skip what matches this glob below a directory argument, matched against the path relative
              to it (`**` crosses directories; repeatable; never applies to a file named explicitly)

      -h, --help
              Print help (see a summary with '-h')

    Examples:
      telrep plan acme.yaml
      telrep plan --detailed-exitcode --format markdown manifests/
      telrep plan --out plan.json acme.yaml

    Exit codes: 0 planned (with --detailed-exitcode: no changes); 1 error or refused plan; 2 changes
    (--detailed-exitcode)
    ----- stderr -----
    ");
}

#[test]
fn apply() {
    insta::assert_snapshot!(run(&root(), &["apply", "--help"]), @"
    exit: 0
    ----- stdout -----
    Make the API calls of the plan, wait for vetting, and prove the account matches

    Usage: telrep apply [OPTIONS] [PATH]...

    Arguments:
      [PATH]...
              Manifest files, or directories searched recursively for manifests (`*.yaml` and `*.yml`
              files with `enterprise` or `reputation` at the top)

    Options:
          --color <COLOR>
              When to use colour: `auto` colours a terminal unless NO_COLOR is set

              Possible values:
              - auto:   Colour on a terminal when NO_COLOR is unset
              - always: Always colour
              - never:  Never colour
              
              [default: auto]

          --plan <FILE>
              Execute this saved plan (`plan --out`), refusing it if the manifest or the account changed
              since

          --auto-approve
              Apply without asking (required when not on a terminal)

      -v, --verbose
              Log every API call (method, path, status, attempt, latency) to stderr

          --format <FORMAT>
              `text`: progress on stderr; `json`: one JSON event per line on stdout

              Possible values:
              - text: For people
              - json: For programs
              
              [default: text]

          --prices <FILE>
              Prices to estimate with (JSON or YAML: `monitoring_per_month`, `per_check`, in USD)

          --keep-going
              After a refused batch, run the later steps anyway

          --no-wait
              Stop before the steps that need vetting or the ownership proof's approval (exit 3)

          --approval-timeout <DURATION>
              The longest wait for vetting or the ownership proof (`30m`, `1h`, `90s`); then exit 3
              
              [default: 30m]

          --allow-disable
              Accept plans that disable reputation (alone, or to replace an approved LOA)

          --allow-mass-removal
              Accept plans that remove more than max(10, 25 %) of the monitored numbers, or all

          --replace-loa
              Upload and link `loa.file` even when the live LOA cannot be compared with it (its document
              has no sha256, size or name, or cannot be read)

          --sandbox
              Use a local sandbox (state in `.telrep/sandbox.json` beside the manifest) instead of
              Telnyx: no account, no cost

          --api-url <URL>
              API base URL [default: TELNYX_BASE_URL, else https://api.telnyx.com/v2]

          --api-key-file <FILE>
              Read the API key from this file instead of TELNYX_API_KEY: a regular file of at most 4 KiB
              holding the key on one line

          --concurrency <N>
              Requests in flight at once: pages of a listing, and apply's number batches and removals
              
              [default: 8]

          --max-retries <N>
              Retries of a failed call [default: 5 for apply, refresh and remediate, within a minute of
              waiting in all; 2 for the other commands, as the official client]

          --allow-outside-paths
              Let `file:` entries and `loa.file` point outside the manifest's directory

          --exclude <GLOB>
              Skip what matches this glob below a directory argument, matched against the path relative
              to it (`**` crosses directories; repeatable; never applies to a file named explicitly)

      -h, --help
              Print help (see a summary with '-h')

    Examples:
      telrep apply acme.yaml
      telrep apply --auto-approve manifests/
      telrep apply --plan plan.json

    Exit codes: 0 converged; 1 error, refusal or not converged; 3 vetting or ownership proof pending:
    run again later; 130/143 interrupted
    ----- stderr -----
    ");
}

#[test]
fn schema() {
    insta::assert_snapshot!(run(&root(), &["schema", "--help"]), @"
    exit: 0
    ----- stdout -----
    Print the manifest's JSON Schema (for editors and other tools)

    Usage: telrep schema [OPTIONS]

    Options:
          --color <COLOR>
              When to use colour: `auto` colours a terminal unless NO_COLOR is set

              Possible values:
              - auto:   Colour on a terminal when NO_COLOR is unset
              - always: Always colour
              - never:  Never colour
              
              [default: auto]

          --plan
              Print the schema of `plan --format json` instead

          --events
              Print the schema of one `apply --format json` event line instead

      -v, --verbose
              Log every API call (method, path, status, attempt, latency) to stderr

          --report
              Print the schema of `report --format json` instead

      -h, --help
              Print help (see a summary with '-h')

    Examples:
      telrep schema
      telrep schema --report

    Exit codes: 0
    ----- stderr -----
    ");
}

#[test]
fn sandbox() {
    insta::assert_snapshot!(run(&root(), &["sandbox", "--help"]), @"
    exit: 0
    ----- stdout -----
    Run a local simulator of the Telnyx API (no account, no cost)

    Usage: telrep sandbox [OPTIONS] <COMMAND>

    Commands:
      serve  Serve the simulated API on a loopback address until interrupted
      help   Print this message or the help of the given subcommand(s)

    Options:
          --color <COLOR>
              When to use colour: `auto` colours a terminal unless NO_COLOR is set

              Possible values:
              - auto:   Colour on a terminal when NO_COLOR is unset
              - always: Always colour
              - never:  Never colour
              
              [default: auto]

      -v, --verbose
              Log every API call (method, path, status, attempt, latency) to stderr

      -h, --help
              Print help (see a summary with '-h')
    ----- stderr -----
    ");
}

#[test]
fn sandbox_serve() {
    insta::assert_snapshot!(run(&root(), &["sandbox", "serve", "--help"]), @r#"
    exit: 0
    ----- stdout -----
    Serve the simulated API on a loopback address until interrupted

    Usage: telrep sandbox serve [OPTIONS]

    Options:
          --color <COLOR>
              When to use colour: `auto` colours a terminal unless NO_COLOR is set

              Possible values:
              - auto:   Colour on a terminal when NO_COLOR is unset
              - always: Always colour
              - never:  Never colour
              
              [default: auto]

          --listen <ADDRESS>
              Loopback address to listen on; port 0 picks a free one (printed on stdout)
              
              [default: 127.0.0.1:0]

          --approve-after <DURATION>
              How long vetting, each LOA review and each review of an ownership proof take: `0`, or a
              whole number with `ms`, `s`, `m` or `h`
              
              [default: 1s]

      -v, --verbose
              Log every API call (method, path, status, attempt, latency) to stderr

          --reject <LEGAL_NAME>
              Reject the vetting of the enterprise with this legal name (repeatable)

          --reject-external <LEGAL_NAME>
              Reject the ownership proof (numbers hosted elsewhere) of the enterprise with this legal
              name, with a `rejection_reason` (repeatable)

          --inventory <FILE>
              The account's phone numbers: one E.164 number a line, optionally followed by a type such
              as `toll_free` (default `local`); `#` comments

          --state <FILE>
              Keep the state in this file across restarts (written atomically)

          --latency <DURATION>
              Latency added to every API request: `25ms`, or a range `10ms..50ms`

          --error-rate <RATE>
              Share of API requests answered with a 500 (`0.1` or `10%`)
              
              [default: 0]

          --rate-limit <N/s>
              Requests a second before 429 with Retry-After (`20/s`)

          --reset-rate <RATE>
              Share of API requests whose connection is closed mid-response
              
              [default: 0]

          --seed <SEED>
              Seed of ids, reputation data and faults
              
              [default: 0]

          --refuse <NUMBER>
              Adding this number fails its batch with a 400 although it is in the inventory (repeatable)

          --fail-route <METHOD /PATH>
              Answer every request to this route with a 500, before acting: `"POST
              /enterprises/*/reputation/numbers"` (`*` is any one segment; repeatable)

      -h, --help
              Print help (see a summary with '-h')

    Examples:
      telrep sandbox serve --listen 127.0.0.1:8080 --state sandbox.json
      telrep sandbox serve --latency 25ms --error-rate 10%

    Exit codes: 130 / 143 stopped by SIGINT / SIGTERM; 1 cannot start
    ----- stderr -----
    "#);
}

/// `telrep help` prints the top-level help, and `telrep help NAME` each subcommand's.
#[test]
fn ownership() {
    insta::assert_snapshot!(run(&root(), &["ownership", "--help"]), @"
    exit: 0
    ----- stdout -----
    Answer Telnyx's ownership checks of numbers hosted with another carrier (free)

    Usage: telrep ownership [OPTIONS] <COMMAND>

    Commands:
      confirm  Confirm the enterprise still owns numbers whose ownership Telnyx asks about (`still_own:
               true`; telrep never gives a number up: remove it from the manifest)
      webhook  Set or clear the URL Telnyx sends ownership events to (it cannot be read back, so it is
               not a manifest field)
      help     Print this message or the help of the given subcommand(s)

    Options:
          --color <COLOR>
              When to use colour: `auto` colours a terminal unless NO_COLOR is set

              Possible values:
              - auto:   Colour on a terminal when NO_COLOR is unset
              - always: Always colour
              - never:  Never colour
              
              [default: auto]

      -v, --verbose
              Log every API call (method, path, status, attempt, latency) to stderr

      -h, --help
              Print help (see a summary with '-h')
    ----- stderr -----
    ");
}

#[test]
fn ownership_confirm() {
    insta::assert_snapshot!(run(&root(), &["ownership", "confirm", "--help"]), @"
    exit: 0
    ----- stdout -----
    Confirm the enterprise still owns numbers whose ownership Telnyx asks about (`still_own: true`;
    telrep never gives a number up: remove it from the manifest)

    Usage: telrep ownership confirm [OPTIONS] --number <E164> <PATH>...

    Arguments:
      <PATH>...
              Manifests (or directories of them) whose enterprises hold the numbers

    Options:
          --color <COLOR>
              When to use colour: `auto` colours a terminal unless NO_COLOR is set

              Possible values:
              - auto:   Colour on a terminal when NO_COLOR is unset
              - always: Always colour
              - never:  Never colour
              
              [default: auto]

          --number <E164>
              A number to confirm (repeatable)

          --sandbox
              Use a local sandbox (state in `.telrep/sandbox.json` beside the manifest) instead of
              Telnyx: no account, no cost

      -v, --verbose
              Log every API call (method, path, status, attempt, latency) to stderr

          --api-url <URL>
              API base URL [default: TELNYX_BASE_URL, else https://api.telnyx.com/v2]

          --api-key-file <FILE>
              Read the API key from this file instead of TELNYX_API_KEY: a regular file of at most 4 KiB
              holding the key on one line

          --concurrency <N>
              Requests in flight at once: pages of a listing, and apply's number batches and removals
              
              [default: 8]

          --max-retries <N>
              Retries of a failed call [default: 5 for apply, refresh and remediate, within a minute of
              waiting in all; 2 for the other commands, as the official client]

          --allow-outside-paths
              Let `file:` entries and `loa.file` point outside the manifest's directory

      -h, --help
              Print help (see a summary with '-h')

    Examples:
      telrep ownership confirm acme.yaml --number +12025550100

    Exit codes: 0 done; 1 error, a number in none of the enterprises, a refused confirmation
    ----- stderr -----
    ");
}

#[test]
fn ownership_webhook() {
    insta::assert_snapshot!(run(&root(), &["ownership", "webhook", "--help"]), @"
    exit: 0
    ----- stdout -----
    Set or clear the URL Telnyx sends ownership events to (it cannot be read back, so it is not a
    manifest field)

    Usage: telrep ownership webhook [OPTIONS] <--url <URL>|--clear> <PATH>...

    Arguments:
      <PATH>...
              Manifests (or directories of them) whose enterprises it is for

    Options:
          --color <COLOR>
              When to use colour: `auto` colours a terminal unless NO_COLOR is set

              Possible values:
              - auto:   Colour on a terminal when NO_COLOR is unset
              - always: Always colour
              - never:  Never colour
              
              [default: auto]

          --url <URL>
              The https URL to send ownership events to

          --clear
              Stop sending ownership events

      -v, --verbose
              Log every API call (method, path, status, attempt, latency) to stderr

          --sandbox
              Use a local sandbox (state in `.telrep/sandbox.json` beside the manifest) instead of
              Telnyx: no account, no cost

          --api-url <URL>
              API base URL [default: TELNYX_BASE_URL, else https://api.telnyx.com/v2]

          --api-key-file <FILE>
              Read the API key from this file instead of TELNYX_API_KEY: a regular file of at most 4 KiB
              holding the key on one line

          --concurrency <N>
              Requests in flight at once: pages of a listing, and apply's number batches and removals
              
              [default: 8]

          --max-retries <N>
              Retries of a failed call [default: 5 for apply, refresh and remediate, within a minute of
              waiting in all; 2 for the other commands, as the official client]

          --allow-outside-paths
              Let `file:` entries and `loa.file` point outside the manifest's directory

      -h, --help
              Print help (see a summary with '-h')

    Examples:
      telrep ownership webhook acme.yaml --url https://hooks.example.com/telnyx
      telrep ownership webhook acme.yaml --clear

    Exit codes: 0 done; 1 error
    ----- stderr -----
    ");
}

#[test]
fn help() {
    insta::assert_snapshot!(run(&root(), &["help"]), @"
    exit: 0
    ----- stdout -----
    Keep a Telnyx Number Reputation setup in version control.

    A YAML manifest declares an enterprise, its Letter of Authorization, its refresh frequency and its
    monitored numbers; telrep checks it, plans the API calls that would make the account match, and
    applies them.

    Usage: telrep [OPTIONS] <COMMAND>

    Commands:
      validate     Check manifests and their numbers files offline (no API key, no network)
      plan         Show the API calls that would make the account match the manifests (free calls only)
      apply        Make the API calls of the plan, wait for vetting, and prove the account matches
      schema       Print the manifest's JSON Schema (for editors and other tools)
      sandbox      Run a local simulator of the Telnyx API (no account, no cost)
      report       Show every monitored number's reputation, worst first, with the policy applied (free)
      check        Fail (exit 2) when a managed number breaks the manifest's policy (free; for CI)
      refresh      Refresh managed numbers' reputation now (billed: shows the bill and asks first)
      remediate    Submit flagged managed numbers for re-evaluation (billed: shows the bill and asks
                   first)
      import       Write a manifest from the live account, for a setup made by hand (free)
      loa          The Letter of Authorization Telnyx renders for the enterprise, to sign (free)
      ownership    Answer Telnyx's ownership checks of numbers hosted with another carrier (free)
      completions  Print a shell completion script
      man          Print telrep's manual page (roff, for `man -l -`)
      help         Print this message or the help of the given subcommand(s)

    Options:
          --color <COLOR>
              When to use colour: `auto` colours a terminal unless NO_COLOR is set

              Possible values:
              - auto:   Colour on a terminal when NO_COLOR is unset
              - always: Always colour
              - never:  Never colour
              
              [default: auto]

      -v, --verbose
              Log every API call (method, path, status, attempt, latency) to stderr

      -h, --help
              Print help (see a summary with '-h')

      -V, --version
              Print version
    ----- stderr -----
    ");
    for name in [
        "validate",
        "plan",
        "apply",
        "schema",
        "sandbox",
        "ownership",
    ] {
        assert_eq!(
            run(&root(), &["help", name]),
            run(&root(), &[name, "--help"]),
            "telrep help {name}"
        );
    }
    assert_eq!(
        run(&root(), &["sandbox", "help", "serve"]),
        run(&root(), &["sandbox", "serve", "--help"])
    );
}

#[test]
fn report() {
    insta::assert_snapshot!(run(&root(), &["report", "--help"]), @"
    exit: 0
    ----- stdout -----
    Show every monitored number's reputation, worst first, with the policy applied (free)

    Usage: telrep report [OPTIONS] <PATH>...

    Arguments:
      <PATH>...
              Manifest files, or directories searched recursively for manifests

    Options:
          --color <COLOR>
              When to use colour: `auto` colours a terminal unless NO_COLOR is set

              Possible values:
              - auto:   Colour on a terminal when NO_COLOR is unset
              - always: Always colour
              - never:  Never colour
              
              [default: auto]

          --format <FORMAT>
              `text` for people, `json` for programs, `csv` for spreadsheets, `markdown` for a
              pull-request comment or a job summary

              Possible values:
              - text:     For people
              - json:     For programs
              - csv:      RFC 4180, one row per number
              - markdown: For a pull-request comment or a job summary
              
              [default: text]

          --sandbox
              Use a local sandbox (state in `.telrep/sandbox.json` beside the manifest) instead of
              Telnyx: no account, no cost

      -v, --verbose
              Log every API call (method, path, status, attempt, latency) to stderr

          --api-url <URL>
              API base URL [default: TELNYX_BASE_URL, else https://api.telnyx.com/v2]

          --api-key-file <FILE>
              Read the API key from this file instead of TELNYX_API_KEY: a regular file of at most 4 KiB
              holding the key on one line

          --concurrency <N>
              Requests in flight at once: pages of a listing, and apply's number batches and removals
              
              [default: 8]

          --max-retries <N>
              Retries of a failed call [default: 5 for apply, refresh and remediate, within a minute of
              waiting in all; 2 for the other commands, as the official client]

          --allow-outside-paths
              Let `file:` entries and `loa.file` point outside the manifest's directory

          --exclude <GLOB>
              Skip what matches this glob below a directory argument (repeatable)

      -h, --help
              Print help (see a summary with '-h')

    Examples:
      telrep report acme.yaml
      telrep report --format csv manifests/

    Exit codes: 0 shown; 1 error
    ----- stderr -----
    ");
}

#[test]
fn check() {
    insta::assert_snapshot!(run(&root(), &["check", "--help"]), @"
    exit: 0
    ----- stdout -----
    Fail (exit 2) when a managed number breaks the manifest's policy (free; for CI)

    Usage: telrep check [OPTIONS] <PATH>...

    Arguments:
      <PATH>...
              Manifest files, or directories searched recursively for manifests

    Options:
          --color <COLOR>
              When to use colour: `auto` colours a terminal unless NO_COLOR is set

              Possible values:
              - auto:   Colour on a terminal when NO_COLOR is unset
              - always: Always colour
              - never:  Never colour
              
              [default: auto]

          --format <FORMAT>
              `text` for people, `json` for programs, `markdown` for a pull-request comment

              Possible values:
              - text:     For people
              - json:     For programs
              - markdown: For a pull-request comment
              - github:   GitHub Actions workflow commands: each violation an annotation on its number's
                line
              - gitlab:   A GitLab Code Quality report (JSON) of the violations
              - sarif:    A SARIF 2.1.0 log of the violations, for code scanning
              
              [default: text]

          --sandbox
              Use a local sandbox (state in `.telrep/sandbox.json` beside the manifest) instead of
              Telnyx: no account, no cost

      -v, --verbose
              Log every API call (method, path, status, attempt, latency) to stderr

          --api-url <URL>
              API base URL [default: TELNYX_BASE_URL, else https://api.telnyx.com/v2]

          --api-key-file <FILE>
              Read the API key from this file instead of TELNYX_API_KEY: a regular file of at most 4 KiB
              holding the key on one line

          --concurrency <N>
              Requests in flight at once: pages of a listing, and apply's number batches and removals
              
              [default: 8]

          --max-retries <N>
              Retries of a failed call [default: 5 for apply, refresh and remediate, within a minute of
              waiting in all; 2 for the other commands, as the official client]

          --allow-outside-paths
              Let `file:` entries and `loa.file` point outside the manifest's directory

          --exclude <GLOB>
              Skip what matches this glob below a directory argument (repeatable)

      -h, --help
              Print help (see a summary with '-h')

    Examples:
      telrep check manifests/
      telrep check --format markdown acme.yaml
      telrep check --format sarif manifests/

    Exit codes: 0 no violation; 2 violations; 1 error, or an enterprise that monitors nothing
    ----- stderr -----
    ");
}

#[test]
fn refresh() {
    insta::assert_snapshot!(run(&root(), &["refresh", "--help"]), @"
    exit: 0
    ----- stdout -----
    Refresh managed numbers' reputation now (billed: shows the bill and asks first)

    Usage: telrep refresh [OPTIONS] <--all|--stale-after <DURATION>|--number <E164>> <PATH>...

    Arguments:
      <PATH>...
              Manifest files, or directories searched recursively for manifests

    Options:
          --all
              Every managed number the enterprise monitors

          --color <COLOR>
              When to use colour: `auto` colours a terminal unless NO_COLOR is set

              Possible values:
              - auto:   Colour on a terminal when NO_COLOR is unset
              - always: Always colour
              - never:  Never colour
              
              [default: auto]

          --stale-after <DURATION>
              Managed numbers refreshed longer ago than this (`14d`, `12h`), or never

      -v, --verbose
              Log every API call (method, path, status, attempt, latency) to stderr

          --number <E164>
              A managed number to refresh (repeatable)

          --auto-approve
              Refresh without asking (needed when not on a terminal)

          --max-cost <USD>
              Refuse when the bill would exceed this many USD

          --prices <FILE>
              Prices to bill with (JSON or YAML: `per_check` in USD; default 0.10)

          --sandbox
              Use a local sandbox (state in `.telrep/sandbox.json` beside the manifest) instead of
              Telnyx: no account, no cost

          --api-url <URL>
              API base URL [default: TELNYX_BASE_URL, else https://api.telnyx.com/v2]

          --api-key-file <FILE>
              Read the API key from this file instead of TELNYX_API_KEY: a regular file of at most 4 KiB
              holding the key on one line

          --concurrency <N>
              Requests in flight at once: pages of a listing, and apply's number batches and removals
              
              [default: 8]

          --max-retries <N>
              Retries of a failed call [default: 5 for apply, refresh and remediate, within a minute of
              waiting in all; 2 for the other commands, as the official client]

          --allow-outside-paths
              Let `file:` entries and `loa.file` point outside the manifest's directory

          --exclude <GLOB>
              Skip what matches this glob below a directory argument (repeatable)

      -h, --help
              Print help (see a summary with '-h')

    Examples:
      telrep refresh acme.yaml --stale-after 7d --max-cost 20
      telrep refresh acme.yaml --number +12025550100 --auto-approve

    Exit codes: 0 every number refreshed; 1 error, refusal, a failed or unsure number
    ----- stderr -----
    ");
}

#[test]
fn remediate() {
    insta::assert_snapshot!(run(&root(), &["remediate", "--help"]), @"
    exit: 0
    ----- stdout -----
    Submit flagged managed numbers for re-evaluation (billed: shows the bill and asks first)

    Usage: telrep remediate [OPTIONS] --call-purpose <TEXT> <--spam-risk <RISK>|--number <E164>> <PATH>...

    Arguments:
      <PATH>...
              Manifest files, or directories searched recursively for manifests

    Options:
          --call-purpose <TEXT>
              What the numbers' calls are for (1 to 2,000 characters): what the reviewers read

          --color <COLOR>
              When to use colour: `auto` colours a terminal unless NO_COLOR is set

              Possible values:
              - auto:   Colour on a terminal when NO_COLOR is unset
              - always: Always colour
              - never:  Never colour
              
              [default: auto]

          --spam-risk <RISK>
              Managed numbers rated this risk or worse (`medium` includes `high`)

              Possible values:
              - high:   `high` only
              - medium: `medium` and `high`

      -v, --verbose
              Log every API call (method, path, status, attempt, latency) to stderr

          --number <E164>
              A managed number to submit (repeatable)

          --contact-email <EMAIL>
              Where the reviewers may write back

          --wait
              Wait until every request is completed, failed or cancelled, and print its results

          --timeout <DURATION>
              How long `--wait` waits before exiting 3 (`30m`, `2h`)
              
              [default: 30m]

          --auto-approve
              Submit without asking (needed when not on a terminal)

          --max-cost <USD>
              Refuse when the bill would exceed this many USD

          --prices <FILE>
              Prices to bill with (JSON or YAML: `per_remediation` in USD; default 1.00)

          --sandbox
              Use a local sandbox (state in `.telrep/sandbox.json` beside the manifest) instead of
              Telnyx: no account, no cost

          --api-url <URL>
              API base URL [default: TELNYX_BASE_URL, else https://api.telnyx.com/v2]

          --api-key-file <FILE>
              Read the API key from this file instead of TELNYX_API_KEY: a regular file of at most 4 KiB
              holding the key on one line

          --concurrency <N>
              Requests in flight at once: pages of a listing, and apply's number batches and removals
              
              [default: 8]

          --max-retries <N>
              Retries of a failed call [default: 5 for apply, refresh and remediate, within a minute of
              waiting in all; 2 for the other commands, as the official client]

          --allow-outside-paths
              Let `file:` entries and `loa.file` point outside the manifest's directory

          --exclude <GLOB>
              Skip what matches this glob below a directory argument (repeatable)

      -h, --help
              Print help (see a summary with '-h')

    Examples:
      telrep remediate acme.yaml --spam-risk high --call-purpose reminders --wait
      telrep remediate acme.yaml --number +12025550100 --call-purpose reminders --max-cost 5

    Exit codes: 0 accepted (no --wait) or completed; 1 error, refusal, failed, cancelled or unsure; 3
    --timeout ran out
    ----- stderr -----
    ");
}

#[test]
fn loa_render() {
    insta::assert_snapshot!(run(&root(), &["loa", "render", "--help"]), @"
    exit: 0
    ----- stdout -----
    Write the enterprise's LOA as Telnyx renders it, ready for signature (free; the enterprise must
    exist: apply with `reputation: {enabled: false}` first)

    Usage: telrep loa render [OPTIONS] --out <FILE.pdf> <PATH>

    Arguments:
      <PATH>
              The manifest whose enterprise the LOA is for

    Options:
          --color <COLOR>
              When to use colour: `auto` colours a terminal unless NO_COLOR is set

              Possible values:
              - auto:   Colour on a terminal when NO_COLOR is unset
              - always: Always colour
              - never:  Never colour
              
              [default: auto]

          --out <FILE.pdf>
              Where to write the PDF

          --sandbox
              Use a local sandbox (state in `.telrep/sandbox.json` beside the manifest) instead of
              Telnyx: no account, no cost

      -v, --verbose
              Log every API call (method, path, status, attempt, latency) to stderr

          --api-url <URL>
              API base URL [default: TELNYX_BASE_URL, else https://api.telnyx.com/v2]

          --api-key-file <FILE>
              Read the API key from this file instead of TELNYX_API_KEY: a regular file of at most 4 KiB
              holding the key on one line

          --concurrency <N>
              Requests in flight at once: pages of a listing, and apply's number batches and removals
              
              [default: 8]

          --max-retries <N>
              Retries of a failed call [default: 5 for apply, refresh and remediate, within a minute of
              waiting in all; 2 for the other commands, as the official client]

          --allow-outside-paths
              Let `file:` entries and `loa.file` point outside the manifest's directory

      -h, --help
              Print help (see a summary with '-h')

    Examples:
      telrep loa render acme.yaml --out loa.pdf
      telrep loa render --sandbox acme.yaml --out loa.pdf

    Exit codes: 0 written; 1 error, no enterprise yet, refused render
    ----- stderr -----
    ");
}

#[test]
fn import() {
    insta::assert_snapshot!(run(&root(), &["import", "--help"]), @"
    exit: 0
    ----- stdout -----
    Write a manifest from the live account, for a setup made by hand (free)

    Usage: telrep import [OPTIONS] --out <DIR>

    Options:
          --color <COLOR>
              When to use colour: `auto` colours a terminal unless NO_COLOR is set

              Possible values:
              - auto:   Colour on a terminal when NO_COLOR is unset
              - always: Always colour
              - never:  Never colour
              
              [default: auto]

          --out <DIR>
              The directory to write `<legal-name>.yaml` (and `numbers/<legal-name>.txt` beyond 50
              numbers) into; created when missing. `--sandbox` keeps its state in `DIR/.telrep/`, where
              the manifest's later commands find it

          --enterprise <ID|LEGAL_NAME>
              The enterprise to import, by id or exact legal name (needed when the account has several)

      -v, --verbose
              Log every API call (method, path, status, attempt, latency) to stderr

          --force
              Overwrite files that exist

          --schema <PATH>
              Start the manifest with `# yaml-language-server: $schema=PATH`, for editors

          --sandbox
              Use a local sandbox (state in `.telrep/sandbox.json` beside the manifest) instead of
              Telnyx: no account, no cost

          --api-url <URL>
              API base URL [default: TELNYX_BASE_URL, else https://api.telnyx.com/v2]

          --api-key-file <FILE>
              Read the API key from this file instead of TELNYX_API_KEY: a regular file of at most 4 KiB
              holding the key on one line

          --concurrency <N>
              Requests in flight at once: pages of a listing, and apply's number batches and removals
              
              [default: 8]

          --max-retries <N>
              Retries of a failed call [default: 5 for apply, refresh and remediate, within a minute of
              waiting in all; 2 for the other commands, as the official client]

      -h, --help
              Print help (see a summary with '-h')

    Examples:
      telrep import --out manifests/
      telrep import --out . --enterprise 4a6192a4-0c3b-4d1e-9f2a-8b7c6d5e4f30
      telrep import --out manifests/ --schema ../schema/telrep.schema.json

    Exit codes: 0 written; 1 error, no or several enterprises, a file exists, the written manifest does
    not validate
    ----- stderr -----
    ");
}

/// Every example at the end of a `--help` parses with the real argument parser.
#[test]
fn every_example_parses() {
    let commands: &[&[&str]] = &[
        &["validate"],
        &["plan"],
        &["apply"],
        &["schema"],
        &["report"],
        &["check"],
        &["refresh"],
        &["remediate"],
        &["import"],
        &["loa", "render"],
        &["ownership", "confirm"],
        &["ownership", "webhook"],
        &["sandbox", "serve"],
        &["completions"],
        &["man"],
    ];
    let mut examples = 0;
    for command in commands {
        let mut args = command.to_vec();
        args.push("--help");
        let help = run(&root(), &args);
        let (_, tail) = help
            .split_once("\nExamples:\n")
            .unwrap_or_else(|| panic!("{command:?} has no examples:\n{help}"));
        let (listed, codes) = tail.split_once("\n\n").unwrap();
        assert!(
            codes.trim_start().starts_with("Exit codes: "),
            "{command:?}: {codes}"
        );
        for line in listed.lines() {
            let words: Vec<&str> = line.split_whitespace().collect();
            assert_eq!(words.first(), Some(&"telrep"), "{line}");
            assert_eq!(&words[1..=command.len()], *command, "{line}");
            if let Err(error) = telrep::cli::check_arguments(&words) {
                panic!("`{line}` does not parse: {error}");
            }
            examples += 1;
        }
    }
    assert_eq!(examples, 32);
}

#[test]
fn completions_for_every_shell_name_every_command() {
    for (shell, marker) in [
        ("bash", "_telrep()"),
        ("zsh", "#compdef telrep"),
        ("fish", "complete -c telrep"),
        ("elvish", "edit:completion:arg-completer[telrep]"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let output = crate::support::telrep(&root(), &["completions", shell]);
        assert_eq!(output.status.code(), Some(0), "{shell}");
        let script = String::from_utf8(output.stdout).unwrap();
        assert!(script.contains(marker), "{shell}: {marker}");
        for command in [
            "validate",
            "plan",
            "apply",
            "report",
            "check",
            "import",
            "remediate",
        ] {
            assert!(script.contains(command), "{shell} completes no `{command}`");
        }
    }
    let output = crate::support::telrep(&root(), &["completions", "tcsh"]);
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn the_manual_page_is_roff_with_every_command() {
    let output = crate::support::telrep(&root(), &["man"]);
    assert_eq!(output.status.code(), Some(0));
    let page = String::from_utf8(output.stdout).unwrap();
    assert!(page.starts_with(".ie \\n(.g .ds Aq \\(aq\n"), "{page}");
    let title = page.lines().find(|line| line.starts_with(".TH ")).unwrap();
    assert_eq!(
        title,
        format!(".TH telrep 1  \"telrep {}\" ", version_line())
    );
    // Each subcommand is listed by its own page's name.
    for command in [
        "validate",
        "plan",
        "apply",
        "report",
        "import",
        "completions",
        "man",
    ] {
        let listed = format!("telrep\\-{command}(1)");
        assert!(page.lines().any(|line| line == listed), "{listed}");
    }
}

/// What `telrep --version` says after `telrep `: the version, and the commit when the build
/// knew it.
fn version_line() -> String {
    let output = crate::support::telrep(&root(), &["--version"]);
    let line = String::from_utf8(output.stdout).unwrap();
    line.trim_end().strip_prefix("telrep ").unwrap().to_owned()
}

#[test]
fn the_version_names_the_commit_it_was_built_from() {
    let version = version_line();
    let commit = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(root())
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| String::from_utf8(output.stdout).unwrap().trim().to_owned());
    match (std::env::var("TELREP_COMMIT"), commit) {
        (Ok(set), _) if !set.trim().is_empty() => {
            assert_eq!(
                version,
                format!("{} (commit {})", env!("CARGO_PKG_VERSION"), set.trim())
            );
        }
        // Built in a checkout: the commit (the build reruns when HEAD moves).
        (_, Some(commit)) => {
            assert_eq!(
                version,
                format!("{} (commit {commit})", env!("CARGO_PKG_VERSION"))
            );
        }
        _ => assert_eq!(version, env!("CARGO_PKG_VERSION")),
    }
}
