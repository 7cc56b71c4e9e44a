//! End-to-end tests of the leaf-node lesson against real nats-servers: hub-1 and hub-2 in a
//! cluster, and a leaf node linked to hub-1 through a link the test cuts and restores. The
//! claims are checked on the run the guide shows (`guide::scene_leaf`).
// Helpers below unwrap like the tests do: a panic is the test failing with its reason.
#![allow(clippy::unwrap_used)]

use testkit::{NatsServer, PATIENCE, ServerOptions, checks, jetstream_api, read_stream};

const BIN: &str = env!("CARGO_BIN_EXE_leaf");

/// How many messages stream `name` holds on `server` (0 before it exists).
fn messages(server: &NatsServer, name: &str) -> u64 {
    let info = jetstream_api(server, &format!("$JS.API.STREAM.INFO.{name}"), "").unwrap();
    info["state"]["messages"].as_u64().unwrap_or(0)
}

/// The payloads of stream `name` on `server`, in order: `count` of them.
fn payloads(server: &NatsServer, name: &str, count: usize) -> Vec<String> {
    let stored = read_stream(server, name, count, PATIENCE).unwrap();
    stored.into_iter().map(|message| message.payload).collect()
}

#[test]
fn without_a_hub_it_says_to_start_the_leaf_node() {
    let server = checks::start(ServerOptions::new().jetstream(None));
    let out = checks::run(BIN, &server.url(), &[], &["3", "50"]);
    checks::assert_error(&out, &["domain hub", "cargo xtask leaf"]);
}

/// The guide says why the lesson names the leaf's API prefix: the server refuses a source
/// with a `domain` field (which async-nats's `Source` has) as unknown.
#[test]
fn a_source_with_a_domain_field_is_refused_as_unknown() {
    let server = checks::start(ServerOptions::new().jetstream(None));
    let config = r#"{"name":"CENTRAL","sources":[{"name":"READINGS","domain":"leaf"}]}"#;
    let subject = "$JS.API.STREAM.CREATE.CENTRAL";
    let answer = testkit::requests(&server, subject, &[config], PATIENCE).unwrap();
    let answer = answer[0].clone().unwrap();
    assert!(
        answer.contains("unknown field") && answer.contains("domain"),
        "{answer}"
    );
}

#[test]
fn no_server_names_the_leaf_command() {
    checks::no_server_hint_names(BIN, "`cargo xtask leaf`");
}

#[test]
fn a_bad_url_is_explained() {
    checks::explains_invalid_url(BIN);
}

/// The guide's scene: the edge, one run of the lesson, and its link cut and restored in the
/// middle; then the lesson's claims on that run.
mod guide {
    use std::time::Duration;
    use testkit::scene::{Script, ok, terminal};

    use testkit::{Observer, PATIENCE, wait_until};

    use super::{jetstream_api, messages, payloads};

    /// The lesson's defaults: 30 readings, 2 a second.
    const READINGS: u64 = 30;

    #[test]
    fn scene_leaf() {
        Script::play(leaf);
    }

    fn leaf(s: &mut Script) -> Result<(), String> {
        s.heading("Beyond one cluster: a leaf node at the edge (leaf)");
        let edge = s.edge()?;
        // The configurations the edge runs with, for the guide.
        let (link, hub_1) = (edge.link().port(), edge.link().target());
        let configs = format!(
            "# the leaf node\n{}\n# hub-1 (hub-2 has the first line only)\n{}",
            testkit::leaf_config(link),
            testkit::hub_config(Some(hub_1))
        );
        s.record("leaf/configs", configs.trim_end());
        // A second subscriber on the leaf, the test's own: what the leaf delivers locally.
        let local = Observer::subscribe(edge.leaf(), "readings.>").map_err(|err| err.0)?;
        let mut sensor = s.start(terminal(2, "leaf"));
        let stored = |at_least: u64| {
            // Up to a minute: the defaults take 15 seconds, longer on a busy machine.
            wait_until(Duration::from_secs(60), || {
                let held = messages(edge.leaf(), "READINGS");
                (held >= at_least).then_some(held)
            })
        };
        let output = |sensor: &Option<testkit::scene::Running>| {
            sensor
                .as_ref()
                .map(|run| run.lines().join("\n"))
                .unwrap_or_default()
        };
        let before = stored(4).ok_or_else(|| format!("no 4 readings:\n{}", output(&sensor)))?;
        s.show(&mut sensor, "leaf/linked");

        s.say("\nterminal 1: Enter (the link to the hub is cut)");
        edge.link().cut();
        wait_until(PATIENCE, || (!edge.is_linked()).then_some(()))
            .ok_or("hub-1 still counts the leaf as linked after the cut")?;
        let cut_at = messages(edge.hub(0), "CENTRAL");
        // Readings go on at the leaf while the hub cannot have them.
        let during = stored(before + 3).ok_or("the leaf stopped storing while cut")?;
        let hub_during = messages(edge.hub(0), "CENTRAL");
        s.show(&mut sensor, "leaf/cut");

        s.say("\nterminal 1: Enter (the link is back)");
        edge.link().restore();
        stored(READINGS).ok_or("the leaf never stored the last reading")?;
        s.finish(
            &mut sensor,
            "leaf/restored",
            "leaf",
            ok("the next run starts afresh"),
        );
        // For the guide: the run with each kind of line once, the numbers that depend on
        // when the link was cut written as `n`.
        s.record_summary(&sensor, "leaf/run", |_| true, per_reading);

        // Claims on this run. While cut, the hub took none of the readings the leaf stored.
        assert!(
            during >= before + 3 && hub_during == cut_at,
            "{during} {hub_during} {cut_at}\n{}\n{}",
            output(&sensor),
            edge.leaf().log().text()
        );
        a_subscriber_on_the_leaf_hears_every_reading(&local);
        nothing_is_lost_across_the_cut(&edge);
        let out = sensor
            .as_ref()
            .map(|run| run.lines().join("\n"))
            .unwrap_or_default();
        assert!(out.contains(&format!("{READINGS} of {READINGS}")), "{out}");
        Ok(())
    }

    /// A per-reading line with its numbers as `n`: `reading n: stored at the leaf as #n, ...`.
    fn per_reading(line: &str) -> String {
        let Some((head, reading)) = line.split_once("] reading ") else {
            return line.to_string();
        };
        let words = reading.split(' ').map(|word| {
            let digits = word.trim_matches(|c: char| !c.is_ascii_digit());
            match digits.parse::<u64>() {
                Ok(_) => word.replace(digits, "n"),
                Err(_) => word.to_string(),
            }
        });
        format!("{head}] reading {}", words.collect::<Vec<_>>().join(" "))
    }

    #[test]
    fn only_the_numbers_of_each_reading_are_hidden() {
        assert_eq!(
            per_reading(
                "[WARN  leaf] reading 12: stored at the leaf as #12, heard here; the hub holds 11"
            ),
            "[WARN  leaf] reading n: stored at the leaf as #n, heard here; the hub holds n"
        );
        let summary = "[INFO  leaf] The hub holds all 30 readings";
        assert_eq!(per_reading(summary), summary);
    }

    /// The test's own subscriber on the leaf got every reading once, in order, the cut ones
    /// included: the leaf routed them while the hub was out of reach.
    fn a_subscriber_on_the_leaf_hears_every_reading(local: &Observer) {
        let heard = local.take(READINGS as usize, PATIENCE).unwrap();
        let heard: Vec<String> = heard.into_iter().map(|message| message.payload).collect();
        let expected: Vec<String> = (1..=READINGS).map(|n| n.to_string()).collect();
        assert_eq!(heard, expected);
    }

    /// The hub's CENTRAL holds exactly what the leaf's READINGS holds: every reading, once, in
    /// order, the ones stored while the link was cut included.
    fn nothing_is_lost_across_the_cut(edge: &testkit::Edge) {
        assert_eq!(messages(edge.hub(0), "CENTRAL"), READINGS);
        // Placed where the leaf links in, as the lesson asked.
        let info = jetstream_api(edge.hub(0), "$JS.API.STREAM.INFO.CENTRAL", "").unwrap();
        assert_eq!(info["cluster"]["leader"], "hub-1", "{info}");
        assert_eq!(messages(edge.leaf(), "READINGS"), READINGS);
        let central = payloads(edge.hub(0), "CENTRAL", READINGS as usize);
        let expected: Vec<String> = (1..=READINGS).map(|n| n.to_string()).collect();
        assert_eq!(central, expected);
        assert_eq!(
            payloads(edge.leaf(), "READINGS", READINGS as usize),
            expected
        );
    }
}
