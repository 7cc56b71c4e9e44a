//! A step as the tour runs it: in which terminal, with which arguments and settings, and how
//! it should end. `terminal(3, "pub-msg").args(&["foo"])` reads as what the learner does.

/// How a program that runs to its end should end.
pub struct Expect<'a> {
    pub(crate) code: i32,
    pub(crate) says: &'a str,
}

impl<'a> Expect<'a> {
    /// Ends with exit code `code`, after a line containing `says`.
    pub fn exits(code: i32, says: &'a str) -> Self {
        Expect { code, says }
    }
}

pub fn ok(says: &str) -> Expect<'_> {
    Expect { code: 0, says }
}

pub fn fails(says: &str) -> Expect<'_> {
    Expect { code: 1, says }
}

/// A step as a learner runs it in one of their terminals: `cargo run -p NAME -- ARGS`, with
/// extra variables and, when given, another server's URL (which then shows in the command
/// line). `terminal(3, "pub-msg").args(&["foo"])` reads as what the learner does.
pub struct Program<'a> {
    pub(crate) terminal: u8,
    pub(crate) name: &'static str,
    pub(crate) args: &'a [&'a str],
    pub(crate) env: &'a [(&'a str, &'a str)],
    pub(crate) url: Option<&'a str>,
    /// A secret variable: its value, and what the command line shows instead.
    pub(crate) secret: Option<(&'a str, &'a str, &'a str)>,
    /// Whose verdict the run counts towards (default: the step's own).
    pub(crate) verdict: Option<&'a str>,
}

/// Step `name`, run in terminal number `terminal`.
pub fn terminal<'a>(terminal: u8, name: &'static str) -> Program<'a> {
    Program {
        terminal,
        name,
        args: &[],
        env: &[],
        url: None,
        secret: None,
        verdict: None,
    }
}

impl<'a> Program<'a> {
    /// Command-line arguments.
    pub fn args(mut self, args: &'a [&'a str]) -> Self {
        self.args = args;
        self
    }

    /// Extra environment variables (shown in the command line).
    pub fn env(mut self, env: &'a [(&'a str, &'a str)]) -> Self {
        self.env = env;
        self
    }

    /// Connect to `url` instead of the current server (shown as `NATS_URL=...`).
    pub fn url(mut self, url: &'a str) -> Self {
        self.url = Some(url);
        self
    }

    /// A secret variable `name` with `value`; the command line shows `shown` (such as
    /// `$(cat target/secrets/token)`) instead of the value, which must never be printed.
    pub fn secret(mut self, name: &'a str, value: &'a str, shown: &'a str) -> Self {
        self.secret = Some((name, value, shown));
        self
    }

    /// Count the outcome towards `verdict` rather than the step's own name.
    pub fn verdict(mut self, verdict: &'a str) -> Self {
        self.verdict = Some(verdict);
        self
    }
}
