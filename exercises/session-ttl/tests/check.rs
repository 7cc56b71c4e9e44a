//! The checks of the exercise "session-ttl", run by `cargo xtask check session-ttl`.

use std::time::Duration;

use testkit::{EXERCISE_PATIENCE, NatsServer, Step, exercise_bin};

fn login(server: &NatsServer, user: &str, seconds: &str) -> String {
    let bin = exercise_bin(env!("CARGO_BIN_EXE_exercise-session-ttl"));
    let mut command = Step::command(bin);
    command.env("NATS_URL", server.url()).args([user, seconds]);
    let out =
        Step::run(&mut command, Duration::from_secs(10)).unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(out.code, Some(0), "{}", out.all);
    out.all
}

/// A JetStream server new enough for message TTLs.
fn jetstream() -> NatsServer {
    testkit::jetstream_at_least(
        (2, 11),
        "messages with a TTL of their own came with nats-server 2.11",
    )
}

/// The session of `user` as SESSIONS holds it: its `Nats-TTL` header ("" without one), or
/// `None` when the stream holds no message on sessions.<user>.
fn session(server: &NatsServer, user: &str) -> Option<String> {
    testkit::with_client(server, async |client| {
        let js = async_nats::jetstream::new(client);
        let stream = js.get_stream("SESSIONS").await.ok()?;
        let last = stream
            .get_last_raw_message_by_subject(&format!("sessions.{user}"))
            .await
            .ok()?;
        let ttl = last.headers.get("Nats-TTL").map(|value| value.to_string());
        Some(ttl.unwrap_or_default())
    })
    .unwrap_or_else(|err| panic!("{err}"))
}

/// Logs `user` in for `seconds`; the session must be stored with that TTL. Returns the output.
fn logged_in_with_its_ttl(server: &NatsServer, user: &str, seconds: &str) -> String {
    let out = login(server, user, seconds);
    assert_eq!(
        session(server, user).as_deref(),
        Some(seconds),
        "hint: {user}'s session must carry a TTL of {seconds} s: PublishMessage::ttl, on a \
         stream with allow_message_ttl\n{out}"
    );
    out
}

#[test]
fn a_session_is_stored_with_the_ttl_given() {
    // SESSIONS as the first version made it, without the setting: the README says the next
    // run gives it the setting, as it does on a student's own server.
    let server = jetstream();
    testkit::with_client(&server, async |client| {
        let config = async_nats::jetstream::stream::Config {
            name: "SESSIONS".to_string(),
            subjects: vec!["sessions.>".to_string()],
            ..Default::default()
        };
        let js = async_nats::jetstream::new(client);
        js.create_stream(config).await.map(|_| ())
    })
    .unwrap_or_else(|err| panic!("{err}"))
    .unwrap_or_else(|err| panic!("cannot make SESSIONS: {err}"));
    logged_in_with_its_ttl(&server, "bob", "30");
}

#[test]
fn a_session_is_gone_after_its_ttl() {
    let server = jetstream();
    let out = logged_in_with_its_ttl(&server, "alice", "1");
    // The server removes it in a pass after the TTL: wait for that, a few seconds at most.
    let gone = testkit::wait_until(EXERCISE_PATIENCE, || {
        session(&server, "alice").is_none().then_some(())
    });
    assert!(
        gone.is_some(),
        "hint: alice's session was still there {EXERCISE_PATIENCE:?} after its TTL of 1 s\n{out}"
    );
}
