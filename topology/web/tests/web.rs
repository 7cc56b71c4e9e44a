//! End-to-end tests of the web lesson: a real nats-server with WebSocket, the web step serving
//! the page, the page in Debian's chromium, headless (driven by `tools/testkit/browser.mjs`;
//! `.ci/run` installs both with apt when missing), and the tutorial's async-sub and pub-simple.
//! The claims are checked on the run the guide shows (`guide::scene_web`).
// Helpers below unwrap like the tests do: a panic is the test failing with its reason.
#![allow(clippy::unwrap_used)]

use std::process::Command;

use testkit::{Step, checks, free_port};

const BIN: &str = env!("CARGO_BIN_EXE_web");

/// `node tools/testkit/browser.mjs URL TEXT PNG`: the page at `url` in headless chromium,
/// until its text holds `text`; its screenshot in `target/web/page.png`.
fn browser(url: &str, text: &str) -> Step {
    for (program, install) in [("node", "nodejs"), ("chromium", "chromium")] {
        let found = Command::new(program).arg("--version").output();
        assert!(
            found.is_ok_and(|out| out.status.success()),
            "this test needs {program}: `sudo apt-get install {install}` (.ci/run does it)"
        );
    }
    let shots = testkit::workspace_root().join("target").join("web");
    std::fs::create_dir_all(&shots).unwrap();
    let script = testkit::workspace_root().join("tools/testkit/browser.mjs");
    let mut command = Command::new("node");
    command
        .arg(script)
        .args([url, text])
        .arg(shots.join("page.png"));
    Step::start(&mut command).unwrap()
}

#[test]
fn without_a_websocket_port_it_says_which_server_to_start() {
    let unused = format!("ws://127.0.0.1:{}", free_port().unwrap());
    let out = checks::run(
        BIN,
        "nats://127.0.0.1:4222",
        &[("NATS_WS_URL", &unused)],
        &[],
    );
    checks::assert_error(&out, &[&unused, "cargo xtask server --websocket"]);
}

#[test]
fn a_web_port_that_is_not_a_number_is_explained() {
    let out = checks::run(BIN, "nats://127.0.0.1:4222", &[("WEB_PORT", "web")], &[]);
    checks::assert_error(&out, &["WEB_PORT must be a port number, not 'web'"]);
}

/// The guide's scene: a server with WebSocket, async-sub, the web step, the page in a browser
/// and pub-simple; then the lesson's claims on that run.
mod guide {
    use testkit::scene::{Script, terminal};
    use testkit::{PATIENCE, ServerOptions, free_port};

    #[test]
    fn scene_web() {
        Script::play(web);
    }

    fn web(s: &mut Script) -> Result<(), String> {
        s.heading("Beyond one cluster: NATS in a browser (web)");
        let (websocket, http) = (free_port().map_err(|e| e.0)?, free_port().map_err(|e| e.0)?);
        let server = s.server(ServerOptions::new().websocket(websocket))?;
        s.say("terminal 1 $ cargo xtask server --websocket");
        // The ports the scene picked, shown as the guide's defaults.
        s.alias(&format!("127.0.0.1:{websocket}"), "localhost:8080");
        s.alias(&format!("localhost:{http}"), "localhost:8000");
        s.hidden_setting("NATS_WS_URL", &format!("ws://127.0.0.1:{websocket}"));
        s.hidden_setting("WEB_PORT", &http.to_string());
        let program = terminal(2, "async-sub");
        let mut sub = s.subscriber(program, &server, "foo", "'foo'", "web/async-sub");
        let mut web = s.start(terminal(3, "web"));
        s.wait(&mut web, &format!("localhost:{http}/"));
        s.show(&mut web, "web/serving");

        s.say("\nbrowser: open http://localhost:8000/");
        let mut page = super::browser(&format!("http://127.0.0.1:{http}/"), "'Hello NATS'");
        page.wait_for_line("loaded", PATIENCE).map_err(|e| e.0)?;
        // The page published once the server held its subscription: async-sub hears it.
        s.wait(&mut sub, "'Hello from a browser'");
        s.show(&mut sub, "web/from-the-browser");
        // The page is a client like any other: the server lists it under its name.
        let names = server.connection_names().map_err(|e| e.0)?;
        assert!(names.iter().any(|name| name == "web page"), "{names:?}");
        s.publish("web/publish", 4, &[], None);
        let shown = page.wait_exit(PATIENCE).map_err(|e| e.0)?;
        assert_eq!(
            shown.code,
            Some(0),
            "the page never showed 'Hello NATS':\n{}",
            shown.all
        );
        let text: Vec<&str> = shown
            .stdout
            .lines()
            .filter(|line| *line != "loaded")
            .collect();
        s.emit("web/page", text.join("\n").trim());
        // Claims on this run: the page shows its own message first, then pub-simple's.
        shown.assert_lines_in_order(&[
            "Received on [foo]: 'Hello from a browser'",
            "Received on [foo]: 'Hello NATS'",
        ]);
        s.interrupt(&mut web, "web/end", "no longer serving");
        s.interrupt(&mut sub, "web/async-sub-end", "reconnected 0 time(s)");
        Ok(())
    }
}
