//! The tour's persistence scenes, recorded for the guide's JetStream part: a stream and a
//! durable consumer, a key-value bucket, the object store, and a replicated stream whose leader
//! dies.

use nats_servers::{NatsServer, PATIENCE, ServerOptions};

use crate::script::{Script, fails, ok, terminal};

/// JetStream: js-pub stores into the stream ORDERS, js-pull reads it with a durable consumer.
pub fn persistence(s: &mut Script) -> Result<(), String> {
    s.heading("Persistence: a stream and a durable consumer (js-pub, js-pull)");
    let server = s.server(ServerOptions::new().jetstream(None))?;
    s.say("terminal 1 $ cargo xtask server --jetstream");
    let stored = ok("a duplicate of #1, stored once");
    s.run("js/pub", terminal(2, "js-pub"), stored);
    let more = ["orders.new", "two pizzas"];
    s.run(
        "js/pub-2",
        terminal(2, "js-pub").args(&more),
        ok("stored in ORDERS as #2"),
    );
    let caught_up = ok("Caught up: processed 2 message(s)");
    s.run("js/pull", terminal(3, "js-pull"), caught_up);
    let nothing = ok("Caught up: processed 0 message(s)");
    s.run("js/pull-again", terminal(3, "js-pull"), nothing);
    drop(server);
    retention(s)?;
    poison(s)?;
    key_value(s)?;
    objects(s)?;
    ttl(s)?;
    counter(s)?;
    schedule(s)?;
    replication(s)
}

/// js-retention: one run per retention policy, each from an empty stream.
fn retention(s: &mut Script) -> Result<(), String> {
    s.heading("Persistence: retention policies (js-retention)");
    let server = s.server(ServerOptions::new().jetstream(None))?;
    s.say("terminal 1 $ cargo xtask server --jetstream");
    let runs = [
        (
            "limits",
            "order 6 refused: publish failed: maximum messages",
        ),
        (
            "interest",
            "0 message(s), first #6, last #5: acknowledged by",
        ),
        ("workqueue", "worker refused, JetStream error 10099"),
    ];
    for (mode, says) in runs {
        let block = format!("retention/{mode}");
        s.run(&block, terminal(2, "js-retention").args(&[mode]), ok(says));
    }
    drop(server);
    Ok(())
}

/// js-poison: each way out of a message that never succeeds, one run each.
fn poison(s: &mut Script) -> Result<(), String> {
    s.heading("Persistence: a message that never succeeds (js-poison)");
    let server = s.server(ServerOptions::new().jetstream(None))?;
    s.say("terminal 1 $ cargo xtask server --jetstream");
    let modes = [
        "max-deliver",
        "term",
        "nak-delay",
        "backoff",
        "progress",
        "max-ack-pending",
    ];
    for mode in modes {
        let block = format!("poison/{mode}");
        let args = [mode];
        let program = terminal(2, "js-poison").args(&args);
        s.run_fixed(&block, program, "  consumer: ", whole_seconds);
    }
    drop(server);
    Ok(())
}

/// A line with each time the step measured (`2.0 s`, `4.1 s`: a number with a decimal point,
/// then `s`) rounded to the second: the server keeps a delay to within a few milliseconds,
/// which shows as a tenth now and then. Whole numbers (`ack_wait 2 s`) are the step's own.
fn whole_seconds(line: &str) -> String {
    let words = line.split(' ').collect::<Vec<_>>();
    let rounded = words.iter().enumerate().map(|(i, word)| {
        let measured = word.contains('.') && words.get(i + 1) == Some(&"s");
        let time = word.parse::<f64>().ok().filter(|_| measured);
        time.map_or(word.to_string(), |time| format!("{:.1}", time.round()))
    });
    rounded.collect::<Vec<_>>().join(" ")
}

/// A lesson shown by one run against a JetStream server, until its last line; `fix` writes
/// what changes from run to run as the guide shows it.
fn one_run(
    s: &mut Script,
    heading: &str,
    block: &str,
    step: &'static str,
    fix: fn(&str) -> String,
) -> Result<(), String> {
    s.heading(heading);
    let server = s.server(ServerOptions::new().jetstream(None))?;
    s.say("terminal 1 $ cargo xtask server --jetstream");
    let last = "the next run starts afresh";
    s.run_fixed(block, terminal(2, step), last, fix);
    drop(server);
    Ok(())
}

/// js-ttl: a message's own TTL, refused and then allowed, its delete marker, and a key with a
/// TTL, in one run. The server expires in whole seconds, so the times are rounded to them.
fn ttl(s: &mut Script) -> Result<(), String> {
    one_run(
        s,
        "Persistence: messages and keys that expire (js-ttl)",
        "ttl/run",
        "js-ttl",
        whole_seconds,
    )
}

/// js-counter: increments refused, then added by the server, from four writers at once. The
/// time the writers took changes from run to run: shown as `n ms`.
fn counter(s: &mut Script) -> Result<(), String> {
    one_run(
        s,
        "Persistence: a counter stream (js-counter)",
        "counter/run",
        "js-counter",
        vary_milliseconds,
    )
}

/// js-schedule: a message published once at a time, one every second until purged. The @at
/// time is two seconds after the run starts: shown as `<now + 2 s>`.
fn schedule(s: &mut Script) -> Result<(), String> {
    one_run(
        s,
        "Persistence: messages the server publishes later (js-schedule)",
        "schedule/run",
        "js-schedule",
        at_time,
    )
}

/// A line with the time after `@at ` (RFC 3339, up to the comma) written as `<now + 2 s>`.
fn at_time(line: &str) -> String {
    match line.split_once("@at ") {
        Some((before, after)) if after.starts_with(|c: char| c.is_ascii_digit()) => {
            let rest = after.find(',').map_or("", |comma| &after[comma..]);
            format!("{before}@at <now + 2 s>{rest}")
        }
        _ => line.to_string(),
    }
}

/// A line with each number of milliseconds (a number followed by ` ms`) written as `n`.
fn vary_milliseconds(line: &str) -> String {
    let words: Vec<&str> = line.split(' ').collect();
    let fixed = words.iter().enumerate().map(|(i, word)| {
        let timed = words.get(i + 1) == Some(&"ms") && word.parse::<u64>().is_ok();
        if timed { "n" } else { word }
    });
    fixed.collect::<Vec<_>>().join(" ")
}

/// The kv step: a watcher in one terminal, changes and a refused compare-and-set in another.
fn key_value(s: &mut Script) -> Result<(), String> {
    s.heading("Persistence: a key-value bucket (kv)");
    let server = s.server(ServerOptions::new().jetstream(None))?;
    s.say("terminal 1 $ cargo xtask server --jetstream");
    let mut watcher = s.start(terminal(3, "kv"));
    s.wait(&mut watcher, "Watching the bucket 'tutorial'");
    s.show(&mut watcher, "kv/watch");
    let commands: [(&str, &[&str], &str); 5] = [
        (
            "kv/put",
            &["put", "color", "blue"],
            "color = blue (revision 1)",
        ),
        (
            "kv/put-2",
            &["put", "color", "red"],
            "color = red (revision 2)",
        ),
        ("kv/get", &["get", "color"], "color = red (revision 2)"),
        (
            "kv/update",
            &["update", "color", "green", "2"],
            "(revision 3, was 2)",
        ),
        ("kv/delete", &["delete", "color"], "color deleted"),
    ];
    for (block, args, says) in commands {
        s.run(block, terminal(2, "kv").args(args), ok(says));
    }
    let stale = ["update", "color", "yellow", "2"];
    let refused = fails("changed after revision 2; now color deleted (revision 4)");
    s.run("kv/conflict", terminal(2, "kv").args(&stale), refused);
    s.run(
        "kv/history",
        terminal(2, "kv").args(&["history", "color"]),
        ok("color deleted (revision 4)"),
    );
    s.wait(&mut watcher, "color deleted (revision 4)");
    s.show(&mut watcher, "kv/watched");
    drop(server);
    Ok(())
}

/// The object store: a 3 MB file through a server that takes messages of 1 MB at most.
fn objects(s: &mut Script) -> Result<(), String> {
    s.heading("Persistence: the object store (objects)");
    let server = s.server(ServerOptions::new().jetstream(None))?;
    s.say("terminal 1 $ cargo xtask server --jetstream");
    // The same 3 MB every run (bytes repeating every 251), so that the digest is the same.
    let dir = crate::workspace::root().join("target").join("tour-objects");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)
        .map_err(|err| format!("cannot create {}: {err}", dir.display()))?;
    let (big, copy) = (dir.join("big.bin"), dir.join("copy.bin"));
    let bytes = testkit::repeating_bytes(3_000_000);
    std::fs::write(&big, &bytes).map_err(|err| format!("cannot write {}: {err}", big.display()))?;
    let (big, copy) = (big.display().to_string(), copy.display().to_string());
    s.alias(&big, "big.bin");
    s.alias(&copy, "copy.bin");
    let put = ["put", big.as_str()];
    s.run(
        "objects/put",
        terminal(2, "objects").args(&put),
        ok("in 23 chunk(s)"),
    );
    s.run(
        "objects/list",
        terminal(2, "objects").args(&["list"]),
        ok("1 object(s)"),
    );
    let get = ["get", "big.bin", copy.as_str()];
    s.run(
        "objects/get",
        terminal(2, "objects").args(&get),
        ok("its digest checked"),
    );
    let same = std::fs::read(&copy).is_ok_and(|copied| copied == bytes);
    s.check(
        "objects",
        same.then_some(()).ok_or("the copy differs".to_string()),
    );
    let again = fails("File exists");
    s.run(
        "objects/get-again",
        terminal(2, "objects").args(&get),
        again,
    );
    damaged(s, &server, &get);
    s.run(
        "objects/delete",
        terminal(2, "objects").args(&["delete", "big.bin"]),
        ok("Deleted"),
    );
    let missing = fails("there is no object 'big.bin'");
    s.run(
        "objects/missing",
        terminal(2, "objects").args(&["get", "big.bin", "x"]),
        missing,
    );
    drop(server);
    Ok(())
}

/// `big.bin`'s last chunk replaced through the JetStream API, as the objects test does, and
/// what `get` (its arguments) then says.
fn damaged(s: &mut Script, server: &NatsServer, get: &[&str]) {
    let damaged = testkit::damage_last_chunk(server, "tutorial-files", "damaged");
    s.check("objects", damaged.map_err(|err| err.0));
    let _ = std::fs::remove_file(get[2]); // the good copy from above: get never overwrites
    let says = fails("came back damaged (wrong digest)");
    s.run("objects/damaged", terminal(2, "objects").args(get), says);
}

/// A stream with three replicas on a cluster: its leader dies while js-pub publishes 1,000
/// messages, and every one is stored once; without a majority, a publish is refused.
fn replication(s: &mut Script) -> Result<(), String> {
    s.heading("Persistence: a replicated stream, and its leader's death (js-pub, js-pull)");
    let mut cluster = s.cluster_with(ServerOptions::new().jetstream(None))?;
    cluster.wait_for_jetstream(PATIENCE).map_err(|err| err.0)?;
    s.say("terminal 1 $ cargo xtask cluster --jetstream");
    let args = ["orders.new", "order", "3", "1000"];
    let urls = cluster.urls();
    let mut publisher = s.start(terminal(2, "js-pub").args(&args).url(&urls));
    s.wait(&mut publisher, "Published 'order 500': stored");
    let leader = cluster.stream_leader("ORDERS");
    if let Some(leader) = leader {
        cluster.node_mut(leader).stop();
    }
    s.check(
        "replication",
        leader.map(|_| ()).ok_or("no leader for ORDERS".to_string()),
    );
    s.say("terminal 1: meanwhile, the node that leads ORDERS is stopped (its number, Enter)");
    s.wait(&mut publisher, "Published again 'order 1000'");
    s.summary(
        &publisher,
        "replicated/pub",
        failover_line,
        vary_order_numbers,
    );
    // The remaining nodes elect new leaders (for JetStream itself too) before it goes on.
    let recovered = cluster.wait_for_jetstream(PATIENCE).map_err(|err| err.0);
    s.check("replication", recovered);
    let mut reader = s.start(terminal(3, "js-pull").url(&urls));
    s.wait(&mut reader, "Caught up: processed 1000 message(s)");
    s.summary(
        &reader,
        "replicated/pull",
        failover_line,
        vary_order_numbers,
    );
    drop(cluster);
    Ok(())
}

/// The lines of a 1,000-message run worth showing: all but the routine ones in the middle.
fn failover_line(line: &str) -> bool {
    let routine = line.contains("] Published 'order ") || line.contains("] #");
    let ends = ["'order 1'", "'order 1000'", "#1 ", "#1000 "];
    !routine || line.contains("WARN") || ends.iter().any(|end| line.contains(end))
}

/// The order numbers that depend on the moment the leader died written as `n`, and the
/// reason a publish failed (a timeout, or nobody to answer) left out.
fn vary_order_numbers(line: &str) -> String {
    match line.split_once("'order ") {
        Some((before, after)) if line.contains("WARN") => {
            let reason = after.split_once(" (").map_or("", |(_, rest)| rest);
            let rest = reason.split_once(')').map_or("", |(_, rest)| rest);
            format!("{before}'order n' was not acknowledged (...){rest}")
        }
        _ => line.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::whole_seconds;

    #[test]
    fn measured_times_are_rounded_and_the_steps_own_numbers_kept() {
        let line = "job 1 takes 5 s; delivery 2, 2.1 s after its nak; 3.96 s";
        let steady = "job 1 takes 5 s; delivery 2, 2.0 s after its nak; 4.0 s";
        assert_eq!(whole_seconds(line), steady);
    }
}
