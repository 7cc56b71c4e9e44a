//! End-to-end tests of the permissions step against a real nats-server with permissions.

use std::time::Duration;

use testkit::{ServerOptions, checks};

const BIN: &str = env!("CARGO_BIN_EXE_permissions");

#[test]
fn denied_calls_return_ok_and_the_refusals_arrive_as_warnings() {
    let server = checks::start(ServerOptions::new().permissions());
    let out = checks::run(BIN, &server.url(), &[], &[]);
    assert_eq!(out.code, Some(0), "{}", out.all);
    let lines: Vec<&str> = out.all.lines().collect();
    // Each refusal is a warning naming the subject, after the call that returned Ok.
    for (call, refusal) in [
        (
            "subscribe(\"bar\") returned Ok",
            "Permissions Violation for Subscription to \"bar\"",
        ),
        (
            "publish(\"bar.news\") returned Ok",
            "Permissions Violation for Publish to \"bar.news\"",
        ),
    ] {
        let called = lines.iter().position(|line| line.contains(call));
        let refused = lines
            .iter()
            .position(|line| line.contains(refusal) && line.starts_with("[WARN"));
        assert!(
            matches!((called, refused), (Some(c), Some(r)) if c < r),
            "expected {call:?} then a warning {refusal:?}:\n{}",
            out.all
        );
    }
    // Each refusal came within the 2 s the step waits for it: no third warning, saying none did.
    let warnings = lines
        .iter()
        .filter(|line| line.starts_with("[WARN"))
        .count();
    assert_eq!(warnings, 2, "{}", out.all);
    assert!(
        out.elapsed < Duration::from_secs(4),
        "took {:?}",
        out.elapsed
    );
    // And the same connection still did what the user may do.
    assert!(out.contains("'allowed' on foo.allowed"), "{}", out.all);
}

#[test]
fn a_user_with_every_right_gets_no_refusal_and_says_so() {
    let server = checks::start(ServerOptions::new().auth("foo", "bar"));
    let out = checks::run(BIN, &server.url(), &[], &[]);
    assert_eq!(out.code, Some(0), "{}", out.all);
    assert!(out.has_line_with(&["[WARN", "within 2 s"]), "{}", out.all);
}

// The behaviours every authenticating step shares (it takes no subject, so no subject checks).
testkit::step_checks!(auth: BIN, server: ServerOptions::new().permissions());

/// The guide's scene of permissions.
/// It writes the transcripts that the guide's output blocks show (`cargo xtask docs`), and
/// `cargo xtask tour` runs it with `NATS_TOUR` set to show it as it unfolds.
mod guide {
    use testkit::ServerOptions;
    use testkit::scene::{Script, ok, terminal};

    #[test]
    fn scene_permissions() {
        Script::play(permissions);
    }

    /// permissions against a server that limits what user foo may do.
    fn permissions(s: &mut Script) -> Result<(), String> {
        s.heading("Security: permissions (permissions)");
        let server = s.server(ServerOptions::new().permissions())?;
        s.say("terminal 1 $ cargo xtask server --permissions");
        let program = terminal(2, "permissions");
        s.run("permissions/run", program, ok("'allowed' on foo.allowed"));
        drop(server);
        Ok(())
    }
}
