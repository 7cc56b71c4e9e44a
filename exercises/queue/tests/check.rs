//! The checks of the exercise "queue", run by `cargo xtask check queue`.

use std::collections::BTreeMap;
use std::time::Duration;

use testkit::{EXERCISE_PATIENCE, ServerOptions, Step, checks, publish_all, start_exercise};

fn start(server: &testkit::NatsServer) -> Step {
    start_exercise(env!("CARGO_BIN_EXE_exercise-queue"), server, &[], None)
}

#[test]
fn two_workers_handle_each_task_exactly_once() {
    let server = checks::start(ServerOptions::new());
    let workers = [start(&server), start(&server)];
    server
        .wait_for_subscriptions("tasks", 2, EXERCISE_PATIENCE)
        .unwrap();
    let tasks: Vec<String> = (1..=40).map(|n| format!("task {n}")).collect();
    publish_all(&server, "tasks", &tasks).unwrap();

    let mut handled: BTreeMap<String, usize> = BTreeMap::new();
    let mut shares = Vec::new();
    for mut worker in workers {
        // Some tasks handled: the worker is past setting up its Ctrl-C handler.
        let _ = worker.wait_for_line("Handled '", EXERCISE_PATIENCE);
        worker.interrupt().unwrap();
        let out = worker.wait_exit(Duration::from_secs(3)).unwrap();
        assert_eq!(
            out.code,
            Some(0),
            "it must exit with code 0 after Ctrl-C:\n{}",
            out.all
        );
        let mine: Vec<&str> = out
            .all
            .lines()
            .filter_map(|line| line.split_once("Handled '")?.1.strip_suffix('\''))
            .collect();
        shares.push(mine.len());
        for task in mine {
            *handled.entry(task.to_string()).or_default() += 1;
        }
    }
    assert!(
        handled.values().all(|&times| times == 1),
        "hint: with a plain subscribe every worker gets every task; join the queue group \
         \"workers\" with client.queue_subscribe(\"tasks\", \"workers\".to_string())"
    );
    assert_eq!(handled.len(), 40, "some tasks were never handled");
    assert!(
        shares.iter().all(|&share| share > 0),
        "a worker got no task: {shares:?}"
    );
}
