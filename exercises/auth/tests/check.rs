//! The checks of the exercise "auth", run by `cargo xtask check auth`.

use testkit::{
    EXERCISE_PATIENCE, NatsServer, Observer, Output, ServerOptions, Step, checks, exercise_bin,
};

fn run(server: &NatsServer, env: &[(&str, &str)]) -> Output {
    let bin = exercise_bin(env!("CARGO_BIN_EXE_exercise-auth"));
    let mut command = Step::command(bin);
    command
        .env("NATS_URL", server.url())
        .envs(env.iter().copied());
    Step::run(&mut command, EXERCISE_PATIENCE).unwrap_or_else(|err| panic!("{err}"))
}

#[test]
fn it_authenticates_with_a_token_from_nats_token() {
    let token = "tok-8d1e2";
    let server = checks::start(ServerOptions::new().token(token));
    let observer = Observer::subscribe(&server, "auth.check").unwrap();
    let out = run(&server, &[("NATS_TOKEN", token)]);
    assert_eq!(
        out.code,
        Some(0),
        "hint: when NATS_TOKEN is set, connect with ConnectOptions::with_token(token)\n\n\
         output:\n{}",
        out.all
    );
    assert_eq!(observer.next(EXERCISE_PATIENCE).unwrap().payload, "I am in");
    assert!(
        !out.contains(token),
        "the token must never be printed:\n{}",
        out.all
    );
}

#[test]
fn it_authenticates_with_nats_user_and_nats_password() {
    let server = checks::start(ServerOptions::new().auth("alice", "pw-5c0f1"));
    let observer = Observer::subscribe(&server, "auth.check").unwrap();
    let out = run(
        &server,
        &[("NATS_USER", "alice"), ("NATS_PASSWORD", "pw-5c0f1")],
    );
    assert_eq!(
        out.code,
        Some(0),
        "hint: with NATS_USER and NATS_PASSWORD, use \
         ConnectOptions::with_user_and_password(user, password)\n\noutput:\n{}",
        out.all
    );
    assert_eq!(observer.next(EXERCISE_PATIENCE).unwrap().payload, "I am in");
    assert!(
        !out.contains("pw-5c0f1"),
        "the password must never be printed:\n{}",
        out.all
    );
}

#[test]
fn still_ends_wrong_credentials_in_one_error_line_without_the_secret() {
    let server = checks::start(ServerOptions::new().auth("alice", "right-7a"));
    let out = run(
        &server,
        &[("NATS_USER", "alice"), ("NATS_PASSWORD", "wrong-7b")],
    );
    assert_eq!(
        out.code,
        Some(1),
        "a refused connection must exit with code 1:\n{}",
        out.all
    );
    assert!(
        out.stderr.contains("Error: "),
        "hint: keep the error path of main:\n{}",
        out.all
    );
    assert!(
        !out.contains("wrong-7b") && !out.contains("right-7a"),
        "a password was printed:\n{}",
        out.all
    );
    assert!(
        out.contains("authorization violation"),
        "hint: this server requires credentials: read NATS_USER and NATS_PASSWORD\n\n\
         output:\n{}",
        out.all
    );
}

#[test]
fn still_connects_to_an_open_server_without_credentials() {
    let server = checks::start(ServerOptions::new());
    let out = run(&server, &[]);
    assert_eq!(
        out.code,
        Some(0),
        "hint: no variables set, no credentials:\n{}",
        out.all
    );
}
