//! The checks of the exercise "workqueue", run by `cargo xtask check workqueue`.

use std::collections::BTreeSet;
use std::time::Duration;

use testkit::{NatsServer, Output, ServerOptions, Step, checks, exercise_bin};

const JOBS: usize = 20;

/// A JetStream server whose work-queue stream JOBS holds "job 1" to "job 20".
fn server_with_jobs() -> NatsServer {
    let server = checks::start(ServerOptions::new().jetstream(None));
    let config = r#"{"name": "JOBS", "subjects": ["jobs.>"], "retention": "workqueue"}"#;
    testkit::jetstream_api(&server, "$JS.API.STREAM.CREATE.JOBS", config)
        .unwrap_or_else(|err| panic!("{err}"));
    let jobs: Vec<String> = (1..=JOBS).map(|n| format!("job {n}")).collect();
    testkit::publish_all(&server, "jobs.new", &jobs).unwrap_or_else(|err| panic!("{err}"));
    server
}

/// Starts both workers at once, and waits for both to end by themselves.
fn two_workers(server: &NatsServer) -> Vec<Output> {
    let workers: Vec<Step> = ["worker-1", "worker-2"]
        .iter()
        .map(|name| {
            let bin = exercise_bin(env!("CARGO_BIN_EXE_exercise-workqueue"));
            let mut command = Step::command(bin);
            command.env("NATS_URL", server.url()).arg(name);
            Step::start(&mut command).unwrap_or_else(|err| panic!("{err}"))
        })
        .collect();
    workers
        .into_iter()
        .map(|mut worker| {
            let out = worker
                .wait_exit(Duration::from_secs(15))
                .unwrap_or_else(|err| panic!("{err}"));
            assert_eq!(
                out.code,
                Some(0),
                "hint: a work queue refuses a second consumer on the same subjects (error \
                 10099): let the workers share one durable consumer\n{}",
                out.all
            );
            out
        })
        .collect()
}

#[test]
fn two_workers_share_the_queue_and_each_job_is_handled_once() {
    let server = server_with_jobs();
    let outs = two_workers(&server);
    let handled: Vec<String> = outs
        .iter()
        .flat_map(|out| out.all.lines().map(str::to_string).collect::<Vec<_>>())
        .filter_map(|line| {
            line.split_once(" handled '")
                .map(|(_, job)| job.to_string())
        })
        .collect();
    let distinct: BTreeSet<&String> = handled.iter().collect();
    let all = || {
        outs.iter()
            .map(|out| out.all.clone())
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(
        distinct.len(),
        handled.len(),
        "a job was handled twice:\n{}",
        all()
    );
    assert_eq!(handled.len(), JOBS, "every job, once:\n{}", all());
}

#[test]
fn the_queue_is_empty_afterwards() {
    let server = server_with_jobs();
    two_workers(&server);
    // A work queue forgets an acknowledged job: nothing is left in the stream.
    let info = testkit::jetstream_api(&server, "$JS.API.STREAM.INFO.JOBS", "")
        .unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(
        info["state"]["messages"], 0,
        "hint: jobs are left in the stream: acknowledge each one\n{info}"
    );
}
