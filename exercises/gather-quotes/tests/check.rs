//! The checks of the exercise "gather-quotes", run by `cargo xtask check gather-quotes`.
// Helpers below unwrap like the tests do: a panic is the check failing with its reason.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use futures_util::StreamExt;
use testkit::{EXERCISE_PATIENCE, NatsServer, ServerOptions, Step, checks};

/// Quote responders `(author, score, delay in ms)`, answering until the test ends.
fn responders(server: &NatsServer, quotes: &'static [(&str, u64, u64)]) {
    let url = server.url();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let client = async_nats::connect(url).await.unwrap();
            let mut tasks = Vec::new();
            for (author, score, delay) in quotes {
                let mut requests = client.subscribe("quote").await.unwrap();
                let client = client.clone();
                tasks.push(tokio::spawn(async move {
                    while let Some(request) = requests.next().await {
                        tokio::time::sleep(Duration::from_millis(*delay)).await;
                        let body =
                            format!(r#"{{"author":"{author}","text":"...","score":{score}}}"#);
                        let _ = client.publish(request.reply.unwrap(), body.into()).await;
                        let _ = client.flush().await;
                    }
                }));
            }
            for task in tasks {
                let _ = task.await;
            }
        });
    });
    server
        .wait_for_subscriptions("quote", quotes.len(), EXERCISE_PATIENCE)
        .unwrap();
}

fn run(server: &NatsServer) -> testkit::Output {
    let bin = testkit::exercise_bin(env!("CARGO_BIN_EXE_exercise-gather-quotes"));
    Step::run(
        Step::command(bin).env("NATS_URL", server.url()),
        EXERCISE_PATIENCE,
    )
    .unwrap()
}

#[test]
fn it_picks_the_best_answer_that_came_in_time() {
    let server = checks::start(ServerOptions::new());
    responders(
        &server,
        &[("ada", 7, 0), ("grace", 9, 100), ("slow", 10, 1500)],
    );
    let out = run(&server);
    assert!(
        out.contains("Best: grace (score 9)"),
        "hint: gather every answer for 500 ms and keep the highest score; slow's 10 comes after \
         1.5 s and must not win\n\noutput:\n{}",
        out.all
    );
    assert_eq!(
        out.code,
        Some(0),
        "hint: return Ok(()) once the best is logged"
    );
}

#[test]
fn still_says_when_nobody_answers() {
    let server = checks::start(ServerOptions::new());
    let out = run(&server);
    assert_eq!(
        out.code,
        Some(1),
        "hint: with nobody listening, return the Problem\n{}",
        out.all
    );
    assert!(
        out.stderr.contains("nobody answers on 'quote'."),
        "hint: keep the sentence\n{}",
        out.all
    );
}
