//! End-to-end tests of js-ttl against a real nats-server with JetStream. What expires when is
//! read from the step's log and from the stream itself (its API); the times are printed by the
//! step, never asserted.
#![allow(clippy::unwrap_used)]

use testkit::scene::Played;

const BIN: &str = env!("CARGO_BIN_EXE_js-ttl");

testkit::step_checks!(jetstream: BIN, needs: ("js-ttl", "2.11"));

/// Checked on the guide scene's run (`guide::scene_ttl`).
fn a_message_with_a_ttl_is_refused_until_the_stream_allows_it_then_expires_into_a_marker(
    played: &Played,
) {
    let out = &played.out;
    let expected = [
        "Without allow_message_ttl, a message with a TTL is refused: ",
        "Published sessions.alice with a TTL of 1 s, and sessions.bob without one",
        "sessions.alice: 'signed in'",
        "sessions.bob: 'signed in'",
        "sessions.alice: a delete marker, Nats-Marker-Reason: MaxAge, after ",
        "  stream: 2 message(s): sessions.bob, and alice's marker",
        "key carol: Put after ",
        "key carol: Purge after ",
    ];
    out.assert_lines_in_order(&expected);
    assert!(out.contains("per-message TTL is disabled"), "{}", out.all);
    assert!(out.contains("10166"), "{}", out.all);
}

/// Checked on the guide scene's run (`guide::scene_ttl`).
fn the_marker_expires_too_and_the_stream_keeps_only_the_session_without_a_ttl(played: &Played) {
    let server = &played.server;
    // The marker's own TTL (2 s) runs out: then only bob's session (#2) is left; alice's (#1)
    // and its marker (#3) are gone. The refused message took no sequence.
    let left = testkit::with_client(server, async |client| {
        let js = async_nats::jetstream::new(client);
        let mut stream = js.get_stream("SESSIONS").await.unwrap();
        let wait = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let state = stream.info().await.unwrap().state.clone();
            if state.messages == 1 || tokio::time::Instant::now() > wait {
                let bob = stream
                    .get_last_raw_message_by_subject("sessions.bob")
                    .await
                    .unwrap();
                let alice = stream
                    .get_last_raw_message_by_subject("sessions.alice")
                    .await;
                return (state.messages, bob.sequence, alice.is_err());
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    })
    .unwrap();
    assert_eq!(left, (1, 2, true), "(messages, bob's sequence, alice gone)");
}

/// The guide's scene of messages and keys that expire.
/// It writes the transcripts that the guide's output blocks show (`cargo xtask docs`), and
/// `cargo xtask tour` runs it with `NATS_TOUR` set to show it as it unfolds.
mod guide {
    use testkit::scene::{Script, whole_seconds};

    #[test]
    fn scene_ttl() {
        Script::play(ttl);
    }

    /// js-ttl, in one run, and the lesson's claims checked on that run.
    fn ttl(s: &mut Script) -> Result<(), String> {
        let played = s.one_run(
            "Persistence: messages and keys that expire (js-ttl)",
            "ttl/run",
            "js-ttl",
            whole_seconds,
        )?;
        super::a_message_with_a_ttl_is_refused_until_the_stream_allows_it_then_expires_into_a_marker(&played);
        super::the_marker_expires_too_and_the_stream_keeps_only_the_session_without_a_ttl(&played);
        Ok(())
    }
}
