//! The tour's services scenes, recorded for the guide's Services part: the calc service and its
//! client, two instances sharing the requests, discovery, and scatter-gather. Instance ids are
//! random: the guide shows them as fixed ids. Times are shown as the steps print them (to a
//! tenth of a second, or "under 1 ms"), unchanged.

use std::sync::Mutex;

use nats_servers::{NatsServer, PATIENCE, ServerOptions};

use crate::program::Expect;
use crate::script::{Running, Script, fails, ok, terminal};

/// What the guide shows for the instances' ids, in the order the run meets them.
const SHOWN_IDS: [&str; 2] = ["cOWhXqQbvGJbvZoaaSMzlx", "Bu7ZNRBYSXQk1BXOkuDmjT"];
static IDS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// A line with each service instance id (22 letters and digits) replaced by a fixed one.
fn steady(line: &str) -> String {
    let mut ids = IDS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let words = line.split(' ').map(|word| {
        let (core, rest) = word.split_at(word.find([':', ';', ',']).unwrap_or(word.len()));
        let is_id = core.len() == 22 && core.chars().all(|c| c.is_ascii_alphanumeric());
        if is_id && !core.chars().all(|c| c.is_ascii_lowercase()) {
            let index = ids.iter().position(|id| id == core).unwrap_or_else(|| {
                ids.push(core.to_string());
                ids.len() - 1
            });
            return format!(
                "{}{rest}",
                SHOWN_IDS.get(index).unwrap_or(&"another-instance")
            );
        }
        word.to_string()
    });
    words.collect::<Vec<_>>().join(" ")
}

/// Starts a calc instance in `terminal_number` and waits until it serves.
fn instance(
    s: &mut Script,
    server: &NatsServer,
    terminal_number: u8,
    count: usize,
) -> Option<Running> {
    let mut running = s.start(terminal(terminal_number, "service"));
    s.wait(&mut running, "Service calc 1.0.0, instance");
    let serving = server
        .wait_for_subscriptions("calc.sum", count, PATIENCE)
        .map_err(|err| err.0);
    s.check("service", serving);
    running
}

/// A step run to its end, its output recorded through [`steady`].
fn run_steady(s: &mut Script, block: &str, step: &'static str, args: &[&str], last: &str) {
    s.run_fixed(block, terminal(4, step).args(args), last, steady);
}

/// calc against one instance, an error reply, discovery; then two instances sharing work.
pub fn services(s: &mut Script) -> Result<(), String> {
    s.heading("Services: a service, its client and discovery (service, calc, discover)");
    let server = s.server(ServerOptions::new())?;
    s.say("terminal 1 $ cargo xtask server");
    let mut one = instance(s, &server, 2, 1);
    s.summary(&one, "service/start", |_| true, steady);
    s.run(
        "calc/sum",
        terminal(3, "calc").args(&["sum", "1", "2", "3"]),
        ok("calc.sum [1.0,2.0,3.0] = 6"),
    );
    s.run(
        "calc/max",
        terminal(3, "calc").args(&["max", "4", "9.5", "2"]),
        ok("= 9.5"),
    );
    let refused = Expect {
        code: 2,
        says: "max needs at least one number",
    };
    s.run("calc/refused", terminal(3, "calc").args(&["max"]), refused);
    run_steady(s, "discover/one", "discover", &[], "on average");

    s.say("\nterminal 4 $ cargo run -p service   # a second instance");
    let mut two = instance(s, &server, 4, 2);
    let bodies = ["[1.0,2.0]"; 20]; // what the guide's loop of `calc sum 1 2` sends
    let answers = testkit::requests(&server, "calc.sum", &bodies, PATIENCE).map_err(|err| err.0)?;
    let all = answers
        .iter()
        .all(Result::is_ok)
        .then_some(())
        .ok_or("not all 20 answered");
    s.check("service", all.map_err(String::from));
    s.say("\n20 requests on calc.sum: both instances take some");
    s.wait_total(&[&one, &two], "calc.sum [1.0,2.0] = 3", 20);
    let shared = |l: &str| l.contains("Service calc") || l.contains("calc.sum [1.0,2.0] = 3");
    s.summary(&one, "service/shared-1", shared, steady);
    s.summary(&two, "service/shared-2", shared, steady);
    let mut discover = s.start(terminal(3, "discover"));
    s.wait(&mut discover, "on average");
    s.end(&mut discover, 0);
    s.summary(
        &discover,
        "discover/two",
        |line| line.contains("$SRV.PING"),
        steady,
    );
    // How many each took changes from run to run: the guide shows the Ctrl-C line.
    let said = |line: &str| line.contains("Service calc") || line.contains("Ctrl-C");
    s.interrupt_summary(&mut two, "service/ctrl-c", (said, steady));
    s.interrupt_summary(&mut one, "service/ctrl-c-1", (said, steady));
    s.run(
        "calc/nobody",
        terminal(3, "calc").args(&["sum", "1"]),
        fails("no service answers on calc.sum"),
    );
    drop(server);
    gather(s)
}

/// Two quotes responders, one slower, and gather collecting their answers.
fn gather(s: &mut Script) -> Result<(), String> {
    s.heading("Services: scatter-gather (quotes, gather)");
    let server = s.server(ServerOptions::new())?;
    s.say("terminal 1 $ cargo xtask server");
    let mut ada = s.start(terminal(2, "quotes").args(&["ada", "7"]));
    s.wait(&mut ada, "ada answers on 'quote'");
    let mut grace = s.start(terminal(3, "quotes").args(&["grace", "9", "300"]));
    s.wait(&mut grace, "grace answers on 'quote'");
    let both = server
        .wait_for_subscriptions("quote", 2, PATIENCE)
        .map_err(|err| err.0);
    s.check("quotes", both);
    s.show(&mut ada, "quotes/start");
    run_steady(s, "gather/run", "gather", &[], "Gathered 2 answer(s)");
    run_steady(
        s,
        "gather/count",
        "gather",
        &["quote", "{}", "1"],
        "stopped by the count",
    );
    s.interrupt(&mut ada, "quotes/ctrl-c", "stopped");
    s.interrupt(&mut grace, "quotes/ctrl-c-2", "stopped");
    s.run(
        "gather/nobody",
        terminal(4, "gather"),
        fails("nobody listens on 'quote'"),
    );
    drop(server);
    Ok(())
}
