//! Checks that every step must pass in the same way, shared by the steps' test files.
//! Each one starts what it needs, runs the step binary and panics with the output when the
//! behaviour is wrong.
//!
//! [`step_checks!`](crate::step_checks) turns the set every step shares into `#[test]`
//! functions, so that each test file holds only what is particular to its step, and no step
//! can miss one of the shared behaviours.

use std::time::Duration;

use crate::{NatsServer, Observer, Output, PATIENCE, ServerOptions, Step, free_port};

/// Words a step prints only when something worked; none may appear after a failure to
/// connect.
const SUCCESS_WORDS: &[&str] = &["Connected", "Published", "Subscribing", "Received"];

fn assert_claims_nothing(out: &Output) {
    for word in SUCCESS_WORDS {
        assert!(
            !out.contains(word),
            "claims '{word}' after failing:\n{}",
            out.all
        );
    }
}

/// Asserts a failed run: exit code 1, and stderr ends with one `Error: ` sentence (Rust's
/// prefix when `main` returns an error), optionally followed by `hint: ` lines, that contains
/// every one of `phrases`.
pub fn assert_error(out: &Output, phrases: &[&str]) {
    assert_eq!(out.code, Some(1), "expected exit code 1:\n{}", out.all);
    let lines: Vec<&str> = out.stderr.lines().collect();
    let errors: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].starts_with("Error: "))
        .collect();
    assert_eq!(
        errors.len(),
        1,
        "expected one error line on stderr:\n{}",
        out.all
    );
    let message = &lines[errors[0]..];
    assert!(
        message[1..].iter().all(|line| line.starts_with("hint: ")),
        "the error is not the end of the output, or is more than a sentence and a hint:\n{}",
        out.all
    );
    let message = message.join("\n");
    for phrase in phrases {
        assert!(
            message.contains(phrase),
            "the error lacks {phrase:?}:\n{}",
            out.all
        );
    }
}

/// Runs the step with `NATS_URL` set (plus `env`) and `args`, to its end. Whatever the case,
/// a `NATS_PASSWORD` given in `env` must not appear in the output.
pub fn run(bin: &str, url: &str, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut command = Step::command(bin);
    command
        .env("NATS_URL", url)
        .envs(env.iter().copied())
        .args(args);
    let out = Step::run(&mut command, PATIENCE).unwrap_or_else(|err| panic!("{bin}: {err}"));
    assert_secrets_kept(&out, url, env);
    out
}

/// Fails when a secret the step was given appears in its output: the `NATS_PASSWORD` or
/// `NATS_TOKEN` of `env`; each line of the files that `NATS_KEY` (a private key), `NATS_NKEY`
/// (a seed) and `NATS_CREDS` (a JWT and a seed) name; and what `url` holds before its `@`
/// (the password of `user:password`, or a token written alone). Every run through [`run`] is
/// checked, so no test has to remember it.
pub fn assert_secrets_kept(out: &Output, url: &str, env: &[(&str, &str)]) {
    let mut secrets: Vec<String> = env
        .iter()
        .filter(|(name, _)| matches!(*name, "NATS_PASSWORD" | "NATS_TOKEN"))
        .map(|(_, value)| value.to_string())
        .collect();
    for (_, path) in env
        .iter()
        .filter(|(name, _)| matches!(*name, "NATS_KEY" | "NATS_NKEY" | "NATS_CREDS"))
    {
        // The lines that carry key material: not the PEM/creds frame lines or blank ones.
        let text = std::fs::read_to_string(path).unwrap_or_default();
        secrets.extend(
            text.lines()
                .map(str::trim)
                .filter(|line| line.len() >= 16 && !line.starts_with("-----"))
                .filter(|line| !line.starts_with("***") && !line.starts_with("NATS"))
                .map(str::to_string),
        );
    }
    let userinfo = url
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('@'))
        .map(|(userinfo, _)| userinfo);
    if let Some(userinfo) = userinfo {
        secrets.push(
            userinfo
                .split_once(':')
                .map_or(userinfo, |(_, password)| password)
                .to_string(),
        );
    }
    for secret in secrets.into_iter().filter(|secret| !secret.is_empty()) {
        assert!(!out.contains(&secret), "a secret leaked:\n{}", out.all);
    }
}

/// No server at `NATS_URL`: exit 1 within 5 seconds, one sentence naming the URL and how to
/// start a server, and no line that claims a connection or a message.
pub fn fails_clearly_without_server(bin: &str, env: &[(&str, &str)]) {
    let port = free_port().unwrap_or_else(|err| panic!("{err}"));
    let url = format!("nats://127.0.0.1:{port}");
    let out = run(bin, &url, env, &[]);
    assert_error(
        &out,
        &[
            "cannot connect to a NATS server at",
            &url,
            "cargo xtask server",
        ],
    );
    assert!(
        out.elapsed < Duration::from_secs(5),
        "took {:?}",
        out.elapsed
    );
    assert_claims_nothing(&out);
}

/// With no server running, the hint names the very command that starts the server it needs.
pub fn no_server_hint_names(bin: &str, command: &str) {
    let port = free_port().unwrap_or_else(|err| panic!("{err}"));
    let out = run(bin, &format!("nats://127.0.0.1:{port}"), &[], &[]);
    assert_error(&out, &["cannot connect to a NATS server at", command]);
}

/// `NATS_URL` that is not a NATS address gets a sentence with the expected form.
pub fn explains_invalid_url(bin: &str) {
    let out = run(bin, "http://localhost:4222", &[], &[]);
    assert_error(&out, &["NATS_URL is not a NATS server address", "nats://"]);
}

/// A step without credentials, against a server that requires them: the server's refusal
/// is reported with a hint pointing at `instead` (the authenticating step).
pub fn refused_by_auth_server(bin: &str, instead: &str) {
    let password = "refused-8c1d";
    let server = start(ServerOptions::new().auth("foo", password));
    let out = run(bin, &server.url(), &[], &[]);
    assert_error(&out, &["authorization violation", instead]);
    // (The password only the server has cannot show in the step's output: no check for it.)
    assert_claims_nothing(&out);
}

/// The Go habit `nats://user:pass@host` in a step that sends no credentials: refused with a
/// sentence that says where credentials go, and the password appears nowhere.
pub fn refuses_credentials_in_url(bin: &str) {
    let password = "in-url-5e0b9";
    let server = start(ServerOptions::new().auth("foo", password));
    let url = format!("nats://foo:{password}@127.0.0.1:{}", server.port());
    let out = run(bin, &url, &[], &[]);
    assert_error(
        &out,
        &[
            "NATS_URL contains credentials",
            "NATS_USER and NATS_PASSWORD",
        ],
    );
    assert_claims_nothing(&out);
}

/// Empty subjects and subjects with white space are refused with a sentence naming the subject.
/// `args` builds the step's arguments for a subject; `env` is added to the environment.
pub fn explains_invalid_subjects(
    bin: &str,
    options: ServerOptions,
    env: &[(&str, &str)],
    args: impl Fn(&str) -> Vec<String>,
) {
    let server = start(options);
    let observer = Observer::subscribe(&server, ">").unwrap_or_else(|err| panic!("{err}"));
    for subject in ["", "foo bar", "foo\tbar"] {
        let args = args(subject);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = run(bin, &server.url(), env, &args);
        assert_error(&out, &[&format!("'{subject}'"), "not a valid subject"]);
    }
    assert_eq!(observer.drain(), vec![], "something was published");
}

/// A payload above the server's `max_payload` is refused before sending, with a sentence
/// giving both sizes.
pub fn explains_oversized_payload(
    bin: &str,
    env: &[(&str, &str)],
    args: impl Fn(&str) -> Vec<String>,
) {
    let server = start(ServerOptions::new().config("max_payload: 64\n"));
    let payload = "x".repeat(100);
    let args = args(&payload);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let observer = Observer::subscribe(&server, ">").unwrap_or_else(|err| panic!("{err}"));
    let out = run(bin, &server.url(), env, &args);
    assert_error(&out, &["100 bytes", "64 bytes", "max_payload"]);
    // Nothing reached the server: the first message a subscriber sees is the test's own, sent
    // after the step had exited.
    crate::publish(&server, "end", "").unwrap_or_else(|err| panic!("{err}"));
    let first = observer
        .next(PATIENCE)
        .unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(first.subject, "end", "the step published: {first:?}");
}

/// Runs a publisher `runs` times in a row; a subscriber must receive every message, each with
/// `payload` on `subject` (and `reply` when given).
pub fn publishes_every_time(
    bin: &str,
    server: &NatsServer,
    env: &[(&str, &str)],
    runs: usize,
    subject: &str,
    payload: &str,
    reply: Option<&str>,
) {
    let observer = Observer::subscribe(server, ">").unwrap_or_else(|err| panic!("{err}"));
    for run_number in 1..=runs {
        let out = run(bin, &server.url(), env, &[]);
        assert_eq!(out.code, Some(0), "run {run_number}:\n{}", out.all);
    }
    let received = observer
        .take(runs, PATIENCE)
        .unwrap_or_else(|err| panic!("{err}"));
    for message in &received {
        assert_eq!(message.subject, subject);
        assert_eq!(message.payload, payload);
        assert_eq!(message.reply.as_deref(), reply);
    }
    assert_eq!(observer.drain(), vec![], "more messages than runs");
}

/// Starts a server or panics with the reason (including how to install one).
pub fn start(options: ServerOptions) -> NatsServer {
    NatsServer::start(options).unwrap_or_else(|err| panic!("{err}"))
}

/// An authenticating step with a wrong password (from `NATS_PASSWORD`): the refusal names
/// the user and says which server flags and variables the step expects; neither the wrong
/// password nor the right one appears in any output.
pub fn wrong_password_is_refused(bin: &str) {
    let right = "right-pass-41d7";
    let wrong = "wrong-pass-93ab";
    let server = start(ServerOptions::new().auth("foo", right));
    let out = run(bin, &server.url(), &[("NATS_PASSWORD", wrong)], &[]);
    assert_error(
        &out,
        &[
            "authorization violation",
            "user 'foo'",
            "--user foo --pass bar",
            "NATS_PASSWORD",
        ],
    );
    // The wrong one was given to the step: `run` checks it stayed hidden. (The right one only
    // the server ever had: no check of the step's output could catch it.)
    assert_claims_nothing(&out);

    // Without NATS_USER / NATS_PASSWORD the step uses the tutorial's foo / bar, which this
    // server does not accept either.
    let out = run(bin, &server.url(), &[], &[]);
    assert_error(&out, &["authorization violation", "user 'foo'"]);
}

/// An authenticating step given URL credentials it cannot use as they are (a user without a
/// password, which Go reads as a token; %-escapes, which the URL keeps): refused with a
/// sentence, never sent as they are, and no secret printed.
pub fn refuses_unusable_credentials_in_url(bin: &str) {
    let server = start(ServerOptions::new().auth("foo", "p@ss"));
    let port = server.port();
    let token = format!("nats://tok-3f9a@127.0.0.1:{port}");
    let out = run(bin, &token, &[], &[]);
    assert_error(
        &out,
        &["NATS_URL holds a user but no password", "NATS_PASSWORD"],
    );
    assert_claims_nothing(&out);

    let escaped = format!("nats://foo:p%40ss@127.0.0.1:{port}");
    let out = run(bin, &escaped, &[], &[]);
    assert_error(&out, &["%-escapes", "NATS_USER and NATS_PASSWORD"]);
    // `run` checked the password as written; nor may it show decoded.
    assert!(!out.contains("p@ss"), "the password leaked:\n{}", out.all);
    assert_claims_nothing(&out);
}

/// A long-running subscriber whose server is stopped and started again on the same port: it
/// subscribes again on the new server, receives a message published after the restart, counts
/// one reconnect and still exits 0 on Ctrl-C (the words it logs meanwhile are the guide's
/// restart block's, checked there). `env` is added to its environment (credentials).
pub fn survives_a_server_restart(bin: &str, options: ServerOptions, env: &[(&str, &str)]) {
    let fail = |err: crate::Failure| -> ! { panic!("{err}") };
    let mut server = start(options);
    let mut command = Step::command(bin);
    command
        .env("NATS_URL", server.url())
        .envs(env.iter().copied());
    let mut sub = Step::start(&mut command).unwrap_or_else(|err| fail(err));
    server
        .wait_for_subscription("foo", PATIENCE)
        .unwrap_or_else(|err| fail(err));

    server.restart().unwrap_or_else(|err| fail(err));
    // async-nats subscribes again on the new server by itself.
    server
        .wait_for_subscription("foo", PATIENCE)
        .unwrap_or_else(|err| fail(err));
    crate::publish(&server, "foo", "after the restart").unwrap_or_else(|err| fail(err));
    sub.wait_for_line("'after the restart'", PATIENCE)
        .unwrap_or_else(|err| fail(err));

    sub.interrupt().unwrap_or_else(|err| fail(err));
    let out = sub
        .wait_exit(Duration::from_secs(2))
        .unwrap_or_else(|err| fail(err));
    assert_eq!(out.code, Some(0), "{}", out.all);
    // The client counted its reconnect, and says so on the way out.
    assert!(out.contains("reconnected 1 time(s)"), "{}", out.all);
    assert_secrets_kept(&out, &server.url(), env);
}

/// The step names its connection after itself and the user running it, and the server shows
/// that name in its monitoring (`/connz`): started as user `alice`, `async-sub` connects as
/// `async-sub (alice)`. `options` is the server the step can connect to.
pub fn names_its_connection(bin: &str, options: ServerOptions) {
    names_its_connection_with(bin, options, &[]);
}

/// [`names_its_connection`] with `env` added (a token, say).
pub fn names_its_connection_with(bin: &str, options: ServerOptions, env: &[(&str, &str)]) {
    let server = start(options);
    let step = std::path::Path::new(bin)
        .file_stem()
        .map(|stem| stem.to_string_lossy().to_string())
        .unwrap_or_default();
    let expected = format!("{step} (alice)");
    let mut command = Step::command(bin);
    command
        .env("NATS_URL", server.url())
        .env("USER", "alice")
        .env("USERNAME", "alice")
        .envs(env.iter().copied());
    let running = Step::start(&mut command).unwrap_or_else(|err| panic!("{err}"));
    let mut seen = Vec::new();
    let found = crate::wait_until(PATIENCE, || {
        seen = server.connection_names().unwrap_or_default();
        seen.contains(&expected).then_some(())
    });
    assert!(
        found.is_some(),
        "no connection named {expected:?} in /connz, only {seen:?}:\n{}",
        running.output_so_far()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn output(all: &str) -> Output {
        Output {
            code: Some(0),
            stdout: all.to_string(),
            stderr: String::new(),
            all: all.to_string(),
            elapsed: Duration::ZERO,
        }
    }

    #[test]
    fn a_user_name_may_show_but_no_password_or_token() {
        let url = "nats://alice:s3cret@127.0.0.1:4222";
        assert_secrets_kept(&output("Connected as alice"), url, &[]);
        let leaks = [
            (url, vec![]),
            ("nats://s3cret@127.0.0.1:4222", vec![]),
            ("nats://127.0.0.1:4222", vec![("NATS_PASSWORD", "s3cret")]),
        ];
        for (url, env) in leaks {
            let caught = std::panic::catch_unwind(|| {
                assert_secrets_kept(&output("error: s3cret refused"), url, &env)
            });
            assert!(caught.is_err(), "not caught: {url} {env:?}");
        }
    }
}
